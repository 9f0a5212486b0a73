"""Write the VS Code extension's settings schema from codepal's one config model.

`contributes.configuration` in vscode-client/package.json is generated, never edited by hand: one
`codepal.<section>.<name>` setting per field of `codepal.config`, with its default, its docstring as the
description and its constraints (enum, minimum, maximum) from the pydantic schema, plus the settings of
the extension alone (`codepal.pythonPath`, `codepal.trace.server`). The settings table in
vscode-client/README.md (between the `settings:start` and `settings:end` markers) is written too.

    .venv/bin/python scripts/vscode-settings.py          # rewrite package.json
    .venv/bin/python scripts/vscode-settings.py --check  # exit 1 if package.json is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from codepal.config import CodepalConfig, describe_fields  # noqa: E402

PACKAGE_JSON = REPO / "vscode-client" / "package.json"
README = REPO / "vscode-client" / "README.md"
TABLE_START, TABLE_END = "<!-- settings:start", "<!-- settings:end -->"
# Categories in the Settings UI, most used first.
SECTION_ORDER = ("completion", "assist", "engine")
SECTION_TITLES = {"completion": "Inline completions", "assist": "Explain and fix", "engine": "Model server"}
# The model server's settings are per machine (a remote window's server runs on the remote machine).
SECTION_SCOPES = {"completion": "window", "assist": "window", "engine": "machine-overridable"}

EXTENSION_SETTINGS: dict[str, dict[str, Any]] = {
    "codepal.pythonPath": {
        "type": "string",
        "default": "",
        "scope": "machine-overridable",
        "order": 0,
        "markdownDescription": (
            "Python interpreter that has codepal installed; the language server runs as "
            "`<pythonPath> -m codepal lsp`. Empty: the Python extension's interpreter if codepal is "
            "installed there, else `codepal` on `PATH`. `~` and `${workspaceFolder}` are expanded."
        ),
    },
    "codepal.trace.server": {
        "type": "string",
        "enum": ["off", "messages", "verbose"],
        "default": "off",
        "scope": "window",
        "order": 1,
        "markdownDescription": "Log the LSP messages between VS Code and codepal's language server "
        "to the codepal output channel.",
    },
}


def _json_type(prop: dict[str, Any]) -> dict[str, Any]:
    """The JSON-schema type part of a pydantic property (VS Code's schema understands these keys)."""
    schema: dict[str, Any] = {}
    variants = prop.get("anyOf", [prop])
    types = [v["type"] for v in variants if "type" in v]
    schema["type"] = types[0] if len(types) == 1 else types
    for variant in variants:
        if variant.get("type") == "array":
            schema["items"] = variant.get("items", {})
        for key in ("enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if key in variant:
                schema[key] = variant[key]
    for key in ("enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if key in prop:
            schema[key] = prop[key]
    return schema


def configuration() -> list[dict[str, Any]]:
    defs = CodepalConfig.model_json_schema()["$defs"]
    sections = {s: CodepalConfig.model_fields[s].annotation.__name__ for s in CodepalConfig.model_fields}  # type: ignore[union-attr]
    assert set(sections) == set(SECTION_ORDER), f"sections changed: {sorted(sections)}"
    blocks: list[dict[str, Any]] = [{"title": "codepal", "properties": EXTENSION_SETTINGS}]
    rows = describe_fields()
    for order, section in enumerate(SECTION_ORDER, start=1):
        properties: dict[str, Any] = {}
        props = defs[sections[section]]["properties"]
        for index, (key, _type, default, doc) in enumerate(r for r in rows if r[0].startswith(section + ".")):
            name = key.split(".", 1)[1]
            properties[f"codepal.{key}"] = {
                **_json_type(props[name]),
                "default": default,
                "scope": SECTION_SCOPES[section],
                "order": index,
                "markdownDescription": doc,
            }
        blocks.append({"title": SECTION_TITLES[section], "order": order, "properties": properties})
    return blocks


def _js_numbers(value: Any) -> Any:
    """Floats as JavaScript writes them (300.0 → 300), so npm rewriting package.json changes nothing."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _js_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_js_numbers(v) for v in value]
    return value


def render(package: dict[str, Any]) -> str:
    package.setdefault("contributes", {})["configuration"] = configuration()
    return json.dumps(_js_numbers(package), indent=2, ensure_ascii=False) + "\n"


def _cell(value: Any) -> str:
    return "`" + json.dumps(value, ensure_ascii=False) + "`"


def render_readme(readme: str, blocks: list[dict[str, Any]]) -> str:
    start = readme.index(TABLE_START)
    start = readme.index("\n", start) + 1
    end = readme.index(TABLE_END)
    rows = ["| setting | default | what it does |", "| --- | --- | --- |"]
    for block in blocks:
        for key, schema in block["properties"].items():
            doc = schema["markdownDescription"].replace("|", "\\|")
            rows.append(f"| `{key}` | {_cell(schema['default'])} | {doc} |")
    return readme[:start] + "\n".join(rows) + "\n" + readme[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if package.json is out of date")
    args = parser.parse_args()
    current = PACKAGE_JSON.read_text(encoding="utf-8")
    wanted = render(json.loads(current))
    readme = README.read_text(encoding="utf-8")
    wanted_readme = render_readme(readme, json.loads(wanted)["contributes"]["configuration"])
    stale = [path for path, old, new in ((PACKAGE_JSON, current, wanted), (README, readme, wanted_readme))
             if old != new]
    if args.check:
        for path in stale:
            print(f"{path} is out of date: run .venv/bin/python scripts/vscode-settings.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in ((PACKAGE_JSON, wanted), (README, wanted_readme)):
        if path in stale:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
