"""Tree-sitter parsing from the per-language grammar wheels (never downloaded at run time)."""

from codepal.syntax.parser import get_language, get_parser, parse, thread_parser

__all__ = ["get_language", "get_parser", "parse", "thread_parser"]
