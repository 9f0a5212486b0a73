"""Tree-sitter grammars and parsers for the languages the registry gives a grammar."""

from __future__ import annotations

import importlib
from functools import cache

from tree_sitter import Language, Parser, Tree

from codepal.languages import lookup


@cache
def get_language(language: str) -> Language | None:
    """The tree-sitter grammar for a language id or alias, or None when codepal has none for it."""
    found = lookup(language)
    if found is None or found.grammar is None:
        return None
    module = importlib.import_module(found.grammar.module)
    return Language(getattr(module, found.grammar.function)())


def get_parser(language: str) -> Parser | None:
    """A new parser (parsers are not thread-safe, so none is shared)."""
    grammar = get_language(language)
    return Parser(grammar) if grammar is not None else None


# A longer text is fed to the parser in chunks of this size, with a progress callback: each call back into
# Python lets other threads take the GIL, which parsing one bytes object holds to the end (a second on a few
# MB). A parse in a worker thread then leaves the event loop running. The callbacks cost about a tenth more.
CHUNK_BYTES = 16 * 1024


def parse(text: str, language: str) -> Tree | None:
    """Parse `text`; None when the language has no grammar."""
    parser = get_parser(language)
    if parser is None:
        return None
    source = text.encode("utf-8", "surrogatepass")
    if len(source) <= CHUNK_BYTES:
        return parser.parse(source)
    return parser.parse(lambda offset, _point: source[offset:offset + CHUNK_BYTES],
                        progress_callback=lambda _offset, _has_error: False)  # False: go on
