"""Fix this error in JupyterLab 4.2, the newest JupyterLab and Notebook 7, in headless Chromium: against
scripted answers (the fix is proposed, shown as a diff with the kernel facts it used, applied and undone),
and against a real vLLM, whose received prompts are recorded by a proxy: they carry the kernel's variables'
types and shapes, never a value or a secret-like name from the kernel."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from codepal.engine import EngineInfo
from tests.browser.flow import CHROMIUM, SETTINGS, browser, fix_flow
from tests.browser.lab import FLAVOURS, Lab, RoutedFake, notebook, start_lab
from tests.support.fake_openai import Behaviour
from tests.support.recording_proxy import RecordingProxy

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECRET = "sk-live-3c9d1e7f"  # in the kernel only (from its environment), never in a cell
SETUP = ("import os\nimport numpy as np\nprices = [3.5, 2.0, 4.25]\n"
         "grid = np.random.default_rng(7).random((3, 4))\napi_key = os.environ['CODEPAL_TEST_SECRET']")
BROKEN = 'total = sum(price)\nprint(f"Total: {total:.2f}")'
FIXED = 'total = sum(prices)\nprint(f"Total: {total:.2f}")'
FACTS = ("prices: list — 3 items of float", "grid: numpy.ndarray — shape (3, 4), dtype float64")
GRID_VALUES = [f"{v:.4f}"[:6] for v in np.random.default_rng(7).random((3, 4)).ravel()]


@pytest.fixture(params=list(FLAVOURS))
def flavour_name(request: pytest.FixtureRequest) -> str:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    return str(request.param)


def start(tmp_path: Path, flavour_name: str, codepal: dict[str, object],
          monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setenv("CODEPAL_TEST_SECRET", SECRET)  # the lab's kernels inherit it
    lab = start_lab(tmp_path / "lab", codepal, SETTINGS, flavour=FLAVOURS[flavour_name])
    cells = [("markdown", "# Shopping total"), ("code", SETUP), ("code", BROKEN)]
    (lab.root / "shopping.ipynb").write_text(json.dumps(notebook(cells)))
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


def test_fix_flow_with_scripted_answers(flavour_name: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = RoutedFake().start()
    try:
        fake.chat = Behaviour(chunks=[("The kernel holds `prices`.", None),
                                      (None, f"```python\n{FIXED}\n```\nUse `prices`.")])
        lab = start(tmp_path, flavour_name, {"engine_url": fake.url}, monkeypatch)
        try:
            with browser(tmp_path / "profile") as context:
                outcome = fix_flow(context, lab, FLAVOURS[flavour_name], "shopping.ipynb", 2, tag="scripted")
        finally:
            lab.stop()
        assert outcome.ok, outcome.message
        assert "- total = sum(price)" in outcome.diff and "+ total = sum(prices)" in outcome.diff
        assert "Used from the kernel:" in outcome.kernel_facts and FACTS[0] in outcome.kernel_facts
        prompts = [str(m["content"]) for r in fake.chat_requests() for m in r.body["messages"]]
        assert_types_and_shapes_only(prompts)
        print(f"\n{FLAVOURS[flavour_name].version()}: scripted fix proposed, applied, undone; "
              + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings))
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def proxy(vllm: EngineInfo) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(vllm.url).start()
    yield recording
    recording.stop()


@pytest.mark.vllm
def test_fix_flow_on_a_real_vllm(flavour_name: str, vllm: EngineInfo, proxy: RecordingProxy, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    proxy.requests.clear()
    codepal = {
        "engine_url": proxy.url, "engine_api_key": vllm.api_key,
        # Small budgets: 2 shared CPU cores; greedy, so a model that can fix it does so every time.
        "assist_thinking_budget_fix": 48, "assist_max_answer_tokens": 160, "assist_temperature": 0.0,
    }
    lab = start(tmp_path, flavour_name, codepal, monkeypatch)
    try:
        with browser(tmp_path / "profile") as context:
            outcome = fix_flow(context, lab, FLAVOURS[flavour_name], "shopping.ipynb", 2, tag="vllm",
                               result_timeout_s=240)
    finally:
        lab.stop()
    assert_types_and_shapes_only(proxy.prompts())
    what = (f"fix proposed, applied, undone ({outcome.message})" if outcome.ok
            else f"no fix proposed, cell unchanged ({outcome.message})")
    print(f"\n{FLAVOURS[flavour_name].version()} on vLLM ({vllm.model}): {what}; "
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings)
          + f"; model requests seen by the proxy: {len(proxy.requests)}")
    if os.environ.get("CODEPAL_EXPECT_REAL_FIX") == "1":  # a model that writes code (the real-model tier)
        assert outcome.ok, outcome.message
