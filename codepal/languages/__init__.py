"""One registry of everything codepal knows about each language: ids and aliases, file extensions,
grammar, comment syntax, string delimiters, and definition, scope and import node types."""

from codepal.languages.model import (
    Comments,
    CompletionNodes,
    FunctionNodes,
    Grammar,
    Language,
    Strings,
    StructureNodes,
)
from codepal.languages.registry import (
    LANGUAGES,
    family_of,
    language_for_path,
    line_comment,
    lookup,
    normalize_language,
)

__all__ = [
    "LANGUAGES",
    "Comments",
    "CompletionNodes",
    "FunctionNodes",
    "Grammar",
    "Language",
    "Strings",
    "StructureNodes",
    "family_of",
    "language_for_path",
    "line_comment",
    "lookup",
    "normalize_language",
]
