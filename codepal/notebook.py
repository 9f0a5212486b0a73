"""Notebook cells → the core's inputs.

Completion sees the current cell as the document, earlier cells as text before it and later cells as text
after it (markdown as comments, IPython magics commented out so the model reads plain code). Fix and explain
get the cell as the span and earlier code cells as context (and the live kernel's variables, passed in as
KernelFacts by the surface); a Jupyter error output (`ename`, `evalue`,
`traceback`, ANSI-coloured) becomes a Problem. Pure functions: no I/O, no protocol types.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from codepal.kernel_facts import KernelFacts
from codepal.languages import line_comment, normalize_language
from codepal.text.lines import split_lines
from codepal.text.terminal import strip_escapes
from codepal.types import CodeSpan, CompletionRequest, Problem

CellKind = Literal["code", "markdown", "raw"]

# Character caps on what is sent along; the completion budget trims further by tokens. Nearest cells win.
MAX_PREFIX_CHARS = 24_000
MAX_SUFFIX_CHARS = 6_000
MAX_ASSIST_CONTEXT_CHARS = 4_000  # fix/explain share a 4k-token window with thinking and the answer
MAX_TRACEBACK_CHARS = 8_000
CELL_SEPARATOR = "\n\n"

# IPython ≥ 8 names the executing cell "Cell In[3], line 2"; IPython 7 marks the line "----> 2".
_CELL_FRAME = re.compile(r"^\s*Cell In\s*\[([^\]]*)\],\s*line (\d+)", re.MULTILINE)
_ARROW = re.compile(r"^-+>\s*(\d+)", re.MULTILINE)
_MAGIC = re.compile(r"^\s*[%!]")


@dataclass(frozen=True)
class Cell:
    kind: CellKind
    source: str


@dataclass(frozen=True)
class NotebookError:
    """A Jupyter `error` output, as the kernel sent it."""

    ename: str
    evalue: str
    traceback: tuple[str, ...] = ()


@dataclass(frozen=True)
class AssistInputs:
    """What `Assistant.fix()` / `explain()` take for one cell."""

    span: CodeSpan
    context: str
    problem: Problem | None = None
    kernel: KernelFacts | None = None  # the live kernel's variables, when the notebook has one


def comment_prefix(language: str) -> str:
    """The language's line comment from the registry; `//` for a language codepal does not know."""
    return line_comment(language) or "//"


def as_context(cell: Cell, language: str) -> str:
    """A cell as the model should read it around the current one ("" for raw cells)."""
    marker = comment_prefix(language)
    if cell.kind == "markdown":
        return "\n".join(f"{marker} {line}".rstrip() for line in split_lines(cell.source.strip("\n")))
    if cell.kind != "code":
        return ""
    source = cell.source.strip("\n")
    if normalize_language(language) != "python":
        return source
    lines = split_lines(source)
    if lines and lines[0].lstrip().startswith("%%"):  # a cell magic: the body is not Python
        return "\n".join(f"# {line}".rstrip() for line in lines)
    return "\n".join(f"# {line}" if _MAGIC.match(line) else line for line in lines)


def _join_nearest(parts: Sequence[str], limit: int, *, from_end: bool) -> str:
    """Join cells nearest-first until `limit` characters; the nearest one is cut line-aligned if needed."""
    kept: list[str] = []
    used = 0
    for part in parts if not from_end else reversed(parts):
        if not part.strip():
            continue
        room = limit - used
        if len(part) > room:
            if not kept:
                cut = part[-room:] if from_end else part[:room]
                lines = split_lines(cut)
                kept.append("\n".join(lines[1:] if from_end else lines[:-1]))
            break
        kept.append(part)
        used += len(part) + len(CELL_SEPARATOR)
    if from_end:
        kept.reverse()
    return CELL_SEPARATOR.join(k for k in kept if k)


def context_before(cells: Sequence[Cell], index: int, language: str, limit: int = MAX_PREFIX_CHARS,
                   *, code_only: bool = False) -> str:
    parts = [as_context(c, language) for c in cells[:index] if not code_only or c.kind == "code"]
    return _join_nearest(parts, limit, from_end=True)


