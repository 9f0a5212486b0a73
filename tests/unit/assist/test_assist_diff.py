"""Minimal line-level edits: only the changed lines are touched, never the whole file."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from codepal.assist.diff import apply_edits, keep_unchanged_lines, minimal_edits, unified_diff

THIRTY = "".join(f"line_{i} = {i}\n" for i in range(30))


def test_one_changed_line_in_thirty_is_one_edit_of_that_line() -> None:
    fixed = THIRTY.replace("line_17 = 17\n", "line_17 = 18\n")
    edits = minimal_edits(THIRTY, fixed)
    assert len(edits) == 1
    (edit,) = edits
    assert THIRTY[edit.start:edit.end] == "line_17 = 17\n"
    assert edit.new_text == "line_17 = 18\n"
    assert apply_edits(THIRTY, edits) == fixed


def test_insertions_and_deletions() -> None:
    fixed = THIRTY.replace("line_3 = 3\n", "").replace("line_20 = 20\n", "line_20 = 20\nextra = 1\n")
    edits = minimal_edits(THIRTY, fixed)
    assert len(edits) == 2
    assert edits[0].new_text == "" and THIRTY[edits[0].start:edits[0].end] == "line_3 = 3\n"
    assert edits[1].start == edits[1].end and edits[1].new_text == "extra = 1\n"
    assert apply_edits(THIRTY, edits) == fixed


def test_no_change_no_edit() -> None:
    assert minimal_edits(THIRTY, THIRTY) == ()


def test_last_line_without_break() -> None:
    assert apply_edits("a\nb", minimal_edits("a\nb", "a\nc")) == "a\nc"
    assert apply_edits("a\nb", minimal_edits("a\nb", "a\nb\nc")) == "a\nb\nc"


def test_keep_unchanged_lines_restores_whitespace_the_model_dropped() -> None:
    old = "def f():\n    x = 1   \n    \n    return x\r\n"
    new = "def f():\n    x = 1\n\n    return x + 1\n"
    assert keep_unchanged_lines(old, new) == "def f():\n    x = 1   \n    \n    return x + 1\n"


def test_keep_unchanged_lines_never_joins_lines() -> None:
    assert keep_unchanged_lines("a\nb", "a\nb\nc") == "a\nb\nc"
    assert keep_unchanged_lines("a\nb\n", "a\nb") == "a\nb"


def test_unified_diff() -> None:
    diff = unified_diff("a\nb\nc\n", "a\nB\nc\n", "x.py")
    assert diff.splitlines() == ["--- a/x.py", "+++ b/x.py", "@@ -1,3 +1,3 @@", " a", "-b", "+B", " c"]
    assert "No newline at end of file" in unified_diff("a", "b", "x.py")


_lines = st.lists(st.sampled_from(["a", "b", "c", "  d", ""]), max_size=12)


@given(_lines, _lines, st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_edits_always_rebuild_the_new_text(old: list[str], new: list[str], nl: str, final: bool) -> None:
    old_text = nl.join(old) + (nl if final else "")
    new_text = nl.join(new)
    assert apply_edits(old_text, minimal_edits(old_text, new_text)) == new_text
    kept = keep_unchanged_lines(old_text, new_text)
    assert apply_edits(old_text, minimal_edits(old_text, kept)) == kept
    assert [line.rstrip() for line in kept.splitlines()] == [line.rstrip() for line in new_text.splitlines()]
