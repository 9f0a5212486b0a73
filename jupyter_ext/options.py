"""`c.Codepal.<section>_<name>` traitlets, generated from codepal's one config model.

Every trait defaults to None ("not set"), so only what the Jupyter config sets overrides the user's
config file and CODEPAL_* variables; the pydantic model validates the result, as on every surface.
"""

from __future__ import annotations

import logging
import types
from typing import Any, Literal, Union, get_args, get_origin

from traitlets import Bool, Enum, Float, Int, List, TraitType, Unicode
from traitlets.config import Configurable

from codepal.config import CodepalConfig, describe_fields, load_config, setting_fields
from codepal.errors import ConfigError

SOURCE = "Jupyter config (c.Codepal)"
# The config model's scalar types → their traits. A type not here is an error at import, never a string trait.
SCALARS: dict[Any, type[TraitType[Any, Any]]] = {bool: Bool, int: Int, float: Float, str: Unicode}


def trait_name(key: str) -> str:
    """`engine.url` → `engine_url`."""
    return key.replace(".", "_")


def trait_for(annotation: Any) -> TraitType[Any, Any]:
    """The trait for a config field's type; None is always allowed (it means "not set here")."""
    base = _without_none(annotation)
    if base in SCALARS:
        return SCALARS[base](None, allow_none=True)
    if get_origin(base) is Literal:
        return Enum(list(get_args(base)), None, allow_none=True)
    if get_origin(base) is list and len(get_args(base)) == 1 and get_args(base)[0] in SCALARS:
        return List(SCALARS[get_args(base)[0]](), None, allow_none=True)
    raise TypeError(f"no traitlet for the config type {annotation!r}: map it in jupyter_ext/options.py")


def _without_none(annotation: Any) -> Any:
    """`int | None` → `int`; other unions are not config types."""
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"no traitlet for the config type {annotation!r}: a union of several types")
        return rest[0]
    return annotation


def _make_class() -> type[Configurable]:
    traits: dict[str, Any] = {"__doc__": "codepal settings; see the README's configuration table."}
    annotations = {key: field.annotation for key, field in setting_fields()}
    for key, _type_name, default, doc in describe_fields():
        trait = trait_for(annotations[key])
        trait.help = f"{doc} (codepal default: {default!r}; unset: the config file, CODEPAL_* or the default)"
        traits[trait_name(key)] = trait.tag(config=True)
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
