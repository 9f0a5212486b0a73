"""`codepal make-test-model DIR`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("dir", type=Path, help="where to write the model")


def run(args: argparse.Namespace) -> int:
    from codepal.testmodel import make_test_model

    started = time.monotonic()
    out = make_test_model(args.dir)
    print(f"wrote a tiny random Qwen2 test model to {out} in {time.monotonic() - started:.1f} s")
    return 0
