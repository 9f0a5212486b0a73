"""`c.Codepal` traitlets are derived from the one config model, and only what is set overrides it."""

from __future__ import annotations

import logging
from typing import Any, Literal, get_args

import pytest
from traitlets import Bool, Enum, Float, Int, List, TraitError, Unicode
from traitlets.config import Config

from codepal.config import describe_fields, load_config, setting_fields
from codepal_jupyter.app import CodepalApp
from codepal_jupyter.options import Codepal, overrides, resolve_config, trait_for, trait_name

# What each annotation of the config model must become, written out here rather than derived.
EXPECTED: dict[Any, type] = {bool: Bool, int: Int, float: Float, str: Unicode, str | None: Unicode, list[str]: List}
# A value of the wrong type for each trait class (an Enum takes only its members; a list only strings).
WRONG = {Bool: "yes", Int: "12", Float: "0.5", Unicode: 12, List: [12], Enum: "no-such-member"}


def test_every_setting_has_a_trait_with_its_docstring() -> None:
    traits = Codepal.class_own_traits(config=True)
    keys = [key for key, *_ in describe_fields()]
    assert sorted(traits) == sorted(trait_name(k) for k in keys)
    for key, _type, _default, doc in describe_fields():
        trait = traits[trait_name(key)]
        assert trait.default_value is None and trait.help.startswith(doc)
    assert isinstance(traits["engine_autostart"], Bool)
    assert isinstance(traits["engine_max_model_len"], Int)
    assert isinstance(traits["assist_temperature"], Float)
    assert isinstance(traits["engine_url"], Unicode)
    assert isinstance(traits["engine_extra_args"], List)
    assert isinstance(traits["engine_dtype"], Enum) and "bfloat16" in traits["engine_dtype"].values


@pytest.mark.parametrize(("key", "field"), setting_fields(), ids=[key for key, _ in setting_fields()])
def test_every_setting_has_a_trait_of_its_type_that_takes_its_default(key: str, field: Any) -> None:
    trait = Codepal.class_own_traits(config=True)[trait_name(key)]
    annotation = field.annotation
    if getattr(annotation, "__origin__", None) is Literal:
        assert isinstance(trait, Enum) and list(trait.values) == list(get_args(annotation))
    else:
        assert type(trait) is EXPECTED[annotation], f"{key}: {annotation!r} became {type(trait).__name__}"
    default = field.get_default(call_default_factory=True)
    assert trait.default_value is None and f"codepal default: {default!r}" in trait.help
    section, name = key.split(".")
    if default is not None:  # None means "not set": it would not override anything
        options = Codepal(config=Config({"Codepal": {trait_name(key): default}}))
        assert overrides(options) == {key: default}
        assert getattr(getattr(resolve_config(options, logging.getLogger("test")), section), name) == default
    with pytest.raises(TraitError):
        setattr(Codepal(), trait_name(key), WRONG[type(trait)])


def test_a_type_without_a_trait_is_an_error_not_a_string() -> None:
    for annotation in (dict[str, int], int | str, list[dict[str, int]], bytes):
        with pytest.raises(TypeError, match="no traitlet"):
            trait_for(annotation)


def test_the_server_extension_lists_the_options() -> None:
    assert Codepal in CodepalApp.classes


def test_only_what_is_set_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODEPAL_COMPLETION__DEBOUNCE_MS", "75")
    config = Config({"Codepal": {"engine_url": "http://127.0.0.1:8000", "completion_enabled": False}})
    options = Codepal(config=config)
    assert overrides(options) == {"engine.url": "http://127.0.0.1:8000", "completion.enabled": False}
    resolved = resolve_config(options, logging.getLogger("test"))
    assert resolved.engine.url == "http://127.0.0.1:8000" and resolved.completion.enabled is False
    assert resolved.completion.debounce_ms == 75  # the environment still applies underneath


def test_an_invalid_setting_is_reported_once_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    options = Codepal(config=Config({"Codepal": {"engine_max_model_len": 12, "engine_url": "http://x:1"}}))
    resolved = resolve_config(options, logging.getLogger("test"))
    assert resolved == load_config()
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "engine.max_model_len" in record.getMessage() and "c.Codepal" in record.getMessage()
