"""Tree-sitter parsing from the per-language grammar wheels (never downloaded at run time)."""

from codepal.syntax.languages import LANGUAGE_IDS, get_language, get_parser, normalize_language, parse

__all__ = ["LANGUAGE_IDS", "get_language", "get_parser", "normalize_language", "parse"]
