"""`codepal make-test-model DIR`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("dir", type=Path, help="where to write the model")
    parser.add_argument("--if-missing", action="store_true", help="do nothing if DIR already holds it")


def run(args: argparse.Namespace) -> int:
    from codepal.testmodel import is_complete, make_test_model

    if getattr(args, "if_missing", False) and is_complete(args.dir):
        print(f"{args.dir} already holds the current test model")
        return 0
    started = time.monotonic()
    out = make_test_model(args.dir)
    print(f"wrote a tiny random Qwen2 test model to {out} in {time.monotonic() - started:.1f} s")
    return 0
