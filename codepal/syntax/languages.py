"""Map editor language ids to tree-sitter grammars shipped as wheels."""

from __future__ import annotations

import importlib
from functools import cache

from tree_sitter import Language, Parser, Tree

# language id -> (module, function returning the grammar pointer)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "javascriptreact": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "typescriptreact": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}

_ALIASES = {
    "py": "python", "python3": "python", "js": "javascript", "jsx": "javascriptreact",
    "ts": "typescript", "tsx": "typescriptreact", "golang": "go", "rs": "rust",
    "c++": "cpp", "cc": "cpp", "cxx": "cpp", "h": "c", "hpp": "cpp", "ipython": "python",
}

LANGUAGE_IDS = tuple(_GRAMMARS)

_EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".jsx": "javascriptreact", ".ts": "typescript", ".tsx": "typescriptreact", ".go": "go",
    ".rs": "rust", ".java": "java", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp",
}


def normalize_language(language: str) -> str:
    """A canonical language id (`Python` → `python`, `ts` → `typescript`); unknown ids pass through."""
    lowered = language.strip().lower()
    return _ALIASES.get(lowered, lowered)


def language_for_path(path: str) -> str:
    """Guess the language id from a file name; `plaintext` when unknown."""
    dot = path.rfind(".")
    return _EXTENSIONS.get(path[dot:].lower(), "plaintext") if dot >= 0 else "plaintext"


@cache
def get_language(language: str) -> Language | None:
    """The tree-sitter grammar for a language id, or None when codepal has none for it."""
    entry = _GRAMMARS.get(normalize_language(language))
    if entry is None:
        return None
    module = importlib.import_module(entry[0])
    return Language(getattr(module, entry[1])())


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
