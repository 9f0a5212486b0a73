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


def parse(text: str, language: str) -> Tree | None:
    """Parse `text`; None when the language has no grammar."""
    parser = get_parser(language)
    if parser is None:
        return None
    return parser.parse(text.encode("utf-8", "surrogatepass"))
