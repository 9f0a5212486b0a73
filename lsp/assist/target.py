"""The arguments of `codepal.explain` / `codepal.fix` ↔ what the core is asked about.

Arguments are one object `{uri, range, version?, diagnostics?}`: what a code action carries, and what a
client sends for its own "explain the selection" (without a version: the document as it is then).
An empty range means "the code around the cursor" and is widened by the core (the enclosing function).

Widening parses the whole document, so it runs in a worker thread on a snapshot taken on the event loop
(the loop owns the DocumentStore): a huge file does not hold up completions and other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.exceptions import JsonRpcContentModified, JsonRpcInvalidParams

from codepal.assist.scope import action_range
from codepal.text.document import TextDocument
from codepal.types import CodeSpan, Problem

from ..convert import offset_of, range_of
from ..server import CodepalServer

_CONVERTER = get_converter()


@dataclass(frozen=True)
class Target:
    """One command's code, frozen at request time (the document may change while the model runs)."""

    uri: str
    version: int
    document: TextDocument  # a snapshot: its own copy of the text and line index
    span: CodeSpan
    problem: Problem | None

    @property
    def title(self) -> str:
        """`shapes.py, lines 4–9`, for progress and messages."""
        name = posixpath.basename(unquote(urlparse(self.uri).path)) or self.uri
        first = self.document.position_at(self.span.start)[0] + 1
        last = self.document.position_at(max(self.span.start, self.span.end - 1))[0] + 1
        return f"{name}, line {first}" if first == last else f"{name}, lines {first}–{last}"


def action_arguments(uri: str, range_: types.Range, version: int,
                     diagnostics: list[types.Diagnostic] | None = None) -> dict[str, Any]:
    """The JSON arguments object a code action's command carries."""
    args: dict[str, Any] = {"uri": uri, "range": _CONVERTER.unstructure(range_), "version": version}
    if diagnostics:
        args["diagnostics"] = _CONVERTER.unstructure(diagnostics)
    return args


async def parse_target(ls: CodepalServer, args: tuple[Any, ...]) -> Target:
    """The command's target, or JSON-RPC errors: -32602 for bad arguments or a document that is not open,
    -32801 when the document changed since the action was offered."""
    raw = args[0] if args else None
    if not isinstance(raw, dict) or not isinstance(raw.get("uri"), str):
        raise JsonRpcInvalidParams("expected one argument {uri, range, version?, diagnostics?}")
    try:
        range_ = _CONVERTER.structure(raw.get("range"), types.Range)
        diagnostics = _CONVERTER.structure(raw.get("diagnostics") or [], list[types.Diagnostic])
    except Exception as exc:
        raise JsonRpcInvalidParams(f"invalid range or diagnostics: {exc}") from None
    version = raw.get("version")
    doc = ls.documents.get(raw["uri"])
    if doc is None:
        raise JsonRpcInvalidParams(f"the document is not open: {raw['uri']}")
    if isinstance(version, int) and version != doc.version:
        raise JsonRpcContentModified(
            f"codepal: {raw['uri']} changed since the action was offered (version {version}, now "
            f"{doc.version}); choose the action again")
    snapshot, (start, end) = await asyncio.to_thread(_widen, ls, doc.uri, doc.language, doc.version, doc.text,
                                                     range_)
    span = CodeSpan(snapshot.text, start, end, snapshot.language, snapshot.uri)
    return Target(snapshot.uri, snapshot.version, snapshot, span, problem_of(diagnostics))


def resolve_range(ls: CodepalServer, doc: TextDocument, range_: types.Range) -> tuple[int, int]:
    """Offsets of the code a range is about (an empty range: the enclosing function, by the core)."""
    start, end = offset_of(ls, doc, range_.start), offset_of(ls, doc, range_.end)
    return action_range(doc.text, doc.language, start, end)


async def resolve_arguments(ls: CodepalServer, args: Any) -> Any:
    """A code action's arguments with an empty range widened to the code it is about (codeAction/resolve).
    Arguments for another version of the document are left as they are: the command reports that."""
    if not isinstance(args, dict) or not isinstance(args.get("uri"), str):
        return args
    doc = ls.documents.get(args["uri"])
    if doc is None or doc.version != args.get("version"):
        return args
    try:
        range_ = _CONVERTER.structure(args.get("range"), types.Range)
    except Exception:
        return args
    snapshot, (start, end) = await asyncio.to_thread(_widen, ls, doc.uri, doc.language, doc.version, doc.text,
                                                     range_)
    return {**args, "range": _CONVERTER.unstructure(range_of(ls, snapshot, start, end))}


def _widen(ls: CodepalServer, uri: str, language: str, version: int, text: str,
           range_: types.Range) -> tuple[TextDocument, tuple[int, int]]:
    """In a worker thread: a snapshot of the document (its own line index) and the offsets `range_` is about.
    Reads only its arguments and `ls.encoding`, which is fixed once the session is initialized."""
    snapshot = TextDocument(uri, language, version, text)
    return snapshot, resolve_range(ls, snapshot, range_)


def problem_of(diagnostics: list[types.Diagnostic]) -> Problem | None:
    """The diagnostics' text for the fix prompt; one diagnostic keeps its line."""
    if not diagnostics:
        return None
    if len(diagnostics) == 1:
        range_ = diagnostics[0].range
        return Problem(_describe(diagnostics[0]), line=range_.start.line, end_line=range_.end.line)
    lines = [f"line {d.range.start.line + 1}: {_describe(d)}" for d in diagnostics]
    return Problem("\n".join(lines))


def _describe(diagnostic: types.Diagnostic) -> str:
    origin = " ".join(str(part) for part in (diagnostic.source, diagnostic.code) if part not in (None, ""))
    return f"{diagnostic.message} ({origin})" if origin else diagnostic.message
