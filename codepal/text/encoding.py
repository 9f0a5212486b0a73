"""Convert between code points (Python string indices) and LSP code units on one line.

LSP positions count UTF-16 code units by default; clients may negotiate UTF-8 or UTF-32. A unit count
that lands inside a character (between the halves of a surrogate pair, inside a UTF-8 sequence) snaps
back to the start of that character.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from codepal.errors import InvalidInput

PositionEncoding = Literal["utf-16", "utf-8", "utf-32"]
ENCODINGS: tuple[str, ...] = get_args(PositionEncoding)

# Characters outside the Basic Multilingual Plane take two UTF-16 code units.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def check_encoding(encoding: str) -> PositionEncoding:
    if encoding not in ENCODINGS:
        raise InvalidInput(f"unknown position encoding {encoding!r} (expected one of {', '.join(ENCODINGS)})")
    return encoding  # type: ignore[return-value]


def units_to_index(line: str, units: int, encoding: PositionEncoding) -> int:
    """The code-point index in `line` (no line break) of a position `units` code units in; clamps to the
    line's ends and snaps a position inside a character to that character's start."""
    if units <= 0:
        return 0
    if encoding == "utf-32" or line.isascii():
        return min(units, len(line))
    if encoding == "utf-16":
        extra = 0  # code units so far beyond one per code point
        for match in _ASTRAL.finditer(line):
            at = match.start() + extra
            if units <= at:
                break
            if units == at + 1:
                return match.start()
            extra += 1
        return min(units - extra, len(line))
    data = line.encode("utf-8", "surrogatepass")
    if units >= len(data):
        return len(line)
    while data[units] & 0xC0 == 0x80:  # a continuation byte: step back to the lead byte
        units -= 1
    return len(data[:units].decode("utf-8", "surrogatepass"))


def index_to_units(line: str, index: int, encoding: PositionEncoding) -> int:
    """The number of code units of `line[:index]`."""
    if encoding == "utf-32" or line.isascii():
        return index
    head = line[:index]
    if encoding == "utf-16":
        return index + len(_ASTRAL.findall(head))
    return len(head.encode("utf-8", "surrogatepass"))
