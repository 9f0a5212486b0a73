"""Fix this error in a real browser on the real model: JupyterLab 4.2, the newest JupyterLab and Notebook 7
attach to the tier's vLLM serving SmolLM2-135M-Instruct, found through the state file as `codepal serve`
leaves it (a recording proxy in front, to read the prompts). The cell has a NameError whose intended name
the kernel holds. Whatever the model answers (greedy), the notebook ends safe: a proposed fix is shown as a
diff, Apply changes the cell, the fixed cell runs without error and Ctrl-Z restores the original byte for
byte; a refusal leaves the cell byte-identical. With CODEPAL_EXPECT_REAL_FIX=1 a fix must be proposed
(SmolLM2-135M proposes none for this cell: its answers copy the code unchanged, then loop). The prompts
carry the kernel's types and shapes, never a value or a secret; JupyterLab's status bar says that the
135 M demo model stands in for R1."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from codepal.engine.state import write_state
from tests.browser.flow import CHROMIUM, browser, fix_flow
from tests.browser.lab import FLAVOURS
from tests.browser.shopping import (
    BROKEN,
    BROKEN_CELL,
    FACTS,
    NOTEBOOK,
    assert_types_and_shapes_only,
    start_shopping_lab,
)
from tests.realmodel.conftest import DemoBed
from tests.support.recording_proxy import RecordingProxy

pytestmark = [pytest.mark.slow, pytest.mark.vllm, pytest.mark.browser, pytest.mark.realmodel,
              pytest.mark.timeout(600)]

# Greedy (a model that fixes it does so every run) and short answers: 2 shared CPU cores.
CODEPAL = {"assist_temperature": 0.0, "assist_max_answer_tokens": 160, "assist_timeout_s": 120.0}


@pytest.fixture(scope="module")
def proxy(demo_bed: DemoBed) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(demo_bed.info.url).start()
    yield recording
    recording.stop()


@pytest.fixture(params=list(FLAVOURS))
def flavour_name(request: pytest.FixtureRequest) -> str:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    return str(request.param)


def test_fix_this_error_on_the_real_model(flavour_name: str, demo_bed: DemoBed, proxy: RecordingProxy,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proxy.requests.clear()
    # The engine as `codepal serve` records it (demo notice and all), reached through the proxy.
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    write_state(dataclasses.replace(demo_bed.info, url=proxy.url), state / "engine.json")
    monkeypatch.setenv("CODEPAL_STATE_DIR", str(state))
    flavour = FLAVOURS[flavour_name]
    lab = start_shopping_lab(tmp_path, flavour_name, CODEPAL, monkeypatch)
    try:
        with browser(tmp_path / "profile") as context:
            outcome = fix_flow(context, lab, flavour, NOTEBOOK, BROKEN_CELL, tag="realmodel",
                               result_timeout_s=240, rerun=True)
    finally:
        lab.stop()
    print(f"\n{flavour.version()} on {demo_bed.info.model}: {outcome.message}\n{outcome.diff}\n"
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings)
          + f"; model requests: {len(proxy.requests)}")
    if os.environ.get("CODEPAL_EXPECT_REAL_FIX") == "1":
        assert outcome.ok, f"the model proposed no fix: {outcome.message}"
    if outcome.ok:  # fix_flow checked the diff's lines landed in the cell and that Ctrl-Z restored it
        assert "- total = sum(price)" in outcome.diff, outcome.diff
        errors = [o for o in outcome.rerun_outputs if o.get("output_type") == "error"]
        assert not errors and outcome.rerun_outputs, f"the fixed cell {outcome.applied!r} ran into {errors}"
        assert outcome.applied != BROKEN
        assert "Used from the kernel:" in outcome.kernel_facts and FACTS[0] in outcome.kernel_facts
    else:  # fix_flow checked the cell is byte-identical and no Apply is offered
        assert outcome.message.startswith("no safe fix found"), outcome.message
    assert_types_and_shapes_only(proxy.prompts())
    if flavour.is_lab:  # the status bar (Notebook 7 has none)
        assert outcome.status_text.endswith("(demo model)"), outcome.status_text
        assert "135 M demo model" in outcome.status_tooltip, outcome.status_tooltip
        assert "huggingface-cli download deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B" in outcome.status_tooltip
