from __future__ import annotations

import dataclasses

import pytest

from codepal.errors import InvalidInput
from codepal.text import DocumentStore, TextChange


def test_open_change_snapshot_close() -> None:
    store = DocumentStore()
    store.open("file:///a.py", "python", 1, "x = 1\n")
    before = store.snapshot("file:///a.py")
    store.change("file:///a.py", 2, [TextChange("2", (0, 4), (0, 5)), TextChange("# hi\n", (0, 0), (0, 0))])
    after = store.snapshot("file:///a.py")
    assert before is not None and after is not None
    assert (before.text, before.version) == ("x = 1\n", 1)  # an earlier snapshot never changes
    assert (after.text, after.version, after.language) == ("# hi\nx = 2\n", 2, "python")
    with pytest.raises(dataclasses.FrozenInstanceError):
        after.text = "y"  # type: ignore[misc]
    store.close("file:///a.py")
    assert store.snapshot("file:///a.py") is None
    assert "file:///a.py" not in store


def test_full_replacement_and_unknown_document() -> None:
    store = DocumentStore()
    store.open("u", "go", 1, "old")
    store.change("u", 5, [TextChange("new\r\ntext")])
    doc = store.get("u")
    assert doc is not None and doc.text == "new\r\ntext" and doc.line_count == 2
    with pytest.raises(InvalidInput):
        store.change("missing", 1, [TextChange("x")])


def test_inverted_range_is_swapped() -> None:
    store = DocumentStore()
    store.open("u", "python", 1, "hello world")
    store.change("u", 2, [TextChange("there", (0, 11), (0, 6))])
    assert store.snapshot("u") == store.snapshot("u")
    doc = store.get("u")
    assert doc is not None and doc.text == "hello there"
