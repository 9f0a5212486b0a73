"""The VS Code extension's settings match codepal's one config model (keys, defaults, descriptions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codepal.config import CodepalConfig, describe_fields

REPO = Path(__file__).resolve().parents[2]
PACKAGE_JSON = REPO / "vscode-client" / "package.json"
EXTENSION_ONLY = {"codepal.pythonPath", "codepal.trace.server"}


def _settings() -> dict[str, dict[str, Any]]:
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    blocks = package["contributes"]["configuration"]
    merged: dict[str, dict[str, Any]] = {}
    for block in blocks if isinstance(blocks, list) else [blocks]:
        for key, schema in block["properties"].items():
            assert key not in merged, f"{key} is contributed twice"
            merged[key] = schema
    return merged


def test_every_config_field_is_a_setting_and_nothing_else() -> None:
    settings = _settings()
    wanted = {f"codepal.{key}" for key, *_ in describe_fields()}
    assert set(settings) - EXTENSION_ONLY == wanted


@pytest.mark.parametrize("row", describe_fields(), ids=lambda row: row[0])
def test_setting_default_and_description_match(row: tuple[str, str, Any, str]) -> None:
    key, _type, default, doc = row
    schema = _settings()[f"codepal.{key}"]
    assert schema["default"] == default
    # JSON has one number type: a float default may read back as an int (600.0 is written 600).
    assert type(schema["default"]) is type(default) or (type(default) is float and type(schema["default"]) is int)
    assert schema["markdownDescription"] == doc


@pytest.mark.parametrize("row", describe_fields(), ids=lambda row: row[0])
def test_setting_type_accepts_its_default(row: tuple[str, str, Any, str]) -> None:
    key, _type, default, _doc = row
    schema = _settings()[f"codepal.{key}"]
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    names = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string",
             list: "array"}
    assert names[type(default)] in types or (names[type(default)] == "integer" and "number" in types)
    if "enum" in schema:
        assert default in schema["enum"]


def test_settings_validate_as_the_server_would() -> None:
    """Every default, sent back as initializationOptions, is accepted by the config model."""
    options: dict[str, dict[str, Any]] = {}
    for key, schema in _settings().items():
        if key in EXTENSION_ONLY:
            continue
        _, section, name = key.split(".")
        options.setdefault(section, {})[name] = schema["default"]
    assert CodepalConfig().merged(options, "test") == CodepalConfig()


def test_generator_is_in_step() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "vscode-settings.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_engines_accepts_vscode_1_100() -> None:
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    assert package["engines"]["vscode"] == "^1.100.0"
