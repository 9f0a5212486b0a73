"""Facts read from a tree-sitter tree for context: definition names and headers, imports, scopes.

The per-language queries and node types are data in the language registry; this module interprets them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from tree_sitter import Node, Query, QueryCursor

from codepal.complete.context_memo import equality_memo
from codepal.languages import CompletionNodes, Language, lookup
from codepal.languages.shared_nodes import HEADER_BODY_TYPES, HEADER_FROM_PARENT, HEADER_PREFIX
from codepal.syntax import get_language, thread_parser
from codepal.text import split_lines

MAX_HEADER_LINES = 6
MAX_HEADER_CHARS = 400
# A synthetic class that lets an indented slice of a Python file (the methods after the cursor) parse.
WRAPPER = "__codepal_tail__"


@dataclass(frozen=True)
class Facts:
    """What a piece of code defines (name -> header of its first definition) and imports."""

    definitions: dict[str, str]
    imports: tuple[str, ...]


def completion_nodes(language: str) -> CompletionNodes:
    """The registry's completion queries of a language that has them."""
    found = lookup(language)
    assert found is not None and found.completion is not None, language
    return found.completion


@cache
def queries(language: str) -> tuple[Query, Query]:
    grammar = get_language(language)
    assert grammar is not None
    table = completion_nodes(language)
    found = Query(grammar, table.definitions)
    # The definition is always the parent of its @name/@decl, and building Python objects for every
    # capture costs more than the query itself, so only names are captured.
    found.disable_capture("def")
    return found, Query(grammar, table.imports)


def definitions(
    root: Node, source: bytes, language: str, wanted: Collection[bytes] | None = None
) -> Iterator[tuple[str, Node]]:
    """(name, definition node) in document order, only for `wanted` names (UTF-8) if given; unnamed
    definitions (C variable declarations) are skipped."""
    for name, _captured, definition in definition_captures(root, source, language, wanted):
        yield name, definition


def definition_captures(
    root: Node, source: bytes, language: str, wanted: Collection[bytes] | None = None
) -> Iterator[tuple[str, Node, Node]]:
    """(name, captured name or declarator node, definition node), as `definitions`."""
    cursor = QueryCursor(queries(language)[0])
    cursor.set_max_start_depth(completion_nodes(language).definition_depth)
    captures = cursor.captures(root)
    # Document order (the query hands captures over in no particular order).
    nodes = sorted(captures.get("name", []) + captures.get("decl", []), key=lambda n: n.start_byte)
    for node in nodes:
        definition = node.parent
        if definition is None:
            continue
        plain = node.child_count == 0  # an identifier, not a C declarator
        if wanted is not None and plain and source[node.start_byte : node.end_byte] not in wanted:
            continue  # skipped without decoding: most definitions are not wanted
        name = _name(node, definition, source)
        if name and name != WRAPPER and (wanted is None or name.encode("utf-8", "surrogatepass") in wanted):
            yield name, node, definition


def imports(root: Node, source: bytes, language: str) -> tuple[str, ...]:
    return tuple(text for _, _, text in imports_with_spans(root, source, language))


def imports_with_spans(root: Node, source: bytes, language: str) -> list[tuple[int, int, str]]:
    """(start byte, end byte, text) of each import, in document order."""
    cursor = QueryCursor(queries(language)[1])
    cursor.set_max_start_depth(completion_nodes(language).import_depth)
    nodes = sorted(cursor.captures(root).get("import", []), key=lambda n: n.start_byte)
    return [(node.start_byte, node.end_byte, text_of(node, source).strip()) for node in nodes]


@equality_memo(64)
def facts_of(text: str, language: str, wrap: bool = False) -> Facts:
    """Facts of a whole text, memoised by content: other open documents and the part of a Python file
    after the cursor change rarely between two keystrokes. `wrap` puts an indented slice in a class."""
    parser = thread_parser(language)
    if parser is None:
        return Facts({}, ())
    source = (f"class {WRAPPER}:\n{text}" if wrap else text).encode("utf-8", "surrogatepass")
    root = parser.parse(source).root_node
    found: dict[str, str] = {}
    for name, node in definitions(root, source, language):
        if name not in found:
            found[name] = header(node, source)
    return Facts(found, imports(root, source, language))


