"""The scripted typist: which lines of a real file are typed, and when each key is pressed.

Pure and seeded: the same file, mode and seed always give the same script. The document starts as the
file with the chosen lines emptied (their indentation kept); the typist types them back in order,
each line one burst or several (a human pauses at some word boundaries), with a pause after each.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

from codepal.text.lines import split_lines

SAMPLE = "sample_source.py.txt"  # a snapshot of codepal/engine/link.py (Apache-2.0, this project)


def sample_text(name: str = SAMPLE) -> str:
    return resources.files("codepal.bench").joinpath("data", name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Key:
    char: str
    delay_ms: float  # wait before pressing it (after the previous key, or after the previous pause)


@dataclass(frozen=True)
class Burst:
    """Keys typed in one go at `offset_in_line` of target line `line`, then a pause."""

    line: int  # index into Script.lines
    keys: tuple[Key, ...]
    pause_ms: float


@dataclass(frozen=True)
class Script:
    initial_text: str
    lines: tuple[int, ...]  # 0-based line numbers (in the file) that are typed
    bursts: tuple[Burst, ...]

    @property
    def keystrokes(self) -> int:
        return sum(len(burst.keys) for burst in self.bursts)

    @property
    def typing_ms(self) -> float:
        return sum(key.delay_ms for burst in self.bursts for key in burst.keys)


def target_lines(text: str, count: int, start_fraction: float = 0.45, min_len: int = 18,
                 max_len: int = 64, variant: int = 0) -> tuple[int, ...]:
    """`count` code lines inside function bodies in the later part of the file, evenly spread:
    indented at least 8 columns, of moderate length, not comments or docstrings, not block headers and
    not the first line of a block (an emptied line there would leave the file unparsable). Each
    `variant` picks a different set (repeated sessions must not find each other's suggestions in the
    server's type-through cache)."""
    lines = split_lines(text)
    chosen: list[int] = []
    in_string = False
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.count('"""') % 2 == 1:
            in_string = not in_string
            continue
        if in_string or number < len(lines) * start_fraction:
            continue
        indent = len(line) - len(line.lstrip(" "))
        following = lines[number + 1] if number + 1 < len(lines) else ""
        deeper = len(following) - len(following.lstrip(" ")) > indent and following.strip()
        previous = next((p.strip() for p in reversed(lines[:number]) if p.strip() and
                         not p.strip().startswith("#")), "")
        opens_block = previous.endswith(":")
        if (indent >= 8 and min_len <= len(stripped) <= max_len and not stripped.startswith("#")
                and not stripped.endswith(":") and not deeper and not opens_block):
            chosen.append(number)
    if len(chosen) <= count:
        return tuple(chosen)
    step = len(chosen) / count
    shift = variant % max(1, int(step))  # other variants: other lines, as evenly spread
    return tuple(chosen[int(i * step) + shift] for i in range(count))


def blank_lines(text: str, numbers: tuple[int, ...]) -> str:
    """`text` with the content of lines `numbers` removed (indentation kept)."""
    lines = split_lines(text, keepends=True)
    wanted = set(numbers)
    out = []
    for number, line in enumerate(lines):
        if number in wanted:
            body = line.rstrip("\r\n")
            ending = line[len(body):]
            out.append(body[: len(body) - len(body.lstrip(" "))] + ending)
        else:
            out.append(line)
    return "".join(out)


def fast_script(text: str, count: int, interval_ms: float = 40.0, pause_ms: float = 800.0,
                variant: int = 0) -> Script:
    """Every character `interval_ms` apart, one burst per line."""
    numbers = target_lines(text, count, variant=variant)
    lines = split_lines(text)
    bursts = tuple(
        Burst(i, tuple(Key(ch, interval_ms) for ch in lines[n].strip()), pause_ms)
        for i, n in enumerate(numbers)
    )
    return Script(blank_lines(text, numbers), numbers, bursts)


def human_script(text: str, count: int, seed: int = 7, mean_ms: float = 120.0, sd_ms: float = 60.0,
                 word_pause: float = 0.4, pause_range_ms: tuple[float, float] = (500.0, 1200.0),
                 line_pause_ms: float = 1000.0, variant: int = 0) -> Script:
    """Keys ~`mean_ms` ± `sd_ms` apart (normal, clipped to 30-400 ms); after a space, with probability
    `word_pause`, the typist stops to think (a pause drawn from `pause_range_ms`)."""
    rng = random.Random(seed)
    numbers = target_lines(text, count, variant=variant)
    lines = split_lines(text)
    bursts: list[Burst] = []
    for i, n in enumerate(numbers):
        keys: list[Key] = []
        content = lines[n].strip()
        for position, ch in enumerate(content):
            keys.append(Key(ch, min(400.0, max(30.0, rng.gauss(mean_ms, sd_ms)))))
            last = position == len(content) - 1
            if ch == " " and not last and rng.random() < word_pause:
                bursts.append(Burst(i, tuple(keys), rng.uniform(*pause_range_ms)))
                keys = []
        if keys:
            bursts.append(Burst(i, tuple(keys), line_pause_ms))
    return Script(blank_lines(text, numbers), numbers, tuple(bursts))


def line_offset(text: str, number: int) -> int:
    """Offset just after the indentation of line `number` in `text`."""
    lines = split_lines(text, keepends=True)
    start = sum(len(line) for line in lines[:number])
    line = lines[number]
    return start + len(line) - len(line.lstrip(" "))


def big_file(text: str, lines: int = 2000) -> str:
    """A file of about `lines` lines: copies of `text`, each with its top-level names renamed."""
    parts: list[str] = []
    count = 0
    copy = 0
    while count < lines:
        renamed = text if copy == 0 else _rename_top_level(text, copy)
        parts.append(renamed)
        count += len(split_lines(renamed)) - 1
        copy += 1
    return "".join(parts)


def _rename_top_level(text: str, copy: int) -> str:
    out = []
    for line in split_lines(text, keepends=True):
        if line.startswith(("class ", "def ", "async def ")):
            head, _, rest = line.partition("(") if "(" in line else line.partition(":")
            sep = "(" if "(" in line else ":"
            line = f"{head}_{copy}{sep}{rest}"
        out.append(line)
    return "".join(out)
