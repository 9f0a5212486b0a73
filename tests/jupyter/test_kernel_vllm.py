"""The kernel's facts as a real vLLM receives them: a recording proxy in front of the test bed shows the
prompts of fix, explain and completions carry the variables' types and shapes, never a value or a
secret-like name from the kernel."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from codepal.engine import EngineInfo
from tests.jupyter.helpers import Fetch, events, notebook, post, wait_ready
from tests.jupyter.kernel_helpers import SECRET_NAMES, SETUP, VALUES, Kernel, context_of, summary_of
from tests.support.recording_proxy import RecordingProxy

pytestmark = [pytest.mark.slow, pytest.mark.vllm]


@pytest.fixture
def proxy(vllm: EngineInfo) -> Iterator[RecordingProxy]:
    recording = RecordingProxy(vllm.url).start()
    yield recording
    recording.stop()


@pytest.fixture
def codepal_settings(proxy: RecordingProxy, vllm: EngineInfo) -> dict[str, Any]:
    return {"engine_url": proxy.url, "engine_api_key": vllm.api_key, "assist_thinking_budget_fix": 32,
            "assist_thinking_budget_explain": 16, "assist_max_answer_tokens": 32}


async def test_vllm_receives_types_and_shapes_never_values(jp_fetch: Fetch, jp_serverapp: Any, kernel: Kernel,
                                                           proxy: RecordingProxy) -> None:
    await wait_ready(jp_fetch)
    await kernel.run(SETUP)
    await summary_of(context_of(jp_serverapp), kernel)
    # The notebook as the user has it: its cells do not contain the setup (the kernel got it elsewhere).
    cell = "share = sales[sales.Region == 'n'].Totl.sum() / len(prices)\nprint(share)"
    error = {"ename": "AttributeError", "evalue": "'DataFrame' object has no attribute 'Totl'",
             "traceback": [f"----> 1 {cell.splitlines()[0]}\n",
                           "AttributeError: 'DataFrame' object has no attribute 'Totl'"]}
    body = notebook(cell, error=error, kernel_id=kernel.kernel_id)
    result = events(await post(jp_fetch, "fix", body, request_timeout=240))[-1]
    assert result[0] == "result", result
    await post(jp_fetch, "explain", notebook(cell, kernel_id=kernel.kernel_id), request_timeout=240)
    await post(jp_fetch, "complete", notebook(cell, offset=len(cell), kernel_id=kernel.kernel_id))
    await asyncio.sleep(0.5)
    prompts = proxy.prompts()
    fix_prompt = next(p for p in prompts if "Code to fix" in p)
    block = fix_prompt.split("The notebook's kernel holds")[1].split("Code to fix")[0]
    assert block.splitlines()[1] == (
        "- sales: pandas.DataFrame — shape (3, 2); columns: Total float64, Region str")  # the type that lacks it
    assert "- prices: list — 3 items of float" in block
    assert "- grid: numpy.ndarray — shape (3, 4), dtype float32" in block
    explain_prompt = next(p for p in prompts if p.startswith("Explain"))
    assert "- sales: pandas.DataFrame" in explain_prompt and "grid" not in explain_prompt  # only what it uses
    for prompt in prompts:
        for value in VALUES:
            assert value not in prompt, f"{value!r} reached vLLM"
        for name in SECRET_NAMES:  # as a word: a retry's reason may say "max_answer_tokens"
            assert not re.search(rf"\b{name}\b", prompt), f"{name!r} reached vLLM"
    print(f"\nvLLM received {len(proxy.requests)} requests ({len(prompts)} prompts); the fix prompt's kernel part:"
          + block.rstrip() + f"\nfix result: ok={result[1]['ok']} ({result[1]['message'][:80]})")
