"""pygls' UTF-16 test characters, checked at every prefix position in every encoding."""

from __future__ import annotations

import pytest
from text_reference import ref_offset_at, ref_position_at

from codepal.errors import InvalidInput
from codepal.text import ENCODINGS, TextDocument

# `ä` (1 UTF-16 unit, 2 UTF-8 bytes), `a` + combining diaeresis (2 code points that render as one),
# `錯誤` (1 unit / 3 bytes each), `😋` (a surrogate pair: 2 units / 4 bytes).
LINE = "aä a\u0308 錯誤 😋x"
TEXT = f"{LINE}\r\n{LINE}\n\n{LINE}"
UNIT_BYTES = {"utf-8": 1, "utf-16": 2, "utf-32": 4}


def units(text: str, encoding: str) -> int:
    codec = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[encoding]
    return len(text.encode(codec)) // UNIT_BYTES[encoding]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_prefix_round_trips(encoding: str) -> None:
    doc = TextDocument("file:///t.py", "python", 1, TEXT)
    starts = [0, len(LINE) + 2, 2 * len(LINE) + 3, 2 * len(LINE) + 4]
    for line, start in zip([0, 1, 3], [starts[0], starts[1], starts[3]], strict=True):
        for cut in range(len(LINE) + 1):
            character = units(LINE[:cut], encoding)
            assert doc.offset_at(line, character, encoding) == start + cut  # type: ignore[arg-type]
            assert doc.position_at(start + cut, encoding) == (line, character)  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_inside_a_character_snaps_to_its_start(encoding: str) -> None:
    doc = TextDocument("file:///t.py", "python", 1, TEXT)
    for cut, char in enumerate(LINE):
        before = units(LINE[:cut], encoding)
        for inside in range(1, units(char, encoding)):
            assert doc.offset_at(0, before + inside, encoding) == cut  # type: ignore[arg-type]


def test_surrogate_pair_in_utf16() -> None:
    doc = TextDocument("u", "python", 1, "😋😋")
    assert [doc.offset_at(0, c) for c in range(6)] == [0, 0, 1, 1, 2, 2]
    assert [doc.position_at(o) for o in range(3)] == [(0, 0), (0, 2), (0, 4)]
    assert [doc.position_at(o, "utf-8") for o in range(3)] == [(0, 0), (0, 4), (0, 8)]


def test_clamping() -> None:
    doc = TextDocument("u", "python", 1, "ab\r\ncd")
    assert doc.offset_at(0, 99) == 2  # past the line end -> line end, not into the break
    assert doc.offset_at(7, 0) == len(doc.text)  # past the last line -> document end
    assert doc.offset_at(-1, -5) == 0
    assert doc.position_at(3) == (0, 2)  # between \r and \n -> end of that line
    assert doc.position_at(99) == (1, 2)
    assert doc.position_at(-3) == (0, 0)


def test_positions_match_reference_on_odd_breaks() -> None:
    text = "a\x0cb\r\n\x85c\u2028\rd\r\r\n😋"
    doc = TextDocument("u", "python", 1, text)
    for encoding in ENCODINGS:
        for offset in range(len(text) + 1):
            assert doc.position_at(offset, encoding) == ref_position_at(text, offset, encoding)  # type: ignore[arg-type]
        for line in range(6):
            for character in range(6):
                got = doc.offset_at(line, character, encoding)  # type: ignore[arg-type]
                assert got == ref_offset_at(text, line, character, encoding)


def test_unknown_encoding_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        TextDocument("u", "python", 1, "x").offset_at(0, 0, "utf-7")  # type: ignore[arg-type]
