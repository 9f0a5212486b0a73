"""The product packages never read tests/, and `codepal bench` is an optional layer loaded only when it runs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("codepal", "lsp", "jupyter_ext")


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes: prose may name tests/, code may not."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _reaches_into_tests(text: str, bare_counts: bool) -> bool:
    """A module name or a path into the tests folder: `tests.x`, `tests/x`, `…/tests/…`, and a bare
    `tests` where it is a path part or an argument (`root / "tests"`, `import_module("tests")`), not where it
    is a word in a table (a folder name to skip while walking someone else's code)."""
    value = text.strip().replace("\\", "/")
    if value == "tests":
        return bare_counts
    return value.startswith(("tests.", "tests/", "./tests/")) or "/tests/" in value


def offenders_in(source: str, where: str) -> list[str]:
    tree = ast.parse(source)
    prose = _docstrings(tree)
    path_parts = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            path_parts |= {id(node.left), id(node.right)}
        elif isinstance(node, ast.Call):
            path_parts |= {id(arg) for arg in node.args}
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            names = [node.value]  # importlib.import_module("tests…"), Path(…) / "tests", "…/tests/…"
        bare = not isinstance(node, ast.Constant) or id(node) in path_parts
        found += [f"{where}:{node.lineno}: {name!r}"  # type: ignore[attr-defined]
                  for name in names if _reaches_into_tests(name, bare)]
    return found


def test_product_packages_never_import_or_read_tests() -> None:
    offenders = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            offenders += offenders_in(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not offenders, "\n".join(offenders)


def test_the_scan_finds_every_way_into_tests() -> None:
    caught = [
        "import tests.support.golden",
        "from tests.support import golden",
        "import importlib\nimportlib.import_module('tests.support.golden')",
        "from pathlib import Path\nGOLDEN = Path(__file__).parents[3] / 'tests' / 'unit' / 'golden'",
        "GOLDEN = 'tests/unit/golden'",
        "GOLDEN = ROOT + '/tests/unit/golden'",
        "import os\nGOLDEN = os.path.join(ROOT, 'tests', 'unit')",
        "import tests",
    ]
    for source in caught:
        assert offenders_in(source, "x.py"), source
    fine = ('"""Read by tests/unit/test_x.py."""\nimport pytest_lsp\nlabel = "tests passed"\n'
            'SKIP = frozenset({"test", "tests"})\n')
    assert offenders_in(fine, "x.py") == []


def test_the_cli_loads_the_benchmark_only_when_bench_runs() -> None:
    probe = (
        "import sys\n"
        "from codepal.cli.main import build_parser\n"
        "args = build_parser().parse_args(['bench', '--quick'])\n"
        "assert args.module == 'codepal.cli.bench_cmd'\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('codepal.bench', 'prometheus_client')))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"imported with the CLI's parser: {done.stdout.strip()}"
