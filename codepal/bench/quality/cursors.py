"""Cursor points in real files: a document with the real text after the cursor removed.

Three kinds, as a user meets them:
- `mid_line`: the cursor after some tokens of a line; the rest of the line is removed;
- `line_start`: a fresh line, the cursor after its indentation; the line's code is removed;
- `block`: the cursor at the end of a line that opens a block (`:` in Python, `{` in JavaScript); the
  block's body is removed (what closes it stays).
Positions are token starts from tree-sitter (strings and comments are single tokens, so no cursor lands
inside one). The file must be valid to start with, so "parses after insertion" means the suggestion's.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Node

from codepal.bench.quality.scoring import parses
from codepal.bench.quality.sources import SourceFile, candidates, looks_hand_written
from codepal.syntax import parse

KINDS = ("mid_line", "line_start", "block")
MIN_PREFIX = 200
MAX_MID_LINE = 120  # characters removed after a mid-line cursor
MAX_BLOCK_LINES = 12
MAX_BLOCK_CHARS = 600
_ATOMS = frozenset({"string", "template_string", "comment", "regex", "concatenated_string"})


@dataclass(frozen=True)
class CursorPoint:
    id: str
    source: str  # the file's label, e.g. stdlib/json/decoder.py
    language: str
    kind: str
    prefix: str  # the document before the cursor
    suffix: str  # the document after the cursor, without the removed text
    removed: str  # the real text at the cursor
    tab_size: int
    insert_spaces: bool

    @property
    def line(self) -> int:
        """0-based line of the cursor."""
        return self.prefix.count("\n")


def indentation_style(text: str) -> tuple[int, bool]:
    """(tab size, insert spaces) as an editor would detect them: tabs if any line starts with one,
    else the smallest indentation step in use (2 or 4)."""
    steps: set[int] = set()
    for line in text.split("\n"):
        if line.startswith("\t"):
            return 4, False
        width = len(line) - len(line.lstrip(" "))
        if width and line.strip():
            steps.add(width)
    return (2 if steps and min(steps) == 2 else 4), True


def _tokens(root: Node) -> Iterator[Node]:
    """Leaves, with strings, comments and regexes as one token each."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.child_count == 0 or node.type in _ATOMS:
            if node.end_byte > node.start_byte:
                yield node
            continue
        stack.extend(reversed(node.children))


@dataclass(frozen=True)
class _Token:
    start: int  # character offsets (the corpus is ASCII, so bytes are characters)
    end: int
    row: int
    end_row: int
    type: str


def _lines_tokens(text: str, language: str) -> dict[int, list[_Token]] | None:
    tree = parse(text, language)
    if tree is None or tree.root_node.has_error:
        return None
    rows: dict[int, list[_Token]] = {}
    for node in _tokens(tree.root_node):
        token = _Token(node.start_byte, node.end_byte, node.start_point[0], node.end_point[0], node.type)
        rows.setdefault(token.row, []).append(token)
    return rows


def _line_span(text: str, row_starts: list[int], row: int) -> tuple[int, int]:
    start = row_starts[row]
    end = text.find("\n", start)
    return start, (len(text) if end < 0 else end)


Span = tuple[int, int]  # the removed text's start (the cursor) and end


def _mid_line(text: str, rows: dict[int, list[_Token]], row_starts: list[int]) -> list[Span]:
    options = []
    for row, tokens in rows.items():
        code = [t for t in tokens if t.type != "comment"]
        if len(code) < 2 or any(t.end_row != t.row for t in tokens):
            continue
        _, line_end = _line_span(text, row_starts, row)
        for token in code[1:]:
            rest = text[token.start:line_end]
            if 2 <= len(rest.strip()) <= MAX_MID_LINE and not rest.lstrip().startswith("#"):
                options.append((token.start, line_end))
    return options


