"""`codepal lsp`: the language server on stdio."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--stdio", action="store_true", help="accepted for editors that pass it (stdio is the default)")


def run(args: argparse.Namespace) -> int:
    # Imported here so the core never depends on the adapter's framework.
    import importlib

    importlib.import_module("lsp.server").run_stdio()
    return 0
