from __future__ import annotations

import pytest

from codepal.errors import InvalidInput
from codepal.text import DocumentStore, TextChange


def test_open_change_close() -> None:
    store = DocumentStore()
    doc = store.open("file:///a.py", "python", 1, "x = 1\n")
    before = doc.text  # what a request took when it started
    store.change("file:///a.py", 2, [TextChange("2", (0, 4), (0, 5)), TextChange("# hi\n", (0, 0), (0, 0))])
    after = store.get("file:///a.py")
    assert after is doc and before == "x = 1\n"  # the text a request holds never changes under it
    assert (after.text, after.version, after.language) == ("# hi\nx = 2\n", 2, "python")
    assert store.uris() == ["file:///a.py"] and len(store) == 1
    store.close("file:///a.py")
    assert store.get("file:///a.py") is None
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
    doc = store.get("u")
    assert doc is not None and doc.text == "hello there"
