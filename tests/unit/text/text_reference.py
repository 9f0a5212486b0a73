"""A slow, obviously correct reference for positions: everything recomputed from scratch, char by char."""

from __future__ import annotations

BREAKS = ("\r\n", "\r", "\n")


def ref_lines(text: str) -> list[tuple[int, int]]:
    """(start, end-before-break) of every line, scanning one character at a time."""
    lines: list[tuple[int, int]] = []
    start = i = 0
    while i < len(text):
        if text[i] == "\r" and text[i + 1 : i + 2] == "\n":
            lines.append((start, i))
            i += 2
            start = i
        elif text[i] in "\r\n":
            lines.append((start, i))
            i += 1
            start = i
        else:
            i += 1
    lines.append((start, len(text)))
    return lines


def width(char: str, encoding: str) -> int:
    if encoding == "utf-32":
        return 1
    if encoding == "utf-16":
        return 2 if ord(char) > 0xFFFF else 1
    return len(char.encode("utf-8", "surrogatepass"))


def ref_offset_at(text: str, line: int, character: int, encoding: str) -> int:
    lines = ref_lines(text)
    if line >= len(lines):
        return len(text)
    start, end = lines[max(line, 0)]
    units = 0
    for index in range(start, end):
        units += width(text[index], encoding)
        if units > character:  # `character` is before the end of this char: snap to its start
            return index
    return end


def ref_position_at(text: str, offset: int, encoding: str) -> tuple[int, int]:
    offset = min(max(offset, 0), len(text))
    lines = ref_lines(text)
    for number, (start, end) in enumerate(lines):
        next_start = lines[number + 1][0] if number + 1 < len(lines) else len(text) + 1
        if start <= offset < next_start:
            stop = min(offset, end)
            return number, sum(width(c, encoding) for c in text[start:stop])
    raise AssertionError("unreachable")
