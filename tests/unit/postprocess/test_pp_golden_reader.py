"""The golden-case reader (format: tests/unit/golden/README.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.golden import load_file

GOOD = """Commentary before the first case.

=== tabs and markers
--- options: tab_size=2 insert_spaces=false crlf
--- document (█ marks the cursor)
if x:
⇥█
--- model output
y()
--- expected
y()
  ¶

=== empty expectation
--- document
x = █
--- model output
;;;;
--- expected
"""


def test_reads_cases(tmp_path: Path) -> None:
    path = tmp_path / "python.golden"
    path.write_text(GOOD, encoding="utf-8")
    first, second = load_file(path)
    assert first.name == "tabs and markers" and first.language == "python"
    assert (first.prefix, first.suffix) == ("if x:\r\n\t", "")
    assert first.output == "y()"
    assert first.expected == "y()\r\n  "
    assert (first.tab_size, first.insert_spaces) == (2, False)
    assert second.expected == "" and second.source == "python.golden:14"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("=== a\n--- document\nx\n--- model output\ny\n--- expected\n", "exactly one"),
        ("=== a\n--- document\n█\n--- expected\n", "lacks"),
        ("=== a\n--- options: tabs=3\n", "unknown option"),
    ],
)
def test_rejects_malformed_cases(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.golden"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_file(path)
