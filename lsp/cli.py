"""`codepal lsp`: the language server on stdio.

The core's CLI names no adapter: this command is registered under the `codepal.commands` entry-point group
(pyproject.toml), which `codepal.cli.main` reads. Nothing heavy is imported until the command runs.
"""

from __future__ import annotations

import argparse

HELP = "run the language server on stdio"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--stdio", action="store_true", help="accepted for editors that pass it (stdio is the default)")


def run(args: argparse.Namespace) -> int:
    from .server import run_stdio

    run_stdio()
    return 0
