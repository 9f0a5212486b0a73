"""A byte-level BPE tokenizer's pre-tokenizer split, as a Python pattern for text of printable ASCII.

Such a tokenizer encodes each piece of its split on its own, so a text's tokens are its pieces' tokens
summed (`budget._PieceCounts`). Two shapes of `tokenizer.json` are read: GPT-2's (`ByteLevel` with
`use_regex`, its built-in split) and Qwen2's / Llama-3's (`Sequence[Split(Regex, Isolated), ByteLevel]`, the
split's Oniguruma regex written into the file). The Unicode classes of that regex are written as the ASCII
classes they are on ASCII text; `SAMPLE` is code the caller checks the translation on against the tokenizer
itself, since Python's `re` and Oniguruma may differ in corners no translation rule foresaw."""

from __future__ import annotations

import re
import warnings
from typing import Any

# The split `ByteLevel` applies with `use_regex` (the `tokenizers` library's source, GPT-2's pattern).
GPT2_REGEX = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"

# Unicode general categories as the characters they hold in ASCII. Categories with no ASCII member (Lo, M, …)
# and negations (\P{..}, \p{^..}) are not translated: the tokenizer is then counted whole.
_ASCII_OF = {"L": "A-Za-z", "Lu": "A-Z", "Ll": "a-z", "N": "0-9", "Nd": "0-9"}
_PROPERTY = re.compile(r"\\p\{(\w+)\}")


def translate(source: str) -> str:
    """`source` (an Oniguruma regex) with `\\p{L}` and `\\p{N}` written as ASCII classes, inside character classes
    and outside. Raises ValueError for what it does not know how to translate (nested classes, other
    properties)."""
    out: list[str] = []
    in_class = False
    at = 0
    while at < len(source):
        char = source[at]
        if char == "\\":
            found = _PROPERTY.match(source, at)
            if found is not None:
                ascii_class = _ASCII_OF.get(found.group(1))
                if ascii_class is None:
                    raise ValueError(f"no ASCII class for {found.group()}")
                out.append(ascii_class if in_class else f"[{ascii_class}]")
                at = found.end()
                continue
            if source[at + 1 : at + 2] in ("p", "P", ""):
                raise ValueError(f"cannot translate {source[at : at + 4]!r}")
            out.append(source[at : at + 2])
            at += 2
            continue
        if in_class:
            if char == "[":  # Oniguruma's nested sets and POSIX brackets mean nothing alike in Python
                raise ValueError("nested character class")
            in_class = char != "]"
        elif char == "[":
            in_class = True
            out.append(char)
            at += 1
            for literal in ("^", "]"):  # "[^" negates; a "]" first is a member in both dialects
                if source.startswith(literal, at):
                    out.append(literal)
                    at += 1
            continue
        out.append(char)
        at += 1
    if in_class:
        raise ValueError("unterminated character class")
    return "".join(out)


def compile_split(source: str) -> re.Pattern[str]:
    """The pieces of `Split(Regex(source), Isolated)` as `findall` of the returned pattern: each match is a
    piece, and so is each run of text between matches (the second alternative; the usual split patterns
    match everywhere and never reach it). Raises ValueError or re.error for a pattern it cannot take."""
    python = translate(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "possible nested set": Python would read it another way
        try:
            pattern = re.compile(f"(?:{python})|(?:(?!{python})[\\s\\S])+")
        except Warning as warning:
            raise ValueError(str(warning)) from warning
    if pattern.groups:  # findall would answer the groups, not the pieces
        raise ValueError("the split pattern has capturing groups")
    return pattern


def split_of(spec: dict[str, Any]) -> re.Pattern[str] | None:
    """The split of the parsed `tokenizer.json` `spec` when its pieces are encoded independently of each other
    on text of printable ASCII (no normalizer, or NFC: it leaves ASCII as it is), else None."""
    normalizer = spec.get("normalizer")
    if normalizer is not None and normalizer.get("type") != "NFC":
        return None
    source = _split_regex(spec.get("pre_tokenizer") or {})
    if source is None:
        return None
    try:
        return compile_split(source)
    except (ValueError, re.error):
        return None


def _split_regex(pre: dict[str, Any]) -> str | None:
    """The regex of GPT-2's `ByteLevel` or of a `Sequence[Split(Regex, Isolated), ByteLevel]` (its bytes mapped
    to characters, no regex and no prefix space of its own), else None."""
    if pre.get("type") == "ByteLevel":
        return GPT2_REGEX if pre.get("use_regex", True) and not pre.get("add_prefix_space", True) else None
    steps = pre.get("pretokenizers") or []
    if pre.get("type") != "Sequence" or len(steps) != 2:
        return None
    split, byte_level = steps
    source = (split.get("pattern") or {}).get("Regex")
    if (split.get("type") != "Split" or split.get("behavior") != "Isolated" or split.get("invert")
            or byte_level.get("type") != "ByteLevel" or byte_level.get("use_regex", True)
            or byte_level.get("add_prefix_space", True)):
        return None
    return source if isinstance(source, str) else None


# Code the split is checked on: Python and JavaScript with the characters the splits treat apart (quotes and
# escapes, contractions in both cases, digit runs, tabs and spaces, blank lines, CRLF, operators, trailing
# spaces, a line of only spaces, every printable ASCII character).
SAMPLE = "".join([
    "import os, sys\n",
    "from typing import Any  # don't care, it's fine\n",
    "\n",
    "def greet(name: str = 'World', count=12345) -> str:\n",
    '    """Say hello; I\'LL be back, we\'re done, THEY\'VE left, it\'S 3.14."""\n',
    '    if count >= 10 and name != "":\n',
    '\treturn f"Hello, {name}!\\n" * (count // 2)\n',
    "    values = [1, 22, 333, 4444, 0x1F, 1e-9, 1_000_000]  \n",
    "        \n",
    "    return 'a\\'b' + \"c\\\"d\" + r'\\d+' + '''x'''\r\n",
    "\r\n",
    "class Box(object):\n",
    "\t\tpass\n",
    "\n",
    "\n",
    "\n",
    "    @property\n",
    "    def size(self): return self._size or -1\n",
    "const total = items.reduce((a, b) => a + b, 0);\n",
    "let s = `id: ${user.id}`; // You'VE got it, they'd, we'll, I'm, she's\n",
    "if (x === null || y !== undefined) { x += 1; y -= 2; z **= 3; }\n",
    "  \t  mixed = a<<2 | b>>>1 & ~c ^ d;   \n",
    "print(\"don't\", 'I\\'LL', DON'T, 'S, 's, ''ll)\n",
    "}\r\n",
    "  \r\n",
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\n",
    "x\ry = 7\t\t\n",
    "    \n",
    "end",
])


def sample_texts() -> list[str]:
    """`SAMPLE` whole, and each of its lines with and without its line break."""
    lines = SAMPLE.splitlines(keepends=True)
    return [SAMPLE, *lines, *(line.rstrip("\r\n") for line in lines if line.rstrip("\r\n"))]