def context_after(cells: Sequence[Cell], index: int, language: str, limit: int = MAX_SUFFIX_CHARS) -> str:
    return _join_nearest([as_context(c, language) for c in cells[index + 1:]], limit, from_end=False)


def completion_request(
    cells: Sequence[Cell], index: int, offset: int, language: str = "python", uri: str = "",
    *, tab_size: int = 4, insert_spaces: bool = True, kernel: KernelFacts | None = None, invoked: bool = False,
) -> CompletionRequest:
    """The cursor at code-point `offset` of cell `index`, with the notebook around it."""
    before = context_before(cells, index, language)
    after = context_after(cells, index, language)
    return CompletionRequest(
        text=cells[index].source,
        offset=offset,
        language=language,
        uri=uri,
        tab_size=tab_size,
        insert_spaces=insert_spaces,
        extra_prefix=before + CELL_SEPARATOR if before else "",
        extra_suffix=CELL_SEPARATOR + after if after else "",
        kernel=kernel,
        invoked=invoked,
    )


def explain_inputs(cells: Sequence[Cell], index: int, start: int | None = None, end: int | None = None,
                   language: str = "python", uri: str = "", kernel: KernelFacts | None = None) -> AssistInputs:
    """The selection (code points; the whole cell when not given) in cell `index`."""
    source = cells[index].source
    lo = 0 if start is None else max(0, min(start, len(source)))
    hi = len(source) if end is None else max(lo, min(end, len(source)))
    if lo == hi:  # an empty selection means the whole cell
        lo, hi = 0, len(source)
    context = context_before(cells, index, language, MAX_ASSIST_CONTEXT_CHARS, code_only=True)
    return AssistInputs(CodeSpan(source, lo, hi, language, uri), context, kernel=kernel)


def fix_inputs(cells: Sequence[Cell], index: int, error: NotebookError | None,
               language: str = "python", uri: str = "", kernel: KernelFacts | None = None) -> AssistInputs:
    """The whole cell `index` as the span, earlier code cells as context, the error as the Problem."""
    source = cells[index].source
    context = context_before(cells, index, language, MAX_ASSIST_CONTEXT_CHARS, code_only=True)
    problem = problem_from_error(error, source) if error is not None else None
    return AssistInputs(CodeSpan(source, 0, len(source), language, uri), context, problem, kernel)


def problem_from_error(error: NotebookError, source: str = "") -> Problem:
    ename = strip_escapes(error.ename).strip()
    evalue = strip_escapes(error.evalue).strip()
    traceback = strip_escapes("\n".join(error.traceback)).strip("\n")
    message = f"{ename}: {evalue}" if ename and evalue else ename or evalue or "the cell raised an error"
    return Problem(message=message, line=error_line(traceback, source), traceback=_bounded(traceback),
                   error_name=ename)


def error_line(traceback: str, source: str = "") -> int | None:
    """The 0-based line of the executing cell that raised, when the traceback tells (and it is in range)."""
    match = _CELL_FRAME.search(traceback) or _ARROW.search(traceback)
    if match is None:
        return None
    line = int(match.group(match.lastindex or 1)) - 1
    if line < 0 or (source and line >= len(split_lines(source))):
        return None  # the cell was edited since it ran
    return line


def cell_frame_lines(traceback: str) -> list[int]:
    """The 0-based lines of every frame of the cell that raised (the first frame's `Cell In[n]`); frames
    of earlier cells, whose functions it called, are other code."""
    frames = list(_CELL_FRAME.finditer(traceback))
    if not frames:
        return []
    return [int(f.group(2)) - 1 for f in frames if f.group(1) == frames[0].group(1) and int(f.group(2)) > 0]


def _bounded(traceback: str, limit: int = MAX_TRACEBACK_CHARS) -> str:
    """Long tracebacks (deep recursion) keep their head (the cell's frame) and tail (where it raised)."""
    if len(traceback) <= limit:
        return traceback
    head, tail = limit // 4, limit - limit // 4
    return f"{traceback[:head]}\n[… {len(traceback) - limit} characters left out …]\n{traceback[-tail:]}"