def text_of(node: Node, source: bytes) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", "surrogatepass")


def _name(node: Node, definition: Node, source: bytes) -> str:
    """The name a captured @name or @decl node stands for. A C declarator is followed down to the
    identifier; "" for a C declaration that declares a variable, not a function."""
    is_function = False
    while True:
        is_function = is_function or node.type == "function_declarator"
        inner = node.child_by_field_name("declarator")
        if inner is None:
            break
        node = inner
    while node.type == "qualified_identifier":
        inner = node.child_by_field_name("name")
        if inner is None:
            break
        node = inner
    if definition.type in ("declaration", "field_declaration") and not is_function:
        return ""
    return text_of(node, source)


def _body(node: Node) -> Node | None:
    """The node where a definition's header ends: a `body` field or a block a few levels down."""
    frontier = [node]
    for _ in range(3):
        below: list[Node] = []
        for current in frontier:
            body = current.child_by_field_name("body")
            if body is not None:
                return body
            for child in current.named_children:
                if child.type in HEADER_BODY_TYPES:
                    return child
                below.append(child)
        frontier = below
    return None


def header_spans(node: Node) -> tuple[tuple[int, int], ...]:
    """The byte ranges a definition's header is made of: from where it starts (an enclosing `export
    const` …) to its body, and what follows the body inside the definition (`typedef struct … T;`)."""
    start = node
    while start.parent is not None and start.parent.type in HEADER_FROM_PARENT:
        start = start.parent
    body = _body(node)
    spans = [(start.start_byte, body.start_byte if body else node.end_byte)]
    if body is not None and node.end_byte - body.end_byte > 1:
        spans.append((body.end_byte, node.end_byte))
    return tuple(spans)


def header(node: Node, source: bytes) -> str:
    """A definition without its body: `def f(x) -> int:`, `const f = (x) =>`, `typedef struct … T;`."""
    return header_text(node, source, header_spans(node))


def header_text(node: Node, source: bytes, spans: tuple[tuple[int, int], ...]) -> str:
    text = source[spans[0][0] : spans[0][1]].decode("utf-8", "replace").rstrip()
    if len(spans) > 1:
        text += " … " + source[spans[1][0] : spans[1][1]].decode("utf-8", "replace").strip()
    lines = [line.rstrip() for line in split_lines(text)[:MAX_HEADER_LINES]]
    return (HEADER_PREFIX.get(node.type, "") + "\n".join(lines))[:MAX_HEADER_CHARS]


def scope(root: Node, source: bytes, cursor: int, cursor_line: str, language: Language,
          known: Mapping[tuple[int, str], str] | None = None) -> tuple[str, ...]:
    """Headers of the definitions enclosing the cursor, outermost first. `known`: headers already read
    from this tree, by (start, node type) of their definition (`FileFacts.headers`)."""
    assert language.completion is not None
    scopes = language.completion.scopes
    probe = cursor
    column: int | None = None
    if language.indent_blocks:
        # A Python block ends at its last statement, so a cursor on a fresh indented line is outside
        # every node: look from the last code before it, and keep blocks indented less than the cursor.
        probe = _content_end(source, cursor)
        if probe == 0:
            return ()
        probe -= 1
        column = len(cursor_line) - len(cursor_line.lstrip(" \t"))
    headers: list[str] = []
    node: Node | None = root.descendant_for_byte_range(probe, probe)
    while node is not None:
        inside = node.start_point.column < column if column is not None else cursor < node.end_byte
        if node.type in scopes and node.start_byte < cursor and inside:
            body = _body(node)
            if body is None or body.start_byte < cursor:  # not while the header itself is being written
                found = known.get((node.start_byte, node.type)) if known is not None else None
                headers.append(found if found is not None else header(node, source))
        node = node.parent
    return tuple(reversed(headers))


def _content_end(source: bytes, end: int) -> int:
    """`len(source[:end].rstrip())`, reading back from `end` a piece at a time instead of copying
    everything before it."""
    high = end
    while high > 0:
        low = max(0, high - 256)
        kept = source[low:high].rstrip()
        if kept:
            return low + len(kept)
        high = low
    return 0
