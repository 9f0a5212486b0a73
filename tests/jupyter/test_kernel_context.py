"""The live kernel as context, on a real IPython kernel: silent, bounded, never a value or a secret, and
what a fix sees (the model here is the scripted fake server; tests/jupyter/test_kernel_vllm.py and the
browser tests use a real vLLM)."""

from __future__ import annotations

import ast
import asyncio
import json
import statistics
import time
from typing import Any

import pytest

from codepal_jupyter.kernel.context import BUDGET_S
from tests.jupyter.helpers import Fetch, events, notebook, post, wait_ready
from tests.jupyter.kernel_helpers import SECRET_NAMES, SETUP, VALUES, Kernel, context_of, summary_of
from tests.support.fake_openai import Behaviour, FakeOpenAI


@pytest.fixture
def codepal_settings(fake_openai: FakeOpenAI) -> dict[str, Any]:
    return {"engine_url": fake_openai.url}


def prompts_sent(fake: FakeOpenAI) -> list[str]:
    """Every prompt the model server received: chat messages and plain completion prompts."""
    out = []
    for request in fake.generation_requests():
        body = request.body
        out += [str(m["content"]) for m in body.get("messages", [])]
        out += [str(body["prompt"])] if "prompt" in body else []
    return out


def assert_no_value_and_no_secret(text: str) -> None:
    for value in VALUES:
        assert value not in text, f"the value {value!r} reached a prompt"
    for name in SECRET_NAMES:
        assert name not in text, f"the secret-like name {name!r} reached a prompt"


def name_error(name: str, line: str) -> dict[str, Any]:
    return {"ename": "NameError", "evalue": f"name '{name}' is not defined",
            "traceback": [f"Cell In[2], line 1\n----> 1 {line}\n", f"NameError: name '{name}' is not defined"]}


async def test_the_summary_leaves_namespace_history_and_outputs_unchanged(jp_serverapp: Any,
                                                                         kernel: Kernel) -> None:
    await kernel.run(SETUP)
    before = await kernel.state_of_namespace()
    assert before == await kernel.state_of_namespace()  # looking changes nothing by itself
    context = context_of(jp_serverapp)
    await summary_of(context, kernel)
    seen: list[dict[str, Any]] = []
    while True:  # drain iopub first: from here on, only what the probes cause is collected
        try:
            await kernel.client.get_iopub_msg(timeout=0.2)
        except Exception:
            break
    for _ in range(5):
        facts = await context.facts(kernel.kernel_id, wait=True)
        assert facts is not None
        await kernel.until_idle()
    while True:
        try:
            seen.append(await kernel.client.get_iopub_msg(timeout=0.5))
        except Exception:
            break
    after = await kernel.state_of_namespace()
    assert after == before, (before, after)
    kinds = {msg["msg_type"] for msg in seen}
    assert kinds <= {"status"}, f"the probe published {kinds - {'status'}}"  # no output, no execute_input
    lines = [v.line() for v in facts.variables]
    assert "prices: list — 3 items of float" in lines
    assert "sales: pandas.DataFrame — shape (3, 2); columns: Total float64, Region str" in lines
    assert "grid: numpy.ndarray — shape (3, 4), dtype float32" in lines
    assert "settings: dict — 3 entries: 'host', 'port'; values mixed str, int" in lines
    assert "area: function — (radius, scale=…)" in lines
    assert_no_value_and_no_secret("\n".join(lines))
    names = ast.literal_eval(before["names"])
    print(f"\n5 summaries: {len(names)} names, (len(In), len(Out), execution_count) {before['history']} and "
          f"_/__/___ unchanged; iopub messages they caused: {len(seen)}, of types {sorted(kinds)}")


async def test_a_busy_kernel_is_not_asked_and_nothing_waits_for_it(jp_serverapp: Any, kernel: Kernel) -> None:
    await kernel.run("prices = [3.5, 2.0]")
    context = context_of(jp_serverapp)
    first = await summary_of(context, kernel)
    assert "prices" in first.by_name()
    probes = context.stats.probes
    kernel.client.execute("import time; time.sleep(3)\nlate = 1")
    deadline = time.monotonic() + 10
    while kernel.state != "busy":
        assert time.monotonic() < deadline
        await asyncio.sleep(0.005)
    started = time.perf_counter()
    busy = await context.facts(kernel.kernel_id, wait=True)
    skipped_ms = (time.perf_counter() - started) * 1000
    assert busy is first  # the last summary, from before the run
    assert context.stats.probes == probes and context.stats.skipped_busy >= 1
    assert skipped_ms < BUDGET_S * 1000, skipped_ms
    await kernel.until_idle()
    print(f"\nbusy kernel: answered in {skipped_ms:.2f} ms without asking it (budget {BUDGET_S * 1000:.0f} ms)")


