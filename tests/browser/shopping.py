"""The notebooks every "Fix this error" browser run opens: a setup cell that fills the kernel (a list, an
array and a secret from the environment), then a failing cell. In the shopping notebook it is a NameError
whose intended name, `prices`, the kernel holds; in the basket notebook, a documented function that
calls a method lists do not have, which the small real model (SmolLM2-135M) fixes. Also the check on what
the model received: types and shapes, never a value or a secret."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser.flow import SETTINGS
from tests.browser.lab import FLAVOURS, Lab, notebook, start_lab

SECRET = "sk-live-3c9d1e7f"  # in the kernel only (from its environment), never in a cell
SETUP = ("import os\nimport numpy as np\nprices = [3.5, 2.0, 4.25]\n"
         "grid = np.random.default_rng(7).random((3, 4))\napi_key = os.environ['CODEPAL_TEST_SECRET']")
BROKEN = 'total = sum(price)\nprint(f"Total: {total:.2f}")'
FIXED = 'total = sum(prices)\nprint(f"Total: {total:.2f}")'
NOTEBOOK = "shopping.ipynb"
BROKEN_CELL = 2  # its index: a markdown title, the setup, the broken cell
# SmolLM2-135M, greedy, fixes this one (AttributeError: 'list' object has no attribute 'push'); the
# scenarios it was tried on and what it did with each are in the real-model browser test's docstring.
BASKET = "basket.ipynb"
BASKET_BROKEN = (
    'def add_price(prices, price):\n'
    '    """Append a price to the list and return the new total."""\n'
    '    prices.push(price)\n'
    '    return sum(prices)\n'
    '\n'
    '\n'
    'add_price(prices, 1.25)'
)
BASKET_BUG = '    prices.push(price)'  # the failing line, and the model's line in its place
BASKET_FIX = '    prices.append(price)'
FACTS = ("prices: list — 3 items of float", "grid: numpy.ndarray — shape (3, 4), dtype float64")
GRID_VALUES = [f"{v:.4f}"[:6] for v in np.random.default_rng(7).random((3, 4)).ravel()]


def start_shopping_lab(tmp_path: Path, flavour_name: str, codepal: dict[str, Any],
                       monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("CODEPAL_TEST_SECRET", SECRET)  # the lab's kernels inherit it
    lab = start_lab(tmp_path / "lab", codepal, SETTINGS, flavour=FLAVOURS[flavour_name])
    for name, title, broken in ((NOTEBOOK, "# Shopping total", BROKEN), (BASKET, "# Basket", BASKET_BROKEN)):
        cells = [("markdown", title), ("code", SETUP), ("code", broken)]
        (lab.root / name).write_text(json.dumps(notebook(cells)))
    return lab


def kernel_block(prompt: str) -> str:
    match = re.search(r"The notebook's kernel holds.*?\n\n", prompt, re.DOTALL)
    assert match, f"no kernel facts in the prompt:\n{prompt}"
    return match.group(0)


def assert_types_and_shapes_only(prompts: list[str]) -> None:
    fix_prompts = [p for p in prompts if "Code to fix" in p]
    assert fix_prompts, prompts
    block = kernel_block(fix_prompts[0])
    for fact in FACTS:
        assert f"- {fact}" in block, block
    assert "api_key" not in block and "os: module — os" in block
    for prompt in prompts:
        assert SECRET not in prompt
        assert not [v for v in GRID_VALUES if v in prompt], "a value of the kernel's array reached the model"
