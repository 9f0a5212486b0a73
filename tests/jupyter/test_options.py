"""`c.Codepal` traitlets are derived from the one config model, and only what is set overrides it."""

from __future__ import annotations

import logging

import pytest
from traitlets import Bool, Enum, Float, Int, List, Unicode
from traitlets.config import Config

from codepal.config import describe_fields, load_config
from jupyter_ext.app import CodepalApp
from jupyter_ext.options import Codepal, overrides, resolve_config, trait_name


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
