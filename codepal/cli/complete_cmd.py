"""`codepal complete FILE --line N --col N`: the editor's completion pipeline, from the terminal."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from codepal.cli.common import add_engine_options, config_from_args
from codepal.languages import language_for_path
from codepal.text import TextDocument


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_engine_options(parser)
    parser.add_argument("file", type=Path)
    parser.add_argument("--line", type=int, required=True, help="1-based line")
    parser.add_argument("--col", type=int, required=True, help="1-based column (characters)")
    parser.add_argument("--language", help="language id (default: from the file name)")
    parser.add_argument("--wait", type=float, default=5.0, help="seconds to wait for the engine")


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    from codepal.assistant import Assistant
    from codepal.types import CompletionRequest

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"codepal: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    language = args.language or language_for_path(str(args.file))
    doc = TextDocument(args.file.resolve().as_uri(), language, 0, text)
    offset = doc.offset_at(max(0, args.line - 1), max(0, args.col - 1), "utf-32")
    assistant = Assistant(config_from_args(args))
    await assistant.start()
    try:
        deadline = time.monotonic() + args.wait
        while not assistant.link.ready and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not assistant.link.ready:
            print(f"codepal: no model server is ready ({assistant.link.message}). "
                  "Start one with `codepal serve` in another terminal.", file=sys.stderr)
            return 2
        request = CompletionRequest(text=text, offset=offset, language=language, uri=doc.uri, invoked=True)
        completion = await assistant.completions.complete(request, assistant.link.client, key="cli")
    finally:
        await assistant.close()
    if completion is None or not completion.text:
        print("codepal: the model had no suggestion here", file=sys.stderr)
        return 1
    sys.stdout.write(completion.text + ("" if completion.text.endswith("\n") else "\n"))
    return 0
