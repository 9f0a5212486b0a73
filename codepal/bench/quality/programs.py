"""Small correct programs with checks, the seeds the fix benchmark injects bugs into (`bugs`).

Each is a module (`target.py`) of ordinary user code and its cases: calls of its function with the values
they must return, run by a separate check script, so a "fix" cannot pass by deleting them. The functions
are written so that every bug kind has somewhere to land: an import they use, locals used
more than once, a range or an index, arithmetic or comparisons, and methods of built-in types.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Program:
    name: str
    function: str  # the function bugs go into
    source: str
    cases: tuple[tuple[str, str], ...]  # (a call, the Python expression of what it must return)

    def check(self) -> str:
        """The check script: each case's call compared with its expected value, a clear message if not."""
        lines = [f"from target import {self.function}", ""]
        for call, expected in self.cases:
            lines += [f"got = {call}", f"want = {expected}",
                      f"assert got == want, {call!r} + ' returned ' + repr(got) + ', expected ' + repr(want)"]
        return "\n".join(lines) + "\n"


PROGRAMS: tuple[Program, ...] = (
    Program("moving_average", "moving_average", '''\
import statistics


def moving_average(values, window):
    """The mean of each run of `window` consecutive values."""
    averages = []
    for start in range(len(values) - window + 1):
        chunk = values[start:start + window]
        averages.append(statistics.mean(chunk))
    return averages
''', (
        ('moving_average([1, 2, 3, 4], 2)',
         '[1.5, 2.5, 3.5]'),
        ('moving_average([5, 5, 5], 3)',
         '[5]'),
    )),
    Program("word_counts", "word_counts", '''\
import collections
import re


def word_counts(text):
    """How often each lower-cased word occurs, most frequent first."""
    words = re.findall(r"[a-z']+", text.lower())
    counts = collections.Counter(words)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, count in ranked if count > 0]
''', (
        ('word_counts("The cat and the hat")',
         '["the", "and", "cat", "hat"]'),
        ('word_counts("b a b")',
         '["b", "a"]'),
    )),
    Program("parse_pairs", "parse_pairs", '''\
import json


def parse_pairs(text):
    """`key=value` lines to a dict; values that look like JSON are decoded."""
    result = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, value = line.split("=", 1)
        try:
            result[key.strip()] = json.loads(value)
        except ValueError:
            result[key.strip()] = value.strip()
    return result
''', (
        ('parse_pairs("# settings\\nport = 8080\\nname = demo\\nflags = [1, 2]\\n")',
         '{"port": 8080, "name": "demo", "flags": [1, 2]}'),
    )),
    Program("chunked", "chunked", '''\
import itertools


def chunked(items, size):
    """Lists of `size` items (the last may be shorter)."""
    iterator = iter(items)
    chunks = []
    while True:
        chunk = list(itertools.islice(iterator, size))
        if len(chunk) == 0:
            break
        chunks.append(chunk)
    return chunks
''', (
        ('chunked(range(5), 2)',
         '[[0, 1], [2, 3], [4]]'),
        ('chunked([], 3)',
         '[]'),
    )),
    Program("clamp_scores", "normalise", '''\
import math


def normalise(scores):
    """Scores scaled to 0..1 by the largest one, rounded down to two decimals."""
    top = max(scores)
    scaled = []
    for score in scores:
        value = score / top
        scaled.append(math.floor(value * 100) / 100)
    return scaled
''', (
        ('normalise([1, 2, 4])',
         '[0.25, 0.5, 1.0]'),
        ('normalise([3, 9])',
         '[0.33, 1.0]'),
    )),
    Program("initials", "initials", '''\
import string


def initials(name):
    """The capitalised first letter of each word of a name, dotted: "ada lovelace" -> "A.L."."""
    letters = []
    for part in name.split():
        first = part[0]
        if first in string.ascii_letters:
            letters.append(first.upper() + ".")
    return "".join(letters)
''', (
        ('initials("ada lovelace")',
         '"A.L."'),
        ('initials("  grace  brewster hopper ")',
         '"G.B.H."'),
    )),
    Program("days_between", "days_between", '''\
import datetime


def days_between(start, end):
    """Whole days from one ISO date to another (negative when `end` is earlier)."""
    first = datetime.date.fromisoformat(start)
    last = datetime.date.fromisoformat(end)
    delta = last - first
    return delta.days
''', (
        ('days_between("2024-02-27", "2024-03-01")',
         '3'),
        ('days_between("2024-01-10", "2024-01-01")',
         '-9'),
    )),
    Program("running_max", "running_max", '''\
import operator


def running_max(values):
    """The largest value seen so far, at each position."""
    best = []
    for index in range(len(values)):
        if index == 0 or operator.gt(values[index], best[-1]):
            best.append(values[index])
        else:
            best.append(best[-1])
    return best
''', (
        ('running_max([3, 1, 4, 1, 5])',
         '[3, 3, 4, 4, 5]'),
        ('running_max([2])',
         '[2]'),
    )),
    Program("dedupe_paths", "dedupe", '''\
import os


def dedupe(paths):
    """Paths with duplicates removed after normalising, first occurrence kept, in order."""
    seen = set()
    unique = []
    for path in paths:
        normal = os.path.normpath(path)
        if normal not in seen:
            seen.add(normal)
            unique.append(normal)
    return unique
''', (
        ('dedupe(["a/b", "a/./b", "c", "a//b", "c/"])',
         '["a/b", "c"]'),
    )),
    Program("checksum", "checksum", '''\
import functools


def checksum(data):
    """A weighted byte sum: each byte times its 1-based position, modulo 65521."""
    weighted = [(index + 1) * byte for index, byte in enumerate(data)]
    total = functools.reduce(lambda a, b: a + b, weighted, 0)
    return total % 65521
''', (
        ('checksum(b"abc")',
         '97 + 2 * 98 + 3 * 99'),
        ('checksum(b"")',
         '0'),
    )),
    Program("title_case", "title_case", '''\
import re


def title_case(text, small_words=("a", "an", "the", "of", "and")):
    """Words capitalised, except small words that are not the first word."""
    words = re.split(r"\\s+", text.strip())
    result = []
    for position, word in enumerate(words):
        lower = word.lower()
        if position > 0 and lower in small_words:
            result.append(lower)
        else:
            result.append(lower.capitalize())
    return " ".join(result)
''', (
        ('title_case("the lord OF the rings")',
         '"The Lord of the Rings"'),
    )),
    Program("median_of", "median", '''\
import math


def median(values):
    """The middle value of the sorted values, or the mean of the two middle ones."""
    ordered = sorted(values)
    count = len(ordered)
    if count == 0:
        return math.nan
    middle = count // 2
    if count % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2
''', (
        ('median([5, 1, 3])',
         '3'),
        ('median([4, 1, 3, 2])',
         '2.5'),
    )),
)
