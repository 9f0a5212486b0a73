"""Parse trees kept per document and updated incrementally.

Completion requests carry the whole text, not the edit, so the edit is recovered as the common prefix
and suffix of the previous and the new source; tree-sitter then reparses only the changed region (a
keystroke in a 2,000-line file costs well under a millisecond instead of a full parse).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from tree_sitter import Point, Tree

from codepal.syntax import get_language, thread_parser
from codepal.text.common import common_prefix, common_suffix


def _point(source: bytes, offset: int, row: int | None = None) -> Point:
    """Tree-sitter's (row, byte column); it counts rows by `\\n` only. `row`, when the caller knows it."""
    if row is None:
        row = source.count(b"\n", 0, offset)
    return Point(row, offset - (source.rfind(b"\n", 0, offset) + 1))


@dataclass(frozen=True)
class Changes:
    """One edit (`old[start:old_end]` became `new[start:new_end]`, byte offsets) and the byte ranges
    of the new tree whose structure differs from the old tree's (tree-sitter's changed ranges)."""

    start: int
    old_end: int
    new_end: int
    ranges: tuple[tuple[int, int], ...]

    def moved(self, offset: int) -> int | None:
        """Where a byte offset of the old text is in the new one; None inside the replaced part."""
        if offset < self.start:
            return offset
        if offset >= self.old_end:
            return offset + self.new_end - self.old_end
        return None


UNCHANGED = Changes(0, 0, 0, ())  # the source is the one the cached tree was parsed from


class TreeCache:
    """The last tree of up to `size` documents, by key (a URI). Safe to call from several threads: an
    entry is taken out while it is being updated, so a concurrent caller just parses from scratch."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[str, str], tuple[bytes, Tree]] = OrderedDict()
        self._lock = threading.Lock()

    def parse(self, key: str, language: str, source: bytes) -> Tree | None:
        found = self.parse_with_changes(key, language, source)
        return None if found is None else found[0]

    def parse_with_changes(self, key: str, language: str, source: bytes) -> tuple[Tree, Changes | None] | None:
        """The tree of `source`, and how it differs from the previous tree of `key` (None after a parse
        from scratch): callers that index the tree update their index from it instead of re-reading."""
        grammar = get_language(language)
        if grammar is None:
            return None
        with self._lock:
            entry = self._entries.pop((key, language), None)
        changes: Changes | None = None
        if entry is not None and entry[0] == source:
            tree = entry[1]
            changes = UNCHANGED
        elif entry is not None:
            old, tree = entry
            start = common_prefix(old, source)
            same_tail = common_suffix(old, source, min(len(old), len(source)) - start)
            old_end, new_end = len(old) - same_tail, len(source) - same_tail
            # Rows are counted once up to the edit, then only across the replaced and the new part.
            row = source.count(b"\n", 0, start)
            tree.edit(
                start_byte=start,
                old_end_byte=old_end,
                new_end_byte=new_end,
                start_point=_point(source, start, row),
                old_end_point=_point(old, old_end, row + old.count(b"\n", start, old_end)),
                new_end_point=_point(source, new_end, row + source.count(b"\n", start, new_end)),
            )
            parser = thread_parser(language)
            assert parser is not None
            new_tree = parser.parse(source, tree)
            ranges = tuple((r.start_byte, r.end_byte) for r in tree.changed_ranges(new_tree))
            changes = Changes(start, old_end, new_end, ranges)
            tree = new_tree
        else:
            parser = thread_parser(language)
            assert parser is not None
            tree = parser.parse(source)
        if key:
            with self._lock:
                self._entries[(key, language)] = (source, tree)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
        return tree, changes
