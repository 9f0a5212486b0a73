"""Taking the candidate code out of an answer: a table of code-fence cases (after jupyter-ai's)."""

from __future__ import annotations

import pytest

from codepal.assist.extract import note_after_code, tag_fits
from codepal.assist.placement import candidates_of
from codepal.text.fences import code_blocks
from codepal.text.reasoning import strip_reasoning

ORIGINAL = "def add(a, b):\n    return a - b"
FIXED = "def add(a, b):\n    return a + b"

CASES = [
    ("plain fence with tag", f"```python\n{FIXED}\n```", [FIXED]),
    ("fence without tag", f"```\n{FIXED}\n```", [FIXED]),
    ("short tag", f"```py\n{FIXED}\n```", [FIXED]),
    ("tilde fence", f"~~~python\n{FIXED}\n~~~", [FIXED]),
    ("preamble and trailing note",
     f"Here is the fix:\n\n```python\n{FIXED}\n```\n\nI changed `-` to `+`.", [FIXED]),
    ("unclosed fence runs to the end", f"```python\n{FIXED}\n", [FIXED]),
    ("closing fence glued to the code", f"```python\n{FIXED}```", [FIXED]),
    ("indented fence (inside a list)", f"1. Fix:\n   ```python\n{FIXED}\n   ```", [FIXED]),
    ("four backticks hold a triple fence",
     f"````python\n{FIXED}\n# ```not a fence end```\n````", [FIXED + "\n# ```not a fence end```"]),
    ("original quoted first, fix last: both, placement decides",
     f"```python\n{ORIGINAL}\n```\nFixed:\n```python\n{FIXED}\n```", [ORIGINAL, FIXED]),
    ("fix first, usage example after: both, placement decides",
     f"```python\n{FIXED}\n```\nUse it:\n```python\nprint(add(1, 2))\n```", [FIXED, "print(add(1, 2))"]),
    ("other-language block ignored", f"```python\n{FIXED}\n```\n```bash\npython add.py\n```", [FIXED]),
    ("wrong tag kept when it parses", f"```javascript\n{FIXED}\n```", [FIXED]),
    ("a diff is a diff", "```diff\n-    return a - b\n+    return a + b\n```", ["diff"]),
    ("think block before the answer",
     f"<think>\n```python\nwrong()\n```\n</think>\n```python\n{FIXED}\n```", [FIXED]),
    ("think close only (opened in the prompt)",
     f"hmm ```python\nwrong()```\n</think>\n```python\n{FIXED}\n```", [FIXED]),
    ("special tokens dropped", f"```python\n{FIXED}\n```<｜end▁of▁sentence｜>", [FIXED]),
    ("code-only answer", FIXED, [FIXED]),
    ("code-only answer with a note after", f"{FIXED}\n\nI changed the minus to a plus.", [FIXED]),
    ("prose only", "The function subtracts instead of adding. Use a plus sign.", []),
    ("empty", "", []),
    ("unfinished thinking only", "<think>\nLet me see what `add` does", []),
    ("unfenced prose-like code does not parse", "Change the line to return a plus b.", []),
]


@pytest.mark.parametrize(("answer", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_candidates(answer: str, expected: list[str]) -> None:
    found = candidates_of(answer, ORIGINAL, "python")
    assert [c.origin if c.origin == "diff" else c.code for c in found] == expected


def test_language_without_grammar_accepts_similar_unfenced_code() -> None:
    original = "SELECT a FROM t WHERE b = 1"
    found = candidates_of("SELECT a FROM t WHERE b = 2", original, "sql")
    assert [c.code for c in found] == ["SELECT a FROM t WHERE b = 2"]


def test_blocks_keep_their_tags_and_closed_state() -> None:
    blocks = code_blocks("```Python\nx = 1\n```\ntext\n```\ny = 2")
    assert [(b.code, b.tag, b.closed) for b in blocks] == [("x = 1", "python", True), ("y = 2", "", False)]


@pytest.mark.parametrize(("tag", "language", "fits"), [
    ("", "python", True), ("py", "python", True), ("js", "javascript", True), ("ts", "typescript", True),
    ("bash", "python", False), ("rust", "rust", True), ("sql", "sql", True), ("python", "go", False),
])
def test_tag_fits(tag: str, language: str, fits: bool) -> None:
    assert tag_fits(tag, language) is fits


def test_strip_reasoning() -> None:
    assert strip_reasoning("<think>a</think>\nanswer") == "\nanswer"
    assert strip_reasoning("thinking\n</think>\n\nanswer") == "\n\nanswer"
    assert strip_reasoning("answer <think>never closed") == "answer "


def test_note_after_code() -> None:
    answer = f"```python\n{FIXED}\n```\n\nI changed `-` to `+`.\nMore."
    assert note_after_code(answer) == "I changed `-` to `+`."
    assert note_after_code(FIXED) == ""
    assert note_after_code(f"```python\n{FIXED}") == ""  # cut inside the block: its code is no note
    assert note_after_code(f"```python\n{FIXED}```\nI added.") == "I added."  # fence glued to the code
