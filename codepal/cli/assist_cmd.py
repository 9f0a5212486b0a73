"""`codepal explain FILE [--lines A-B]` and `codepal fix FILE [--lines A-B] [--error TEXT] [--diff|--write]`.

Both attach to a running engine (`codepal serve`, or `--url`); neither starts one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from codepal.assist.diff import unified_diff
from codepal.assistant import Assistant
from codepal.cli.common import add_engine_options, config_from_args
from codepal.errors import InvalidInput
from codepal.languages import language_for_path
from codepal.text.lines import line_starts
from codepal.types import AnswerDelta, CodeSpan, ExplainResult, FixResult, Problem, ThinkingDelta

READY_WAIT_S = 3.0
_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+)', re.MULTILINE)
NOT_READY = 2


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("file", type=Path, help="the source file")
    parser.add_argument("--lines", help="1-based inclusive line range A-B, or one line A (default: all)")
    parser.add_argument("--language", help="language id (default: from the file name)")
    parser.add_argument("--show-thinking", action="store_true", help="stream the model's thinking to stderr")
    if name == "fix":
        parser.add_argument("--error", help="the error message or traceback to fix")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--diff", action="store_true", help="print a unified diff (the default)")
        mode.add_argument("--write", action="store_true",
                          help="apply the fix to FILE, keeping FILE.codepal.bak")
    add_engine_options(parser)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    raw = _read(args.file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{args.file} is not UTF-8 text") from None
    span = CodeSpan(text, *line_range(text, args.lines), args.language or language_for_path(str(args.file)),
                    uri=args.file.resolve().as_uri())
    changed = asyncio.Event()
    # A one-off command attaches to a running engine; it never starts (and then stops) one itself.
    assistant = Assistant(config_from_args(args, **{"engine.autostart": False}),
                          on_state=lambda state, message: changed.set())
    await assistant.start()
    try:
        if not await _wait_ready(assistant, changed):
            print(f"codepal: no model server is ready: {assistant.link.message}", file=sys.stderr)
            print("codepal: start one with `codepal serve`, or attach to one with --url", file=sys.stderr)
            return NOT_READY
        if args.command == "explain":
            return await _explain(assistant, span, args.show_thinking)
        return await _fix(assistant, span, args, raw)
    finally:
        await assistant.close()


async def _wait_ready(assistant: Assistant, changed: asyncio.Event) -> bool:
    """Up to READY_WAIT_S for the engine; at once False when the first probe found no engine at all."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + READY_WAIT_S
    link = assistant.link
    while not link.ready:
        remaining = deadline - loop.time()
        if remaining <= 0 or (link.probes and link.info is None):
            return False
        changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), min(remaining, 0.1))
    return True


async def _explain(assistant: Assistant, span: CodeSpan, show_thinking: bool) -> int:
    async for event in assistant.explain(span):
        if isinstance(event, ThinkingDelta) and show_thinking:
            _out(sys.stderr, event.text)
        elif isinstance(event, AnswerDelta):
            _out(sys.stdout, event.text)
        elif isinstance(event, ExplainResult):
            _out(sys.stdout, "\n")
            if show_thinking:
                print(f"[{token_summary(event)}]", file=sys.stderr)
    return 0


async def _fix(assistant: Assistant, span: CodeSpan, args: argparse.Namespace, raw: bytes) -> int:
    problem = Problem(args.error, line=traceback_line(args.error, args.file)) if args.error else None
    result: FixResult | None = None
    async for event in assistant.fix(span, problem):
        if isinstance(event, ThinkingDelta | AnswerDelta) and args.show_thinking:
            _out(sys.stderr, event.text)
        elif isinstance(event, FixResult):
            result = event
    if args.show_thinking:
        _out(sys.stderr, "\n")
    if result is not None:
        print(f"codepal: {answer_summary(result)}", file=sys.stderr)
    if result is None or not result.ok or result.new_text is None:
        print(f"codepal: {result.message if result else 'no answer'}", file=sys.stderr)
        return 1
    if not args.write:
        sys.stdout.write(unified_diff(span.text, result.new_text, str(args.file)))
        print(f"codepal: {result.message}", file=sys.stderr)
        return 0
    write_checked(args.file, raw, result.new_text.encode("utf-8"))
    print(f"codepal: fixed {args.file} ({result.message}); the original is in {backup_path(args.file)}",
          file=sys.stderr)
    return 0


def traceback_line(error: str, path: Path) -> int | None:
    """The 0-based line of the innermost traceback frame in `path` (`File ".../name.py", line 7`), so the
    fix knows the failing line; None when the error text names no frame of that file."""
    lines = [int(m.group(2)) - 1 for m in _FRAME.finditer(error) if Path(m.group(1)).name == path.name]
    return lines[-1] if lines and lines[-1] >= 0 else None


def token_summary(result: ExplainResult | FixResult) -> str:
    """`thinking: 311 tokens, answer: 60 tokens`; `~` marks an estimate (a server without token ids)."""
    about = "" if result.tokens_exact else "~"
    return f"thinking: {about}{result.thinking_tokens} tokens, answer: {about}{result.answer_tokens} tokens"


def answer_summary(result: FixResult) -> str:
    how = "structured (JSON schema)" if result.answer_format == "json" else "free text"
    return f"answer: {how}; {token_summary(result)}"


def line_range(text: str, lines: str | None) -> tuple[int, int]:
    """Offsets of 1-based inclusive lines `A-B` (or `A`) of `text`; the whole text when None."""
    if not lines:
        return 0, len(text)
    first, _, last = lines.partition("-")
    try:
        a, b = int(first), int(last or first)
    except ValueError:
        raise InvalidInput(f"--lines must look like 3-7, not {lines!r}") from None
    starts = [0, *line_starts(text)]
    if not 1 <= a <= b or a > len(starts):
        raise InvalidInput(f"--lines {lines}: the file has {len(starts)} line(s)")
    end = starts[b] if b < len(starts) else len(text)
    return starts[a - 1], end


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".codepal.bak")


def write_checked(path: Path, original: bytes, new: bytes) -> None:
    """Write `new` unless the file changed on disk since `original` was read; keep a backup."""
    if hashlib.sha256(_read(path)).digest() != hashlib.sha256(original).digest():
        raise InvalidInput(f"{path} changed on disk while the fix was being made; not writing it")
    backup_path(path).write_bytes(original)
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)  # atomic: a reader sees the old or the new file, never half of one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


def _out(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()
