"""Read a golden source file through the registry's node types, as each module of codepal reads it.

`observe(language)` returns what the completion context, fix placement, the action scope and the
completion scanner see in `golden/<file>`; the test compares it with `golden/expected.toml`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tree_sitter import Node

from codepal.assist.placement.structure import structure
from codepal.assist.scope import enclosing_code
from codepal.complete.context_facts import read
from codepal.complete.context_index import facts_of, scope
from codepal.complete.postprocess.context import comment_start
from codepal.complete.postprocess.lexer import BLOCK, CODE, scan, style_for
from codepal.languages import Language, lookup
from codepal.syntax import parse

GOLDEN = Path(__file__).parent / "golden"
CURSOR = "cursor"  # the golden files mark the cursor with a comment holding only this word


def expectations() -> dict[str, dict[str, Any]]:
    with (GOLDEN / "expected.toml").open("rb") as handle:
        return tomllib.load(handle)


def source_of(language: str) -> str:
    return (GOLDEN / expectations()[language]["file"]).read_text(encoding="utf-8")


def observe(language: str) -> dict[str, Any]:
    spec = lookup(language)
    assert spec is not None
    text = source_of(language)
    seen: dict[str, Any] = {"comment_lines": plain_comment_lines(text, spec)}
    if spec.grammar is None:
        return seen
    tree = parse(text, language)
    assert tree is not None
    seen["parses_cleanly"] = not tree.root_node.has_error
    seen["comment_lines"] = sorted({node.start_point.row + 1 for node in _comments(tree.root_node)})
    seen["comment_openers"] = sorted({_opener(node, spec) for node in _comments(tree.root_node)})
    seen["scanner_agrees"] = _scanner_agrees(text, tree.root_node, spec)
    seen["string_lines"] = _string_lines(text, language)
    cursor = _cursor(text, spec)
    if spec.completion is not None:
        facts = facts_of(text, spec.id)
        seen["definitions"] = list(facts.definitions)
        seen["imports"] = list(facts.imports)
        source = text.encode("utf-8")
        cursor_byte = len(text[:cursor].encode("utf-8"))
        line_start = text.rfind("\n", 0, cursor) + 1
        seen["scope"] = list(scope(tree.root_node, source, cursor_byte, text[line_start:cursor], spec))
        # The context build looks the scope's headers up in the facts index: they must be what scope reads.
        known = read(tree.root_node, source, spec.id).headers
        assert list(scope(tree.root_node, source, cursor_byte, text[line_start:cursor], spec, known)) == seen["scope"]
    if spec.structure is not None:
        found = structure(text, language)
        assert found is not None
        seen["structure"] = [".".join(path) for path, _ in found.definitions()]
        seen["structure_imports"] = [item.text(text) for item in found.imports()]
    if spec.functions is not None:
        enclosing = enclosing_code(text, language, cursor)
        assert enclosing is not None
        seen["enclosing"] = text[enclosing[0]:enclosing[1]].split("\n")[0]
    return seen


def plain_comment_lines(text: str, spec: Language) -> list[int]:
    """Lines that are comments as a whole, by the registry's comment syntax alone."""
    line_marker, block = spec.comments.line, spec.comments.block
    found: list[int] = []
    closer = ""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if closer:
            found.append(number)
            closer = "" if closer in stripped else closer
        elif block is not None and stripped.startswith(block[0]):
            found.append(number)
            closer = "" if block[1] in stripped[len(block[0]):] else block[1]
        elif line_marker is not None and stripped.startswith(line_marker):
            found.append(number)
    return found


def _comments(root: Node) -> list[Node]:
    found: list[Node] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if "comment" in node.type:
            found.append(node)
        else:
            stack.extend(node.children)
    return found


def _opener(node: Node, spec: Language) -> str:
    """Which of the registry's comment openers the grammar's comment node starts with ("?" for none)."""
    text = (node.text or b"").decode("utf-8")
    openers = [spec.comments.line, *(spec.comments.block or ())[:1]]
    return next((opener for opener in openers if opener is not None and text.startswith(opener)), "?")


def _scanner_agrees(text: str, root: Node, spec: Language) -> bool:
    """The completion scanner, reading the registry's comment syntax, finds every comment the grammar
    finds: a line comment where it starts, a block comment's later lines as inside the block."""
    style = style_for(spec.id)
    lines = text.split("\n")
    states = scan(text, style).line_states
    for node in _comments(root):
        row, column = node.start_point.row, node.start_point.column
        if spec.comments.line is not None and _opener(node, spec) == spec.comments.line:
            if states[row] != CODE or comment_start(lines[row], style) != column:
                return False
        elif any(states[r] != BLOCK for r in range(row + 1, node.end_point.row + 1)):
            return False
    return True


def _string_lines(text: str, language: str) -> list[int]:
    """Lines the completion scanner sees start inside a string (a multi-line one)."""
    states = scan(text, style_for(language)).line_states
    return [number for number, state in enumerate(states, start=1) if state not in (CODE, BLOCK)]


def _cursor(text: str, spec: Language) -> int:
    marker = f"{spec.comments.line} {CURSOR}"
    at = text.find(marker)
    assert at >= 0, f"golden file of {spec.id} has no `{marker}` line"
    return at
