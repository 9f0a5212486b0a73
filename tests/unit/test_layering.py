"""codepal/ is the product and knows nothing of its adapters' frameworks.

Imports by string count too: `importlib.import_module("codepal_lsp.server")`, `__import__(...)` and dotted module
paths kept in tables (a command table's "codepal_lsp.cli") would hide a dependency from the import statements.
pyproject's entry points are the one sanctioned way for an adapter to plug into the core, and each group
may only point into the layers listed here.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

# The adapters by their installed names (codepal_lsp, codepal_jupyter) and their folder names, in case a
# source-tree run makes those importable.
FORBIDDEN = {"pygls", "lsprotocol", "tornado", "jupyter_server", "codepal_lsp", "codepal_jupyter", "lsp", "jupyter_ext"}
ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "codepal"
# The callables that import a module named by their first argument.
IMPORTERS = {"import_module", "__import__", "find_spec"}
# A string naming a module inside a forbidden package, optionally with `:attribute` (entry-point style).
DOTTED = re.compile(r"^(?P<top>[A-Za-z_]\w*)(\.[A-Za-z_]\w*)+(:[\w.]+)?$")
# Entry-point group → the top-level packages its targets may live in.
ENTRY_POINT_LAYERS = {
    "scripts": {"codepal"},  # the `codepal` command is the core's CLI
    "codepal.commands": {"codepal_lsp", "codepal_jupyter"},  # adapters adding `codepal` subcommands
}


def forbidden_references(source: str) -> list[str]:
    """The forbidden modules `source` imports by statement, by an importer call or names as a dotted path."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Call) and _called_name(node.func) in IMPORTERS and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names = [first.value]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and (match := DOTTED.match(node.value)):
            names = [node.value] if match["top"] in FORBIDDEN else []
        found += [n for n in names if n.split(".")[0].split(":")[0] in FORBIDDEN]
    return found


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def entry_points() -> list[tuple[str, str, str]]:
    """(group, name, target) for every script and entry point pyproject.toml declares."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    rows = [("scripts", name, target) for name, target in project.get("scripts", {}).items()]
    rows += [("gui-scripts", name, target) for name, target in project.get("gui-scripts", {}).items()]
    for group, points in project.get("entry-points", {}).items():
        rows += [(group, name, target) for name, target in points.items()]
    return rows


def test_core_imports_no_protocol_or_server_framework() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        offenders += [f"{path.relative_to(ROOT)}: {name}"
                      for name in forbidden_references(path.read_text(encoding="utf-8"))]
    assert not offenders


@pytest.mark.parametrize("source", [
    "import lsp.server",
    "import codepal_lsp.server",
    "from codepal_jupyter import handlers",
    "from jupyter_ext.app import CodepalApp",
    "import importlib\nimportlib.import_module('lsp.server').run_stdio()",
    "from importlib import import_module\nimport_module('jupyter_ext')",
    "__import__('pygls.server')",
    "import importlib.util\nimportlib.util.find_spec('lsprotocol')",
    "COMMANDS = {'lsp': ('lsp.cli', 'run the language server')}",
    "TARGET = 'jupyter_ext.app:CodepalApp'",
    "COMMANDS = {'lsp': ('codepal_lsp.cli', 'run the language server')}",
])
def test_the_check_sees_every_kind_of_import(source: str) -> None:
    assert forbidden_references(source)


@pytest.mark.parametrize("source", [
    "import importlib\nimportlib.import_module('codepal.cli.serve')",
    "LANGUAGE = 'lsp'",  # a word, not a module path
    "EXPLAIN = 'codepal.explain'",
    "name = 'tree_sitter_python'",
])
def test_the_check_lets_the_core_name_itself_and_plain_words(source: str) -> None:
    assert not forbidden_references(source)


def test_entry_points_only_plug_adapters_into_the_core() -> None:
    rows = entry_points()
    assert ("codepal.commands", "lsp", "codepal_lsp.cli") in rows
    for group, name, target in rows:
        module = target.split(":")[0]
        assert group in ENTRY_POINT_LAYERS, f"{group}: an entry-point group this test has no layer rule for"
        assert module.split(".")[0] in ENTRY_POINT_LAYERS[group], f"{group}.{name} = {target}"
        assert importlib.util.find_spec(module) is not None, f"{group}.{name}: no module {module}"


def test_adapter_commands_have_what_the_cli_calls() -> None:
    for group, _name, target in entry_points():
        if group == "codepal.commands":
            module = importlib.import_module(target)
            assert callable(module.add_arguments) and callable(module.run) and module.HELP
