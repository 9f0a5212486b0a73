"""`codepal` entry point: one subcommand a module; errors become one message, never a traceback."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from codepal.errors import CodepalError

# subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("codepal.cli.serve", "start the local vLLM model server (or attach to one with --url)"),
    "doctor": ("codepal.cli.doctor", "check this machine, the model and the engine"),
    "complete": ("codepal.cli.complete_cmd", "print a completion at FILE:LINE:COL"),
    "explain": ("codepal.cli.assist_cmd", "explain lines of a file (streams)"),
    "fix": ("codepal.cli.assist_cmd", "propose a fix for lines of a file"),
    "make-test-model": ("codepal.cli.testmodel_cmd", "write a tiny random model for tests"),
    "bench": ("codepal.cli.bench_cmd", "measure latency, wasted work and cache reuse"),
}
# Subcommands the adapters add (`codepal lsp`): modules named by this entry-point group of the installed
# distributions, each with HELP, add_arguments() and run(), as above. The core imports no adapter by name.
ADAPTER_COMMANDS = "codepal.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="codepal", description="Offline coding assistant on a local vLLM.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in COMMANDS.items():
        command = sub.add_parser(name, help=help_text, description=help_text)
        try:
            importlib.import_module(module).add_arguments(command, name)
        except ImportError as exc:
            # One broken or missing subcommand must not take the others down with it.
            command.set_defaults(broken=f"`codepal {name}` is unavailable: {exc}")
        command.set_defaults(module=module)
    seen = set(COMMANDS)  # an adapter cannot replace a core command
    for entry in entry_points(group=ADAPTER_COMMANDS):
        if entry.name in seen:
            continue
        seen.add(entry.name)
        try:
            adapter = importlib.import_module(entry.module)
        except ImportError as exc:
            sub.add_parser(entry.name).set_defaults(
                broken=f"`codepal {entry.name}` is unavailable: {exc}", module=entry.module)
            continue
        help_text = str(getattr(adapter, "HELP", ""))
        command = sub.add_parser(entry.name, help=help_text, description=help_text)
        adapter.add_arguments(command, entry.name)
        command.set_defaults(module=entry.module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Everything after `--` goes to vLLM unchanged (`codepal serve -- --data-parallel-size 2`).
    passthrough: list[str] = []
    if "--" in args_list:
        cut = args_list.index("--")
        args_list, passthrough = args_list[:cut], args_list[cut + 1:]
    parser = build_parser()
    # Known arguments first: a subcommand that could not be imported has no options, and its user must
    # read why it is unavailable (below), not that its options are unrecognised.
    args, unknown = parser.parse_known_args(args_list)
    if unknown and not getattr(args, "broken", None):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    args.passthrough = passthrough
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if getattr(args, "broken", None):
        print(f"codepal: {args.broken}", file=sys.stderr)
        return 2
    try:
        result: int = importlib.import_module(args.module).run(args)
        return result
    except CodepalError as exc:
        print(f"codepal: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
