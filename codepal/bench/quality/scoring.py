"""The figures one suggestion earns against the text that was really there.

- accepted characters: the longest prefix of the suggestion that equals the start of the removed text,
  so what a user accepting word by word would keep; text past the removed span never counts;
- exact next line: the suggestion's first line equals the real one (indentation included);
- parses after insertion: the document with the suggestion inserted is valid (Python `compile()`,
  JavaScript a tree-sitter parse without errors). A suggestion that shows nothing earns nothing.
"""

from __future__ import annotations

import warnings

from codepal.syntax import parse


def accepted_chars(suggestion: str, removed: str) -> int:
    """Length of the longest common prefix of `suggestion` and `removed`."""
    limit = min(len(suggestion), len(removed))
    for i in range(limit):
        if suggestion[i] != removed[i]:
            return i
    return limit


def first_line(text: str) -> str:
    """The line a suggestion or the removed text starts with: the rest of the cursor line when it holds
    code, else the first non-blank line below (a block after a `:`/`{` starts with a line break)."""
    head, _, rest = text.partition("\n")
    if head.strip() or not rest:
        return head.rstrip()
    for line in rest.split("\n"):
        if line.strip():
            return line.rstrip()
    return ""


def exact_first_line(suggestion: str, removed: str) -> bool:
    want = first_line(removed)
    if not want.strip():
        return False
    # A leading line break is part of the line's place: "x" at the cursor is not "\nx" below it.
    starts_below = not removed.partition("\n")[0].strip()
    if starts_below != (not suggestion.partition("\n")[0].strip()):
        return False
    return first_line(suggestion) == want


def parses(text: str, language: str) -> bool:
    if language == "python":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escape sequences and the like are not errors
                compile(text, "<quality>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
        return True
    tree = parse(text, language)
    if tree is None:
        raise ValueError(f"no grammar for {language}")
    return not tree.root_node.has_error


def insert(prefix: str, suggestion: str, suffix: str) -> str:
    """The document after accepting the suggestion at the cursor."""
    return prefix + suggestion + suffix
