"""What an Explain or Fix is about when nothing is selected: the function around the cursor (tree-sitter),
else the top-level statement there, else the paragraph (lines between blank lines).

A function's decorators, `export` and `const f = …` belong to it. Among nested functions the innermost
named one wins; an anonymous one (a lambda, a callback) only when no named function encloses it.
"""

from __future__ import annotations

from bisect import bisect_right

from tree_sitter import Node

from codepal.languages import lookup, normalize_language
from codepal.languages.shared_nodes import ACTION_WRAPPERS
from codepal.syntax import parse
from codepal.text.lines import line_starts, split_lines


def action_range(text: str, language: str, start: int, end: int) -> tuple[int, int]:
    """Code-point offsets of what an action at `start..end` is about: a selection as it is; for an empty
    one the enclosing function, else the top-level statement, else the paragraph around the cursor."""
    start, end = sorted((max(0, min(start, len(text))), max(0, min(end, len(text)))))
    if start != end and text[start:end].strip():
        return start, end
    found = enclosing_code(text, language, start)
    return found if found is not None else paragraph(text, start)


def enclosing_code(text: str, language: str, offset: int) -> tuple[int, int] | None:
    """The function (else the top-level statement) around `offset`; None without a grammar or there."""
    lang = normalize_language(language)
    tree = parse(text, lang)
    if tree is None:
        return None
    source = text.encode("utf-8", "surrogatepass")
    at = len(text[:offset].encode("utf-8", "surrogatepass"))
    node = _function_at(tree.root_node, at, lang) or _statement_at(tree.root_node, at)
    if node is None:
        return None
    return _chars(source, node.start_byte), _chars(source, node.end_byte)


def _function_at(root: Node, at: int, language: str) -> Node | None:
    found = lookup(language)
    functions = found.functions if found is not None else None
    named = functions.named if functions is not None else frozenset()
    anonymous = functions.anonymous if functions is not None else frozenset()
    node: Node | None = _innermost(root, at)
    first_anonymous: Node | None = None
    while node is not None:
        if node.type in named or (node.type in anonymous and _is_named_by_parent(node)):
            return _wrapped(node)
        if node.type in anonymous and first_anonymous is None:
            first_anonymous = node
        node = node.parent
    return first_anonymous


def _innermost(root: Node, at: int) -> Node | None:
    """The smallest node at `at`; at the end of a line (just past a node) the node before it."""
    node = root.descendant_for_byte_range(at, at)
    if (node is None or node == root) and at > 0:
        node = root.descendant_for_byte_range(at - 1, at - 1)
    return node


def _is_named_by_parent(node: Node) -> bool:
    return node.parent is not None and node.parent.type == "variable_declarator"


def _wrapped(node: Node) -> Node:
    while node.parent is not None and node.parent.type in ACTION_WRAPPERS:
        node = node.parent
    return node


def _statement_at(root: Node, at: int) -> Node | None:
    for child in root.children:
        if child.start_byte <= at <= child.end_byte and child.type != "comment":
            return child
    return None


def _chars(source: bytes, byte: int) -> int:
    return len(source[:byte].decode("utf-8", "surrogatepass"))


def paragraph(text: str, offset: int) -> tuple[int, int]:
    """The lines around `offset` up to the nearest blank lines. On a blank line, the next paragraph (else
    the previous one); an empty range only in a document of blank lines."""
    starts = [0, *line_starts(text)]
    lines = split_lines(text)
    index = bisect_right(starts, offset) - 1
    if not lines[index].strip():
        after = [i for i in range(index + 1, len(lines)) if lines[i].strip()]
        before = [i for i in range(index - 1, -1, -1) if lines[i].strip()]
        if not (after or before):
            return offset, offset
        index = (after or before)[0]
    first = last = index
    while first > 0 and lines[first - 1].strip():
        first -= 1
    while last + 1 < len(lines) and lines[last + 1].strip():
        last += 1
    return starts[first], starts[last] + len(lines[last])
