"""Plain dataclasses the core's entry points take and return. No protocol types here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from codepal.kernel_facts import KernelFacts


@dataclass(frozen=True)
class OpenDocument:
    """Another document the editor has open; may contribute signatures to a prompt."""

    uri: str
    text: str
    language: str


@dataclass(frozen=True)
class CompletionRequest:
    """A cursor in a document. `offset` counts code points into `text`."""

    text: str
    offset: int
    language: str
    uri: str = ""
    other_documents: tuple[OpenDocument, ...] = ()
    tab_size: int = 4
    insert_spaces: bool = True
    # Text that stands before/after the document in the model's view (earlier/later notebook cells).
    extra_prefix: str = ""
    extra_suffix: str = ""
    # A notebook kernel's variables; the ones named near the cursor go into the prompt's context.
    kernel: KernelFacts | None = None
    # The user asked for it (an editor's "trigger suggestion" command), not a keystroke: it is not
    # debounced, and it says nothing about the user's typing rhythm.
    invoked: bool = False


@dataclass(frozen=True)
class Completion:
    """Text to insert at the cursor (a pure insertion: post-processing has already dropped what would
    repeat the text after the cursor)."""

    text: str
    from_cache: bool = False


@dataclass(frozen=True)
class CodeSpan:
    """A piece of a document the user asked about. Offsets count code points into `text`."""

    text: str
    start: int
    end: int
    language: str
    uri: str = ""


@dataclass(frozen=True)
class Problem:
    """What is wrong: a diagnostic, or an error with its traceback (notebooks)."""

    message: str
    line: int | None = None  # 0-based line in the document, when known
    traceback: str = ""
    error_name: str = ""
    end_line: int | None = None  # the last line a diagnostic spans, when it spans several from `line`


@dataclass(frozen=True)
class TextEdit:
    """Replace `text[start:end]` of the whole document with `new_text` (code-point offsets)."""

    start: int
    end: int
    new_text: str


@dataclass(frozen=True)
class ThinkingDelta:
    """Thinking text. `tokens`: how many generated tokens it took, when the server says (vLLM's token
    ids); None when unknown. A delta may carry tokens without text (the closing `</think>`)."""

    text: str
    kind: Literal["thinking"] = "thinking"
    tokens: int | None = None


@dataclass(frozen=True)
class AnswerDelta:
    text: str
    kind: Literal["answer"] = "answer"
    tokens: int | None = None


AnswerFormat = Literal["json", "text"]
"""How a fix's answer came: `json` (the server honoured the JSON schema) or `text` (free text, code
taken out of its blocks)."""


@dataclass(frozen=True)
class ExplainResult:
    """`thinking_tokens` and `answer_tokens` are the server's generated tokens when `tokens_exact`
    (counted from its token ids and usage); else an estimate (~4 characters a token)."""

    markdown: str
    thinking_tokens: int = 0
    kind: Literal["explain_result"] = "explain_result"
    answer_tokens: int = 0
    tokens_exact: bool = False


@dataclass(frozen=True)
class FixResult:
    """`ok` with the smallest edits that turn the document into `new_text`, or a reason why not."""

    ok: bool
    message: str
    new_text: str | None = None
    edits: tuple[TextEdit, ...] = ()
    attempts: int = 0
    # The live kernel's facts (notebooks) the fix relied on, as shown in the prompt: "df: DataFrame — …".
    kernel_facts: tuple[str, ...] = ()
    kind: Literal["fix_result"] = "fix_result"
    answer_format: AnswerFormat = "text"  # of the last attempt
    thinking_tokens: int = 0  # over every attempt, as in ExplainResult
    answer_tokens: int = 0
    tokens_exact: bool = False


AssistEvent = ThinkingDelta | AnswerDelta | ExplainResult | FixResult


@dataclass
class LatencyStats:
    """Recent completion latencies, for `codepal.status`."""

    samples_ms: list[float] = field(default_factory=list)

    def add(self, ms: float, keep: int = 200) -> None:
        self.samples_ms.append(ms)
        del self.samples_ms[:-keep]

    def summary(self) -> dict[str, float | int]:
        if not self.samples_ms:
            return {"count": 0}
        ordered = sorted(self.samples_ms)
        return {
            "count": len(ordered),
            "p50_ms": round(ordered[len(ordered) // 2], 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        }
