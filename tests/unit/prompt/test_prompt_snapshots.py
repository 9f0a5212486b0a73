"""Every template rendered on fixed contexts, compared with files in snapshots/.

Regenerate after an intended prompt change with `UPDATE_SNAPSHOTS=1 pytest tests/unit/prompt` and
review the diff like code.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from codepal.complete.budget import HeuristicCounter, fit
from codepal.complete.context import CompletionContext, Signature, build_context
from codepal.complete.prompt import Template, load_templates, render
from codepal.kernel_facts import KernelFacts
from codepal.types import CompletionRequest, OpenDocument

SNAPSHOTS = Path(__file__).parent / "snapshots"

PY_SOURCE = (
    "import os\nfrom pathlib import Path\n\n\ndef read_config(path: Path) -> dict[str, str]:\n"
    "    return {}\n\n\n" + "".join(f"# note {i}\n" for i in range(32)) + "class Loader:\n"
    "    def load(self, name: str) -> str:\n        config = read_config(Path(name))\n"
    "        value = normalize(config.get(name, ''))\n        return "
)
PY_SUFFIX = "value\n\n    def close(self) -> None:\n        pass\n"
UTIL = OpenDocument(
    "file:///home/me/proj/src/textutil.py", "def normalize(text: str) -> str:\n    ...\n", "python"
)


def cases() -> dict[str, Callable[[Template], CompletionContext]]:
    built = build_context(
        CompletionRequest(
            text=PY_SOURCE + PY_SUFFIX,
            offset=len(PY_SOURCE),
            language="python",
            uri="file:///home/me/proj/src/loader.py",
            other_documents=(UTIL,),
        )
    )
    trimmed_ts = CompletionContext(
        prefix="  render(): void {\n    const total = sum(this.items.map((i) => i.price));\n    return ",
        suffix=";\n  }\n}\n",
        language="typescript",
        file_path="web/src/cart.ts",
        scope=("export class Cart", "render(): void"),
        imports=("import { sum } from './math';", "import type { Item } from './item';"),
        signatures=(
            Signature("sum", "export function sum(values: number[]): number", "web/src/math.ts"),
            Signature("Item", "export interface Item", "web/src/item.ts"),
            Signature("items", "items: Item[]", ""),
        ),
    )
    braces = CompletionContext(
        prefix='template = "{prefix} {suffix} {context}"\nvalue = f"{x}{{y}}',
        suffix='"\n',
        language="python",
        file_path="weird.py",
    )
    plain = CompletionContext(prefix="Dear team,\n\nThe ", suffix=" is ready.\n", language="plaintext")
    kernel = KernelFacts.from_wire({"variables": [
        ["prices", "list", "3 items of float"],
        ["df", "pandas.DataFrame", "shape (3, 2); columns: Total float64, Name str"],
        ["pd", "module", "pandas"],
    ]})
    cell = "by_name = df.groupby('Name')\nby_name['"
    notebook = build_context(CompletionRequest(
        text=cell, offset=len(cell), language="python", uri="work/sales.ipynb",
        extra_prefix="import pandas as pd\n\ndf = pd.read_csv('sales.csv')\n\n", kernel=kernel,
    ))
    return {
        "python_built": lambda _: built,
        # trimmed to a budget: the imports are no longer in the code, so the context block shows them
        "python_fitted": lambda template: fit(built, HeuristicCounter(), 160, template),
        "typescript_trimmed": lambda _: trimmed_ts,
        "braces_in_code": lambda _: braces,
        "plaintext": lambda _: plain,
        # a notebook cell: the kernel's variables, those named near the cursor first, sorted when shown
        "notebook_kernel": lambda _: notebook,
    }


CASES = cases()
TEMPLATES = load_templates()
PARAMS = [(case, template) for case in CASES for template in TEMPLATES]


@pytest.mark.parametrize(("case", "template"), PARAMS, ids=[f"{c}.{t}" for c, t in PARAMS])
def test_rendered_prompt_matches_snapshot(case: str, template: str) -> None:
    rendered = render(CASES[case](TEMPLATES[template]), TEMPLATES[template])
    actual = f"{rendered.prompt}\n--- stop: {rendered.stop!r}\n--- uses_suffix: {rendered.uses_suffix}\n"
    path = SNAPSHOTS / f"{case}.{template}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"no snapshot {path.name}; run with UPDATE_SNAPSHOTS=1 and review it"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True), actual.splitlines(keepends=True), "snapshot", "rendered"
        )
        pytest.fail(f"{path.name} differs (UPDATE_SNAPSHOTS=1 to accept):\n{''.join(diff)}")


def test_no_stale_snapshots() -> None:
    expected = {f"{case}.{template}.txt" for case, template in PARAMS}
    assert {path.name for path in SNAPSHOTS.glob("*.txt")} == expected
