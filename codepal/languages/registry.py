"""The registry: every language codepal knows, looked up by id, alias or file extension.

Adding a language is one entry in a `table_*.py` file and its golden case in
`tests/unit/languages/golden/`.
"""

from __future__ import annotations

from codepal.languages import table_plain, table_scripting, table_systems
from codepal.languages.model import Language

LANGUAGES: tuple[Language, ...] = table_scripting.ENTRIES + table_systems.ENTRIES + table_plain.ENTRIES


def _index() -> tuple[dict[str, Language], dict[str, Language]]:
    by_name: dict[str, Language] = {}
    by_extension: dict[str, Language] = {}
    for language in LANGUAGES:
        for name in (language.id, *language.aliases):
            if name in by_name:
                raise ValueError(f"language name {name!r} is registered twice")
            by_name[name] = language
        for extension in language.extensions:
            if extension in by_extension:
                raise ValueError(f"file extension {extension!r} is registered twice")
            by_extension[extension] = language
    return by_name, by_extension


_BY_NAME, _BY_EXTENSION = _index()


def lookup(language: str) -> Language | None:
    """The entry for an id or alias in any case (`Python`, `ts`, `c++`); None for a language codepal
    does not know."""
    return _BY_NAME.get(language.strip().lower())


def normalize_language(language: str) -> str:
    """A canonical language id (`Python` → `python`, `ts` → `typescript`); unknown ids pass through,
    lower-cased."""
    lowered = language.strip().lower()
    found = _BY_NAME.get(lowered)
    return found.id if found is not None else lowered


def family_of(language: str) -> str:
    """The id whose structure rules a language follows (`typescriptreact` → `typescript`)."""
    found = lookup(language)
    return found.family if found is not None else normalize_language(language)


def language_for_path(path: str) -> str:
    """Guess the language id from a file name; `plaintext` when unknown."""
    dot = path.rfind(".")
    found = _BY_EXTENSION.get(path[dot:].lower()) if dot >= 0 else None
    return found.id if found is not None else "plaintext"


def line_comment(language: str) -> str | None:
    """How a line comment starts in the language; None when it has none or codepal does not know it."""
    found = lookup(language)
    return found.comments.line if found is not None else None
