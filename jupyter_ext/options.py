"""`c.Codepal.<section>_<name>` traitlets, generated from codepal's one config model.

Every trait defaults to None ("not set"), so only what the Jupyter config sets overrides the user's
config file and CODEPAL_* variables; the pydantic model validates the result, as on every surface.
"""

from __future__ import annotations

import ast
import logging
from typing import Any

from traitlets import Bool, Enum, Float, Int, List, TraitType, Unicode
from traitlets.config import Configurable

from codepal.config import CodepalConfig, describe_fields, load_config
from codepal.errors import ConfigError

SOURCE = "Jupyter config (c.Codepal)"


def trait_name(key: str) -> str:
    """`engine.url` → `engine_url`."""
    return key.replace(".", "_")


def _trait(type_name: str, default: Any, doc: str) -> TraitType[Any, Any]:
    base = type_name.replace(" | None", "")
    trait: TraitType[Any, Any]
    if base == "bool":
        trait = Bool(None, allow_none=True)
    elif base == "int":
        trait = Int(None, allow_none=True)
    elif base == "float":
        trait = Float(None, allow_none=True)
    elif base.startswith("Literal["):
        trait = Enum(list(ast.literal_eval(base[len("Literal"):])), None, allow_none=True)
    elif base.startswith("list["):
        trait = List(Unicode(), None, allow_none=True)
    else:
        trait = Unicode(None, allow_none=True)
    trait.help = f"{doc} (codepal default: {default!r}; unset: the config file, CODEPAL_* or the default)"
    return trait.tag(config=True)


def _make_class() -> type[Configurable]:
    traits: dict[str, Any] = {"__doc__": "codepal settings; see the README's configuration table."}
    for key, type_name, default, doc in describe_fields():
        traits[trait_name(key)] = _trait(type_name, default, doc)
    return type("Codepal", (Configurable,), traits)


Codepal = _make_class()


def overrides(options: Configurable) -> dict[str, Any]:
    """The dotted settings the Jupyter config set explicitly."""
    values = {}
    for key, *_ in describe_fields():
        value = getattr(options, trait_name(key))
        if value is not None:
            values[key] = value
    return values


def resolve_config(options: Configurable, log: logging.Logger) -> CodepalConfig:
    """The effective config; an invalid setting is reported once and ignored (defaults, never a crash)."""
    try:
        return load_config(overrides=overrides(options), overrides_source=SOURCE)
    except ConfigError as exc:
        log.error("codepal: %s; ignoring the Jupyter settings", exc)
    try:
        return load_config()
    except ConfigError as exc:
        log.error("codepal: %s; using the defaults", exc)
        return CodepalConfig()
