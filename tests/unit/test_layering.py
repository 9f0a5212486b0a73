"""codepal/ is the product and knows nothing of its adapters' frameworks."""

import ast
from pathlib import Path

FORBIDDEN = {"pygls", "lsprotocol", "tornado", "jupyter_server", "lsp", "jupyter_ext"}
CORE = Path(__file__).resolve().parents[2] / "codepal"


def test_core_imports_no_protocol_or_server_framework() -> None:
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert not offenders
