"""Whether tree-sitter's incremental parse still equals a fresh one, for tests that compare a cached
(warm) path with a fresh (cold) one: on text with syntax errors its error recovery may legitimately
differ after some edits, and from then on the warm path reads a different, equally valid tree."""

from __future__ import annotations

from codepal.text.tree_cache import TreeCache


def incremental_tree_is_fresh(trees: TreeCache, text: str) -> bool:
    """Parse `text` incrementally in `trees` (the document's running cache) and afresh; True when the
    two trees are the same."""
    assert trees.parse_with_changes("k", "python", text.encode("utf-8", "surrogatepass")) is not None
    return cached_tree_is_fresh(trees, "k")


def cached_tree_is_fresh(cache: TreeCache, key: str, language: str = "python") -> bool:
    """True when the tree `cache` holds for `key` (the one a warm path read: for a long file, only the
    part around the cursor) equals a fresh parse of its source; True when it holds none. The part's own
    incremental tree can differ from a fresh one while the whole file's does not."""
    entry = cache._entries.get((key, language))
    if entry is None:
        return True
    source, tree = entry
    fresh = TreeCache().parse_with_changes(key, language, source)
    assert fresh is not None
    return str(tree.root_node) == str(fresh[0].root_node)
