"""A document's imports and definitions, kept per document and carried across edits.

Querying the whole tree for them on every keystroke cost more than the rest of the context together on
a 2,000-line file. The index is read once; after an edit its offsets are moved, and it is read again
only when the edit touched an import or a definition's header, or when tree-sitter's changed ranges
hold a different set of them than the index (a definition typed, deleted or swallowed by an error).
The result is what a fresh read of the new tree gives; only the time differs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from tree_sitter import Node, QueryCursor

from codepal.complete.context_index import (
    completion_nodes,
    definition_captures,
    header_spans,
    header_text,
    imports_with_spans,
    queries,
)
from codepal.text.tree_cache import UNCHANGED, Changes


@dataclass(frozen=True)
class Definition:
    name: str
    start: int  # byte offset of the definition node
    kind: str  # its node type
    name_start: int  # of the captured name (or C declarator)
    spans: tuple[tuple[int, int], ...]  # what its header is read from (`header_spans`)
    header: str

    def moved(self, changes: Changes) -> Definition | None:
        """The same definition after an edit outside its header; None when the edit touched it."""
        if self.spans[-1][1] < changes.start:  # the spans are in order: all of them end before the edit
            return self
        if any(start <= changes.old_end and changes.start <= end for start, end in self.spans):
            return None

        def move(offset: int) -> int:
            return offset if offset < changes.start else offset + changes.new_end - changes.old_end

        return Definition(self.name, move(self.start), self.kind, move(self.name_start),
                          tuple((move(start), move(end)) for start, end in self.spans), self.header)


@dataclass(frozen=True)
class Import:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class FileFacts:
    imports: tuple[Import, ...]
    definitions: tuple[Definition, ...]  # document order

    @cached_property
    def import_texts(self) -> tuple[str, ...]:  # asked at every request; the facts live across requests
        return tuple(item.text for item in self.imports)

    @cached_property
    def headers(self) -> dict[tuple[int, str], str]:
        """Header by (start, node type) of the definition: what `context_index.header` reads from that
        node of the tree these facts describe (the enclosing scope's headers are looked up here)."""
        return {(definition.start, definition.kind): definition.header for definition in self.definitions}


def read(root: Node, source: bytes, language: str) -> FileFacts:
    found = []
    for name, captured, node in definition_captures(root, source, language):
        spans = header_spans(node)
        found.append(Definition(name, node.start_byte, node.type, captured.start_byte, spans,
                                header_text(node, source, spans)))
    found_imports = tuple(Import(*item) for item in imports_with_spans(root, source, language))
    return FileFacts(found_imports, tuple(found))


def _moved(facts: FileFacts, changes: Changes) -> FileFacts | None:
    delta = changes.new_end - changes.old_end
    found_imports = []
    for item in facts.imports:
        if item.end < changes.start:
            found_imports.append(item)
        elif item.start > changes.old_end:
            found_imports.append(Import(item.start + delta, item.end + delta, item.text))
        else:
            return None  # the edit is in (or touches) an import
    found_definitions = []
    for definition in facts.definitions:
        moved = definition.moved(changes)
        if moved is None:
            return None
        found_definitions.append(moved)
    return FileFacts(tuple(found_imports), tuple(found_definitions))


def _touches(spans: tuple[tuple[int, int], ...], ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(a <= end and start <= b for start, end in spans for a, b in ranges)


def _checked(facts: FileFacts, root: Node, source: bytes, language: str,
             ranges: tuple[tuple[int, int], ...]) -> FileFacts | None:
    """`facts` if the changed ranges hold the same definitions (by name position) and imports as the
    index, with the headers the ranges touch read again; None when the file must be read again."""
    if not ranges:  # nothing in the tree changed its structure (typing inside a line, most often)
        return facts
    table = completion_nodes(language)
    found_queries = queries(language)
    for start, end in ranges:
        names = QueryCursor(found_queries[0])
        names.set_max_start_depth(table.definition_depth)
        names.set_byte_range(start, end)
        captured = names.captures(root)
        seen = {n.start_byte for key in ("name", "decl") for n in captured.get(key, []) if start <= n.start_byte < end}
        if seen != {d.name_start for d in facts.definitions if start <= d.name_start < end}:
            return None
        found = QueryCursor(found_queries[1])
        found.set_max_start_depth(table.import_depth)
        found.set_byte_range(start, end)
        seen = {n.start_byte for n in found.captures(root).get("import", []) if start <= n.start_byte < end}
        if seen != {i.start for i in facts.imports if start <= i.start < end}:
            return None
    if any(_touches(((i.start, i.end),), ranges) for i in facts.imports):
        return None
    refreshed = []
    for definition in facts.definitions:
        if _touches(definition.spans, ranges):  # error recovery may have moved where its body starts
            node = _node_of(root, definition)
            if node is None:
                return None
            spans = header_spans(node)
            definition = Definition(definition.name, definition.start, definition.kind, definition.name_start,
                                    spans, header_text(node, source, spans))
        refreshed.append(definition)
    return FileFacts(facts.imports, tuple(refreshed))


def _node_of(root: Node, definition: Definition) -> Node | None:
    """The definition's node in the new tree: the ancestor of its name of its type and start."""
    node: Node | None = root.descendant_for_byte_range(definition.name_start, definition.name_start)
    while node is not None and node.start_byte >= definition.start:
        if node.start_byte == definition.start and node.type == definition.kind:
            return node
        node = node.parent
    return None


class FactsCache:
    """The last facts of up to `size` documents, by key (a URI), updated from the tree cache's changes."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], FileFacts] = OrderedDict()
        self._lock = threading.Lock()

    def facts(self, key: str, language: str, root: Node, source: bytes, changes: Changes | None) -> FileFacts:
        with self._lock:
            known = self._entries.pop((key, language), None)
        facts = None
        if known is not None and changes is not None and changes == UNCHANGED:
            facts = known  # the tree it was read from (a cursor move with no edit: the same source)
        elif known is not None and changes is not None:
            facts = _moved(known, changes)
            if facts is not None:
                facts = _checked(facts, root, source, language, changes.ranges)
        if facts is None:
            facts = read(root, source, language)
        if key:
            with self._lock:
                self._entries[(key, language)] = facts
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return facts
