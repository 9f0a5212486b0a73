"""The language registry: every entry complete (or saying why not), every name and extension leading
back to it, and a golden case per language read through its node types by the modules that use them."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from golden_reader import GOLDEN, expectations, observe

from codepal.complete.postprocess.lexer import style_for
from codepal.languages import (
    LANGUAGES,
    Language,
    family_of,
    language_for_path,
    line_comment,
    lookup,
    normalize_language,
)
from codepal.syntax import get_language

IDS = [language.id for language in LANGUAGES]
_NOT_DATA = {"absent", "family"}  # the reasons themselves; `family` defaults to the id


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, tuple, frozenset, dict)) and not value)


def _leaves(language: Language) -> dict[str, Any]:
    """Every field, and every field of the nested dataclasses present, by dotted name."""
    found: dict[str, Any] = {}
    for top in dataclasses.fields(language):
        if top.name in _NOT_DATA:
            continue
        value = getattr(language, top.name)
        found[top.name] = value
        if dataclasses.is_dataclass(value):
            for inner in dataclasses.fields(value):
                found[f"{top.name}.{inner.name}"] = getattr(value, inner.name)
    return found


@pytest.mark.parametrize("language", LANGUAGES, ids=IDS)
def test_every_field_is_filled_or_says_why_not(language: Language) -> None:
    leaves = _leaves(language)
    # `strings.raw` and friends are options (a language without raw strings has an empty set): only
    # the fields a language must describe are held to a reason.
    optional = {"strings.raw", "strings.dollar_interpolation"}
    missing = [name for name, value in leaves.items() if _empty(value) and name not in optional]
    unexplained = [name for name in missing if not language.absent.get(name, "").strip()]
    assert not unexplained, f"{language.id}: empty without a reason: {unexplained}"
    stale = [name for name in language.absent if name not in missing]
    assert not stale, f"{language.id}: a reason for a field that is filled (or does not exist): {stale}"


@pytest.mark.parametrize("language", LANGUAGES, ids=IDS)
def test_names_and_extensions_lead_back_to_the_entry(language: Language) -> None:
    for name in (language.id, *language.aliases):
        assert lookup(name.upper()) is language
        assert normalize_language(f" {name.title()} ") == language.id
    for extension in language.extensions:
        assert extension == extension.lower() and extension.startswith(".")
        assert language_for_path(f"src/Main{extension.upper()}") == language.id
    assert lookup(language.family) is not None
    assert family_of(language.id) == language.family
    assert line_comment(language.id) == language.comments.line


@pytest.mark.parametrize("language", LANGUAGES, ids=IDS)
def test_what_the_modules_need_fits_together(language: Language) -> None:
    # Node types and queries mean nothing without a grammar to read them.
    if language.grammar is None:
        assert language.completion is None and language.structure is None and language.functions is None
    else:
        assert get_language(language.id) is not None
    # The completion scanner knows `/* */` block comments only, and needs a line comment.
    if language.strings is not None:
        assert language.comments.line is not None
        assert language.comments.block in (None, ("/*", "*/"))
        assert list(language.strings.quotes) == sorted(language.strings.quotes, key=len, reverse=True)
        assert language.strings.multiline | language.strings.raw <= set(language.strings.quotes)
    # A language that follows another's structure rules has the same node types.
    family = lookup(language.family)
    assert family is not None and family.structure == language.structure and family.functions == language.functions


def test_every_language_has_a_golden_case() -> None:
    expected = expectations()
    assert sorted(expected) == sorted(IDS)
    for language in LANGUAGES:
        path = GOLDEN / expected[language.id]["file"]
        assert path.is_file()
        if language.extensions:
            assert language_for_path(path.name) == language.id


@pytest.mark.parametrize("language", IDS)
def test_golden_case(language: str) -> None:
    expected = {key: value for key, value in expectations()[language].items() if key != "file"}
    seen = observe(language)
    assert seen.pop("parses_cleanly", True), "the golden file has syntax errors"
    assert seen.pop("scanner_agrees", True), "the completion scanner misses a comment the grammar finds"
    assert seen == expected


def test_an_unknown_language_passes_through() -> None:
    assert lookup("cobol") is None
    assert normalize_language(" COBOL ") == "cobol"
    assert family_of("cobol") == "cobol"
    assert line_comment("cobol") is None
    assert language_for_path("notes.txt") == language_for_path("Makefile") == "plaintext"
    assert get_language("cobol") is None
    # The completion scanner reads what it does not know (and languages without string rules) as JavaScript.
    assert style_for("cobol") == style_for("ruby") == style_for("javascript")