def _line_start(text: str, rows: dict[int, list[_Token]], row_starts: list[int]) -> list[Span]:
    options = []
    for row, tokens in rows.items():
        first = tokens[0]
        line_start, line_end = _line_span(text, row_starts, row)
        if first.type in _ATOMS or text[line_start:first.start].strip() or first.end_row != first.row:
            continue
        if any(t.end_row != t.row for t in tokens) or len(text[first.start:line_end].strip()) < 4:
            continue
        options.append((first.start, line_end))
    return options


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _block(text: str, language: str, rows: dict[int, list[_Token]], row_starts: list[int]) -> list[Span]:
    lines = text.split("\n")
    opener = ":" if language == "python" else "{"
    options = []
    for row, tokens in rows.items():
        if tokens[-1].type != opener or tokens[-1].end != _line_span(text, row_starts, row)[1]:
            continue
        body_end = None
        base = _indent(lines[row])
        for below in range(row + 1, min(len(lines), row + MAX_BLOCK_LINES + 2)):
            line = lines[below]
            if not line.strip():
                continue
            if _indent(line) > base:
                body_end = below
                continue
            if language != "python" and not line.strip().startswith("}"):
                body_end = None  # the block does not close where its indentation says
            break
        else:
            body_end = None
        if body_end is None or body_end - row > MAX_BLOCK_LINES:
            continue
        start = _line_span(text, row_starts, row)[1]
        end = _line_span(text, row_starts, body_end)[1]
        if end - start <= MAX_BLOCK_CHARS:
            options.append((start, end))
    return options


def points_in(source: SourceFile, text: str, count: int, rng: random.Random, first_kind: int = 0,
              ) -> list[CursorPoint]:
    """Up to `count` cursor points of different kinds (rotating from `first_kind`) in one file."""
    rows = _lines_tokens(text, source.language)
    if rows is None or not parses(text, source.language):
        return []
    row_starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            row_starts.append(i + 1)
    tab_size, spaces = indentation_style(text)
    out: list[CursorPoint] = []
    used: set[int] = set()
    for k in range(len(KINDS)):
        if len(out) >= count:
            break
        kind = KINDS[(first_kind + k) % len(KINDS)]
        if kind == "mid_line":
            spans = _mid_line(text, rows, row_starts)
        elif kind == "line_start":
            spans = _line_start(text, rows, row_starts)
        else:
            spans = _block(text, source.language, rows, row_starts)
        spans = [s for s in spans if s[0] >= MIN_PREFIX and text[: s[0]].count("\n") not in used]
        if not spans:
            continue
        start, end = rng.choice(spans)
        used.add(text[:start].count("\n"))
        out.append(CursorPoint(f"{source.label}:{text[:start].count(chr(10)) + 1}:{kind}", source.label,
                               source.language, kind, text[:start], text[end:], text[start:end], tab_size,
                               spaces))
    return out


def build_corpus(seed: int, python_points: int, javascript_points: int, per_file: int = 2,
                 files: list[SourceFile] | None = None) -> list[CursorPoint]:
    """A fixed sample: files drawn with `seed` (stdlib and packages alternating for Python), a few
    points in each, kinds rotating so that each kind gets its share."""
    rng = random.Random(seed)
    pool = candidates() if files is None else files
    groups: dict[str, list[SourceFile]] = {}
    for candidate in pool:
        groups.setdefault(candidate.origin, []).append(candidate)
    for members in groups.values():
        rng.shuffle(members)
    wanted = {"python": python_points, "javascript": javascript_points}
    origins: dict[str, list[str]] = {"python": [o for o in ("stdlib", "packages") if o in groups],
               "javascript": [o for o in ("node_modules",) if o in groups]}
    points: list[CursorPoint] = []
    rotation = 0
    for language, target in wanted.items():
        queues: dict[str, Iterator[SourceFile]] = {origin: iter(groups[origin]) for origin in origins[language]}
        got = 0
        turn = 0
        while got < target and queues:
            origin = list(queues)[turn % len(queues)]
            turn += 1
            source = next(queues[origin], None)
            if source is None:
                del queues[origin]
                continue
            try:
                text = source.read()
            except (OSError, UnicodeDecodeError):
                continue
            if "\r" in text or not looks_hand_written(text):
                continue
            found = points_in(source, text, min(per_file, target - got), rng, rotation)
            rotation += len(found)
            points += found
            got += len(found)
    return points