async def test_a_kernel_that_does_not_answer_in_time_costs_the_budget_only(jp_serverapp: Any,
                                                                          kernel: Kernel) -> None:
    """A cell sent a moment before the server saw the kernel busy: the probe queues behind it."""
    await kernel.run("prices = [3.5, 2.0]")
    context = context_of(jp_serverapp)
    first = await summary_of(context, kernel)
    # Sent on the probe's own connection, so the kernel surely reads it first; the server has not seen it.
    context._kernels[kernel.kernel_id].client.execute("import time; time.sleep(1.5)\nlate = 1")
    started = time.perf_counter()
    stale = await context.facts(kernel.kernel_id, wait=True)
    waited_ms = (time.perf_counter() - started) * 1000
    assert stale is first
    assert waited_ms < BUDGET_S * 1000 + 150, waited_ms  # the budget, plus a loaded machine's scheduling
    await kernel.until_idle()
    deadline = time.monotonic() + 10  # the late answer still refreshes the cache
    while "late" not in ((await context.facts(kernel.kernel_id, wait=False)) or first).by_name():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.05)
    print(f"\nkernel queued behind a cell: the request waited {waited_ms:.1f} ms; late answers: "
          f"{context.stats.late}")


async def test_a_name_error_is_fixed_with_the_kernel_facts_in_the_prompt(
    jp_fetch: Fetch, fake_openai: FakeOpenAI, jp_serverapp: Any, kernel: Kernel
) -> None:
    await wait_ready(jp_fetch)
    await kernel.run(SETUP)
    await summary_of(context_of(jp_serverapp), kernel)  # as after the frontend's refresh when a cell ran
    broken, fixed = "total = sum(price)\nprint(total)", "total = sum(prices)\nprint(total)"
    fake_openai.push(Behaviour(chunks=[("The kernel has `prices`.", None),
                                       (None, f"```python\n{fixed}\n```\nUse `prices`.")]))
    body = notebook(SETUP, broken, error=name_error("price", "total = sum(price)"), kernel_id=kernel.kernel_id)
    result = events(await post(jp_fetch, "fix", body))[-1][1]
    assert result["ok"] is True and result["new_text"] == fixed, result
    assert result["kernel_facts"] == ["prices: list — 3 items of float"]
    prompt = prompts_sent(fake_openai)[-1]
    kernel_part = prompt.split("The notebook's kernel holds")[1].split("Code to fix")[0]
    assert kernel_part.splitlines()[1] == "- prices: list — 3 items of float"  # the closest name first
    assert_no_value_and_no_secret(kernel_part)
    print("\nNameError prompt, kernel part:" + kernel_part.rstrip())


async def test_a_key_error_on_a_column_is_fixed_with_the_columns_in_the_prompt(
    jp_fetch: Fetch, fake_openai: FakeOpenAI, jp_serverapp: Any, kernel: Kernel
) -> None:
    await wait_ready(jp_fetch)
    await kernel.run(SETUP)
    broken, fixed = 'north = sales["total"].sum()', 'north = sales["Total"].sum()'
    await kernel.run(f"try:\n    {broken}\nexcept KeyError:\n    pass")
    await summary_of(context_of(jp_serverapp), kernel)
    fake_openai.push(Behaviour(chunks=[("The column is `Total`.", None),
                                       (None, f"```python\n{fixed}\n```\nThe column is `Total`.")]))
    error = {"ename": "KeyError", "evalue": "'total'", "traceback": [f"----> 1 {broken}\n", "KeyError: 'total'"]}
    body = notebook(broken, error=error, kernel_id=kernel.kernel_id)
    result = events(await post(jp_fetch, "fix", body))[-1][1]
    assert result["ok"] is True and result["new_text"] == fixed, result
    assert result["kernel_facts"] == ["sales: pandas.DataFrame — shape (3, 2); columns: Total float64, Region str"]
    prompt = prompts_sent(fake_openai)[-1]
    kernel_part = prompt.split("The notebook's kernel holds")[1].split("Code to fix")[0]
    assert kernel_part.splitlines()[1].startswith("- sales: pandas.DataFrame — shape (3, 2); columns: Total")
    assert_no_value_and_no_secret(kernel_part)


