"""Small pure parts behind the code actions: what an empty selection means (core), the task map, the
progress summary."""

from __future__ import annotations

import asyncio

import pytest
from pygls.exceptions import JsonRpcRequestCancelled

from codepal.assist.scope import action_range
from codepal.types import AnswerDelta, ThinkingDelta
from codepal_lsp.progress import ThinkingProgress
from codepal_lsp.tasks import TaskMap

PY = ("import math\n\n@cache\ndef area(r):\n    square = lambda x: x * x\n    return math.pi * square(r)\n\n\n"
      "class Shape:\n    def name(self):\n        return 'ä 錯誤 😋'\n\nprint(area(2))\n")
JS = ("export const f = (a) => {\n  return a + 1;\n};\nfunction g() {\n  [1].map(x => x * 2);\n}\n"
      "app.get('/', (req) => {\n  res.send(1);\n});\n")


def around(text: str, language: str, needle: str, delta: int = 0) -> str:
    offset = text.index(needle) + delta
    start, end = action_range(text, language, offset, offset)
    return text[start:end]


@pytest.mark.parametrize(("text", "language", "needle", "expected"), [
    (PY, "python", "x * x", "@cache\ndef area(r):\n    square = lambda x: x * x\n    return math.pi * square(r)"),
    (PY, "python", "'ä", "def name(self):\n        return 'ä 錯誤 😋'"),
    (PY, "python", "print", "print(area(2))"),
    (PY, "python", "import", "import math"),
    (JS, "javascript", "a + 1", "export const f = (a) => {\n  return a + 1;\n};"),
    (JS, "javascript", "x * 2", "function g() {\n  [1].map(x => x * 2);\n}"),
    (JS, "javascript", "res.send", "(req) => {\n  res.send(1);\n}"),
    ("a = 1\nb = 2\n\nc = 3\nd = 4\n", "plaintext", "d", "c = 3\nd = 4"),
])
def test_an_empty_selection_means_the_enclosing_function(text: str, language: str, needle: str,
                                                          expected: str) -> None:
    assert around(text, language, needle) == expected


def test_blank_lines_selections_and_the_end_of_the_document() -> None:
    assert around(PY, "python", "\n\n\nclass", 1) == "class Shape:\n    def name(self):\n        return 'ä 錯誤 😋'"
    assert action_range(PY, "python", len(PY), len(PY)) == (PY.index("print"), len(PY) - 1)
    assert action_range(PY, "python", 5, 2) == (2, 5)  # a selection is kept (ordered)
    assert action_range("\n\n", "python", 1, 1) == (1, 1)  # nothing there


async def test_a_cancel_before_the_command_starts_is_remembered() -> None:
    tasks = TaskMap()
    assert tasks.cancel("early") is False
    with pytest.raises(JsonRpcRequestCancelled):
        with tasks.track("early"):
            pass
    started = asyncio.Event()

    async def command() -> None:
        with tasks.track(7):
            tasks.link("token-7", 7)
            started.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(command())
    await started.wait()
    assert len(tasks) == 1 and tasks.cancel_token("token-7")
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(tasks) == 0 and not tasks.cancel_token("token-7")


def test_the_progress_summary_shows_the_count_and_the_last_line() -> None:
    progress = ThinkingProgress(ls=None, token=None)  # type: ignore[arg-type]  # no token: nothing is sent
    for text in ["Okay, the user", " wants the area.\nFirst, ", "x" * 200]:
        progress.update(ThinkingDelta(text))
    summary = progress.summary()
    assert summary.startswith("thinking… 3 tokens · …") and len(summary.split(" · ")[1]) == 80
    progress.update(AnswerDelta("It computes"))
    assert progress.summary() == "writing the answer… 1 token (after 3 thinking)"
