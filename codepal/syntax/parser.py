"""Tree-sitter grammars and parsers for the languages the registry gives a grammar."""

from __future__ import annotations

import importlib
import threading
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


_THREAD_PARSERS = threading.local()


def thread_parser(language: str) -> Parser | None:
    """This thread's parser for `language`, made once and reused: a parser keeps no state from one
    parse to the next that changes the tree, and making one costs several µs a keystroke. Parsers are
    not thread-safe, so each thread has its own; a caller must not hold it across another call here."""
    parsers: dict[str, Parser] | None = getattr(_THREAD_PARSERS, "parsers", None)
    if parsers is None:
        parsers = _THREAD_PARSERS.parsers = {}
    found = parsers.get(language)
    if found is None:
        grammar = get_language(language)
        if grammar is None:
            return None
        found = parsers[language] = Parser(grammar)
    return found


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
