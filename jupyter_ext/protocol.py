"""Wire models of the codepal routes and their conversion to and from the core's dataclasses.

Offsets on the wire are UTF-16 code units (what JupyterLab's editor counts); the core counts code points.
"""

from __future__ import annotations

import difflib
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from codepal.errors import InvalidInput
from codepal.notebook import Cell, NotebookError
from codepal.text.encoding import index_to_units, units_to_index
from codepal.types import AnswerDelta, AssistEvent, Completion, ExplainResult, FixResult, ThinkingDelta

MAX_CELLS = 5_000
DIFF_CONTEXT_LINES = 3
T = TypeVar("T", bound=BaseModel)


class _Wire(BaseModel):
    # Strict: a string is not an int here. Unknown keys are ignored so newer frontends keep working.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class CellIn(_Wire):
    cell_type: Literal["code", "markdown", "raw"]
    source: str


class NotebookIn(_Wire):
    cells: list[CellIn] = Field(min_length=1, max_length=MAX_CELLS)
    cell_index: int = Field(ge=0)
    language: str = Field("python", max_length=64)
    path: str = Field("", max_length=4096)
    kernel_id: str | None = Field(None, max_length=128)  # the notebook's kernel: its variables are context

    @model_validator(mode="after")
    def _index_in_range(self) -> NotebookIn:
        if self.cell_index >= len(self.cells):
            raise ValueError(f"cell_index {self.cell_index} is past the last cell ({len(self.cells) - 1})")
        return self

    @property
    def source(self) -> str:
        return self.cells[self.cell_index].source

    def core_cells(self) -> list[Cell]:
        return [Cell(c.cell_type, c.source) for c in self.cells]


class CompleteIn(NotebookIn):
    offset: int = Field(ge=0)  # UTF-16 units into the current cell
    tab_size: int = Field(4, ge=1, le=16)
    insert_spaces: bool = True
    invoked: bool = False  # asked for by the user, not typed: not debounced


class ExplainIn(NotebookIn):
    start: int | None = Field(None, ge=0)  # the selection in UTF-16 units; none = the whole cell
    end: int | None = Field(None, ge=0)


class ErrorIn(_Wire):
    """A Jupyter `error` output as nbformat stores it."""

    ename: str = Field("", max_length=1_000)
    evalue: str = Field("", max_length=100_000)
    traceback: list[str] = Field(default_factory=list, max_length=10_000)

    def core(self) -> NotebookError:
        return NotebookError(self.ename, self.evalue, tuple(self.traceback))


class KernelIn(_Wire):
    kernel_id: str = Field(max_length=128)


class FixIn(NotebookIn):
    error: ErrorIn | None = None


def parse(model: type[T], body: bytes) -> T:
    """The validated body, or InvalidInput naming the first problem (→ 400)."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise InvalidInput("the request body is not valid JSON") from None
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidInput(f"invalid request: {where}: {first['msg']}") from None


def utf16_length(text: str) -> int:
    return index_to_units(text, len(text), "utf-16")


def to_index(text: str, units: int, what: str = "offset") -> int:
    """UTF-16 units → code points; past the end is the client's mistake."""
    if units > utf16_length(text):
        raise InvalidInput(f"{what} {units} is past the end of the cell ({utf16_length(text)} UTF-16 units)")
    return units_to_index(text, units, "utf-16")


def completion_json(completion: Completion | None, state: str) -> dict[str, Any]:
    if completion is None or not completion.text:
        return {"completion": None, "state": state}
    return {
        "completion": {
            "insert_text": completion.text,  # inserted at the cursor
            "from_cache": completion.from_cache,
        },
        "state": state,
    }


def event_json(event: AssistEvent, original: str) -> tuple[str, dict[str, Any]]:
    """(SSE event name, data) for one core event."""
    if isinstance(event, ThinkingDelta):
        return "thinking", {"text": event.text}
    if isinstance(event, AnswerDelta):
        return "answer", {"text": event.text}
    if isinstance(event, ExplainResult):
        return "result", {"markdown": event.markdown, **_token_counts(event)}
    if isinstance(event, FixResult):
        return "result", {
            "ok": event.ok,
            "message": event.message,
            "original": original,  # Apply refuses if the cell changed meanwhile
            "new_text": event.new_text,
            "diff": diff_lines(original, event.new_text) if event.ok and event.new_text is not None else [],
            "attempts": event.attempts,
            "kernel_facts": list(event.kernel_facts),
            "answer_format": event.answer_format,  # "json" (schema honoured) or "text"
            **_token_counts(event),
        }
    raise TypeError(f"unexpected core event {type(event).__name__}")


def _token_counts(event: ExplainResult | FixResult) -> dict[str, Any]:
    return {"thinking_tokens": event.thinking_tokens, "answer_tokens": event.answer_tokens,
            "tokens_exact": event.tokens_exact}


def diff_lines(old: str, new: str) -> list[dict[str, str]]:
    """Line diff for display: ops " " (context), "-", "+" and "…" (unchanged lines left out)."""
    a, b = old.split("\n"), new.split("\n")
    out: list[dict[str, str]] = []
    groups = difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(DIFF_CONTEXT_LINES)
    for number, group in enumerate(groups):
        if number or group[0][1] > 0:
            out.append({"op": "…", "text": ""})
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [{"op": " ", "text": line} for line in a[i1:i2]]
                continue
            out += [{"op": "-", "text": line} for line in a[i1:i2]]
            out += [{"op": "+", "text": line} for line in b[j1:j2]]
    return out
