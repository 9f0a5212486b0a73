"""Fix this error in JupyterLab 4.2, the newest JupyterLab and Notebook 7, in headless Chromium, against
scripted answers: the fix is proposed, shown as a diff with the kernel facts it used, applied, run again
without error and undone; the prompts carry the kernel's variables' types and shapes, never a value or a
secret-like name. The same flow on a real vLLM serving the small real model is in
tests/realmodel/test_jupyter_browser.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.flow import CHROMIUM, browser, fix_flow
from tests.browser.lab import FLAVOURS, RoutedFake
from tests.browser.shopping import BROKEN_CELL, FACTS, FIXED, NOTEBOOK, assert_types_and_shapes_only, start_shopping_lab
from tests.support.fake_openai import Behaviour

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(params=list(FLAVOURS))
def flavour_name(request: pytest.FixtureRequest) -> str:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    return str(request.param)


def test_fix_flow_with_scripted_answers(flavour_name: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = RoutedFake().start()
    try:
        fake.chat = Behaviour(chunks=[("The kernel holds `prices`.", None),
                                      (None, f"```python\n{FIXED}\n```\nUse `prices`.")])
        lab = start_shopping_lab(tmp_path, flavour_name, {"engine_url": fake.url}, monkeypatch)
        try:
            with browser(tmp_path / "profile") as context:
                outcome = fix_flow(context, lab, FLAVOURS[flavour_name], NOTEBOOK, BROKEN_CELL, tag="scripted",
                                   rerun=True)
        finally:
            lab.stop()
        assert outcome.ok, outcome.message
        assert "- total = sum(price)" in outcome.diff and "+ total = sum(prices)" in outcome.diff
        assert "Used from the kernel:" in outcome.kernel_facts and FACTS[0] in outcome.kernel_facts
        assert outcome.applied == FIXED
        assert outcome.rerun_outputs == [{"output_type": "stream", "name": "stdout", "text": "Total: 9.75\n"}]
        prompts = [str(m["content"]) for r in fake.chat_requests() for m in r.body["messages"]]
        assert_types_and_shapes_only(prompts)
        print(f"\n{FLAVOURS[flavour_name].version()}: scripted fix proposed, applied, undone; "
              + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings))
    finally:
        fake.stop()
