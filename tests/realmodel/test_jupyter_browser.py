"""Fix this error in a real browser on the real model: JupyterLab 4.2, the newest JupyterLab and Notebook 7
attach to the tier's vLLM serving SmolLM2-135M-Instruct, found through the state file as `codepal serve`
leaves it (a recording proxy in front, to read the prompts). Greedy decoding makes every run the same.

- The basket notebook: a documented function calls `prices.push(...)` (AttributeError on a list the
  kernel holds). The model's fix is shown as a diff, Apply puts it in the cell, the fixed cell runs without
  error, and Ctrl-Z restores the original byte for byte.
- The shopping notebook: a NameError whose intended name, `prices`, the kernel holds. SmolLM2-135M copies
  the cell unchanged, then loops; codepal refuses and the cell stays byte-identical.

Both prompts carry the kernel's types and shapes, never a value or a secret; JupyterLab's status bar says
that the 135 M demo model stands in for R1. CODEPAL_UPDATE_DOCS_IMAGES=1 retakes the README's picture
(docs/images/jupyter-fix.png) from the newest JupyterLab's run.

Why these two cells: SmolLM2-135M mostly copies the code it is given; it fixes a cell only where its copy
slips to the likelier text. Cells tried on vLLM (greedy, 160 answer tokens, the Jupyter path: the cell,
earlier cells as context, the kernel's summary), each after the shopping setup cell:
- fixed: `prices.push(price)` in a documented function called as `add_price(prices, 1.25)` on the cell's
  last line (this test's cell: the first answer copies the cell, the retry fixes it and drops the
  docstring's full stop); `" ".joins(result)` in a documented `title_case` (first answer);
- refused because the answer drops the cell's last line: the same `add_price` called inside
  `print(...)` (without the kernel's summary the model fixes that one too), and `taxed.push(...)`
  in a loop;
- refused, the cell unchanged (copied as is, or cut off), with and without the kernel's summary:
  `sum(prcies)` where the kernel holds `prices`; a local typo in a documented function (`tx` for `tax`,
  `itms` for `items`, `midde` for `middle`); `with_tax(pricse, 0.2)`; `region_totl(...)`;
  `sales["total"]` on a DataFrame whose column is `Total` (KeyError); `name.capitalise()`; `best.push(...)`
  in `running_max`; and, tried with the summary, `sum(price)` (this test's refusal). A "Did you mean"
  line made from the kernel's names did not change that.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from codepal.engine.device import native_bf16
from codepal.engine.state import write_state
from tests.browser.flow import CHROMIUM, Outcome, browser, fix_flow
from tests.browser.lab import FLAVOURS, REPO
from tests.browser.shopping import (
    BASKET,
    BASKET_BROKEN,
    BASKET_BUG,
    BASKET_FIX,
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

# Greedy (the same answer every run) and short answers: 2 shared CPU cores.
CODEPAL = {"assist_temperature": 0.0, "assist_max_answer_tokens": 160, "assist_timeout_s": 120.0}
DOCS_IMAGE = REPO / "docs" / "images" / "jupyter-fix.png"


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


def report(title: str, outcome: Outcome, requests: int) -> None:
    print(f"\n{title}: {outcome.message}\n{outcome.diff}\n"
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings)
          + f"; model requests: {requests}")


def test_fix_this_error_on_the_real_model(flavour_name: str, demo_bed: DemoBed, proxy: RecordingProxy,
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The engine as `codepal serve` records it (demo notice and all), reached through the proxy.
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    write_state(dataclasses.replace(demo_bed.info, url=proxy.url), state / "engine.json")
    monkeypatch.setenv("CODEPAL_STATE_DIR", str(state))
    flavour = FLAVOURS[flavour_name]
    docs_image = DOCS_IMAGE if flavour_name == "jupyterlab" and os.environ.get("CODEPAL_UPDATE_DOCS_IMAGES") else None
    outcomes: dict[str, Outcome] = {}
    prompts: dict[str, list[str]] = {}
    # A JupyterLab of its own for each notebook, so that the second does not restore the first's tab.
    for name, notebook, rerun in ((BASKET, BASKET, True), (NOTEBOOK, NOTEBOOK, False)):
        proxy.requests.clear()
        lab = start_shopping_lab(tmp_path / name, flavour_name, CODEPAL, monkeypatch)
        try:
            with browser(tmp_path / name / "profile") as context:
                outcomes[name] = fix_flow(context, lab, flavour, notebook, BROKEN_CELL, tag=f"realmodel-{name}",
                                          result_timeout_s=240, rerun=rerun,
                                          docs_image=docs_image if rerun else None)
        finally:
            lab.stop()
        prompts[name] = proxy.prompts()
        report(f"{flavour.version()} on {demo_bed.info.model}, {name}", outcomes[name], len(proxy.requests))
    fixed, refused = outcomes[BASKET], outcomes[NOTEBOOK]

    # The fix: fix_flow checked that the diff's added lines landed in the cell and Ctrl-Z restored it.
    # The cells were chosen for the greedy answers of CPUs with BF16 instructions (AVX-512 BF16, AMX). An
    # AVX2-only CPU's kernels (FP32, or emulated BF16) decode another answer for the basket cell, one that
    # drops its last line: there codepal must refuse it and leave the cell byte-identical (fix_flow
    # checked that), and the applied-fix path is left to the scripted browser tests.
    if fixed.ok or native_bf16():
        assert fixed.ok, f"the model proposed no fix: {fixed.message}"
        check_applied_fix(fixed)
    else:
        assert fixed.message.startswith("no safe fix found"), fixed.message
        print(f"\nthis CPU has no BF16 instructions: the basket cell's answer was refused ({fixed.message})")
    assert_types_and_shapes_only(prompts[BASKET])

    # The refusal: fix_flow checked that the cell is byte-identical and no Apply is offered.
    assert not refused.ok and refused.message.startswith("no safe fix found"), refused.message
    assert_types_and_shapes_only(prompts[NOTEBOOK])
    assert BROKEN in prompts[NOTEBOOK][0]

    if flavour.is_lab:  # the status bar (Notebook 7 has none)
        assert fixed.status_text.endswith("(demo model)"), fixed.status_text
        assert "135 M demo model" in fixed.status_tooltip, fixed.status_tooltip
        assert "huggingface-cli download deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B" in fixed.status_tooltip


def check_applied_fix(fixed: Outcome) -> None:
    """The basket cell's fix as the model wrote it on a CPU with BF16 instructions."""
    assert f"- {BASKET_BUG}" in fixed.diff and f"+ {BASKET_FIX}" in fixed.diff, fixed.diff
    assert fixed.applied != BASKET_BROKEN and BASKET_BUG not in fixed.applied.split("\n"), fixed.applied
    errors = [o for o in fixed.rerun_outputs if o.get("output_type") == "error"]
    assert fixed.rerun_outputs and not errors, f"the fixed cell {fixed.applied!r} ran into {errors}"
    if "prices" in BASKET_FIX:  # the changed line names the kernel's list: the panel lists that fact
        assert "Used from the kernel:" in fixed.kernel_facts and FACTS[0] in fixed.kernel_facts, fixed.kernel_facts
