"""Is a fixed document safe to offer? It must parse no worse than the original and differ from it."""

from __future__ import annotations

from dataclasses import dataclass

from tree_sitter import Node

from codepal.syntax import parse
from codepal.text.lines import split_lines


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""


def syntax_errors(text: str, language: str) -> int | None:
    """ERROR and MISSING nodes in the parse tree; None when the language has no grammar."""
    tree = parse(text, language)
    if tree is None:
        return None
    return _count(tree.root_node) if tree.root_node.has_error else 0


def _count(root: Node) -> int:
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            count += 1
        if node.has_error:  # only subtrees that contain an error need a visit
            stack.extend(node.children)
    return count


def first_error_line(text: str, language: str) -> int | None:
    """0-based line of the first ERROR/MISSING node, for telling the model where it went wrong."""
    tree = parse(text, language)
    if tree is None or not tree.root_node.has_error:
        return None
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            return int(node.start_point[0])
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return None


def _same(a: str, b: str) -> bool:
    """Equal but for trailing whitespace and line-break style: such a change fixes nothing."""
    return _lines(a) == _lines(b)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in split_lines(text.rstrip())]


def verify(original: str, fixed: str, language: str, first_line: int = 0) -> Verdict:
    """`first_line`: the document line the model's code starts on, so a reported line is the model's."""
    if not fixed.strip():
        return Verdict(False, "the answer's code is empty")
    if _same(original, fixed):
        return Verdict(False, "the answer's code is identical to the original, so it fixes nothing")
    before = syntax_errors(original, language)
    after = syntax_errors(fixed, language)
    if before is None or after is None:
        return Verdict(True)  # no grammar: non-empty and different is all that can be checked
    if after > before:
        line = first_error_line(fixed, language)
        where = ""
        if line is not None:
            where = (f" (first error on line {line - first_line + 1})" if line >= first_line
                     else f" (first error on line {line + 1} of the file)")
        return Verdict(False, f"the corrected code is not valid {language}: it has {after} syntax "
                              f"error(s) where the original had {before}{where}")
    return Verdict(True)