async def test_no_secret_name_and_no_value_in_any_prompt(
    jp_fetch: Fetch, fake_openai: FakeOpenAI, jp_serverapp: Any, kernel: Kernel
) -> None:
    await wait_ready(jp_fetch)
    await kernel.run(SETUP)
    await summary_of(context_of(jp_serverapp), kernel)
    fake_openai.default = Behaviour(chunks=[("thinking", None), (None, "Nothing to add.")])
    cell = "ratio = area(2) / len(prices) + len(settings) + grid.sum() + sales.shape[0]\nprint(ratio"
    common = {"kernel_id": kernel.kernel_id}
    await post(jp_fetch, "fix", notebook(cell, error=name_error("ratio", "print(ratio"), **common))
    await post(jp_fetch, "explain", notebook(cell, **common))
    for _ in range(2):  # the first completion may find no summary yet: it never waits for one
        await post(jp_fetch, "complete", notebook(cell, offset=len(cell), **common))
        await asyncio.sleep(0.3)
    prompts = prompts_sent(fake_openai)
    assert len(prompts) >= 3
    completion = prompts[-1]
    assert "# In the kernel:" in completion and "#   prices: list — 3 items of float" in completion
    for prompt in prompts:
        assert "prices: list" in prompt  # the kernel facts are there...
        # ...but no secret-like name, and no value (the cell's own text has none of them)
        assert_no_value_and_no_secret(prompt.replace(SETUP, ""))


async def test_completions_never_wait_for_the_kernel(jp_fetch: Fetch, fake_openai: FakeOpenAI,
                                                     jp_serverapp: Any, kernel: Kernel) -> None:
    await wait_ready(jp_fetch)
    await kernel.run(SETUP)
    context = context_of(jp_serverapp)
    assert await context.facts(kernel.kernel_id, wait=False) is None  # nothing known yet: asks, answers None
    deadline = time.monotonic() + 5
    while (facts := await context.facts(kernel.kernel_id, wait=False)) is None:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    assert "prices" in facts.by_name()
    status = json.loads((await jp_fetch("codepal", "status")).body)["kernel_context"]
    assert status["answered"] >= 1 and status["latency"]["count"] >= 1


async def test_summary_time_on_a_kernel_with_200_variables(jp_serverapp: Any, kernel: Kernel) -> None:
    """A benchmark that prints figures (p50/p95 of the whole round trip as a request sees it)."""
    await kernel.run(SETUP + "\n" + "\n".join(
        f"v{i} = " + ["pd.DataFrame({'a': [1.0], 'b': ['x']})", "np.ones((4, 4))", "{'k': 1, 'j': 2}",
                      "[1, 2, 3]", "lambda x, y=1: x", "'text'", "3.25", "(1, 'a')"][i % 8]
        for i in range(200)))
    context = context_of(jp_serverapp)
    await summary_of(context, kernel)  # the connection is open, as after a cell ran
    timings = []
    for _ in range(60):
        started = time.perf_counter()
        facts = await context.facts(kernel.kernel_id, wait=True)
        timings.append((time.perf_counter() - started) * 1000)
        await kernel.until_idle()
    assert facts is not None and len(facts.variables) >= 200, len(facts.variables if facts else [])
    timings.sort()
    p50, p95 = statistics.median(timings), timings[int(len(timings) * 0.95) - 1]
    print(f"\nkernel summary, {len(facts.variables)} variables (truncated={facts.truncated}), 60 requests: "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms (budget {BUDGET_S * 1000:.0f} ms; "
          f"late answers {context.stats.late}); the probe's own round trip, late ones included: "
          f"{context.stats.latency.summary()}")


async def test_a_cell_that_ran_refreshes_the_summary_in_the_background(jp_fetch: Fetch, jp_serverapp: Any,
                                                                      kernel: Kernel) -> None:
    await kernel.run("prices = [3.5, 2.0]")
    response = await post(jp_fetch, "kernel", {"kernel_id": kernel.kernel_id})
    assert response.code == 204
    context = context_of(jp_serverapp)
    deadline = time.monotonic() + 5
    while (facts := context._kernels[kernel.kernel_id].facts) is None:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    assert "prices" in facts.by_name()
    assert (await post(jp_fetch, "kernel", {"kernel_id": "no-such-kernel"})).code == 204
    assert (await post(jp_fetch, "kernel", {"kernel": 1})).code == 400
