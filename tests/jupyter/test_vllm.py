"""The routes against the real vLLM test bed (a tiny random model: gibberish, so only structure is checked).

The server finds the engine as a user's would: through the state file in CODEPAL_STATE_DIR.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.jupyter.helpers import NAME_ERROR, Fetch, events, notebook, post, wait_ready

pytestmark = [pytest.mark.slow, pytest.mark.vllm]


@pytest.fixture
def codepal_settings(vllm_state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("CODEPAL_STATE_DIR", str(vllm_state_dir))
    # Small budgets: the answers are gibberish anyway, and 2 CPU cores are shared.
    return {
        "assist_thinking_budget_fix": 48,
        "assist_thinking_budget_explain": 32,
        "assist_max_answer_tokens": 64,
    }


async def test_status_reports_the_discovered_engine(jp_fetch: Fetch) -> None:
    status = await wait_ready(jp_fetch)
    assert status["model"] == "codepal-test" and status["url"].startswith("http://127.0.0.1:")
    assert "api_key" not in json.dumps(status)


async def test_complete_answers_with_a_suggestion_or_nothing(jp_fetch: Fetch) -> None:
    await wait_ready(jp_fetch)
    cell = "def mean(values):\n    return sum(values) / "
    body = notebook("md:Statistics", "import math", cell, "print(mean([1, 2]))", index=2, offset=len(cell))
    response = await post(jp_fetch, "complete", body)
    assert response.code == 200
    answer = json.loads(response.body)
    assert answer["state"] == "ready"
    if answer["completion"] is not None:  # post-processing may drop gibberish entirely
        assert isinstance(answer["completion"]["insert_text"], str) and answer["completion"]["insert_text"]
        assert set(answer["completion"]) == {"insert_text", "from_cache"}  # inserted at the cursor
    status = json.loads((await jp_fetch("codepal", "status")).body)
    assert status["completions"]["model_requests"] >= 1


async def test_fix_streams_and_ends_with_one_result(jp_fetch: Fetch) -> None:
    await wait_ready(jp_fetch)
    response = await post(jp_fetch, "fix", notebook("x = 1", "x = 1\nprint(y)", error=NAME_ERROR),
                          request_timeout=240)
    assert response.code == 200, response.body
    stream = events(response)
    kinds = [kind for kind, _ in stream]
    assert kinds.count("result") == 1 and kinds[-1] == "result", kinds[-5:]
    assert set(kinds) <= {"thinking", "answer", "result"}
    result = stream[-1][1]
    assert isinstance(result["ok"], bool) and isinstance(result["message"], str)
    assert result["answer_format"] in ("json", "text")
    assert result["tokens_exact"] is True and result["thinking_tokens"] > 0  # from vLLM's token ids
    if result["ok"]:
        assert isinstance(result["new_text"], str) and result["diff"]
    else:
        assert result["new_text"] is None and result["diff"] == []


async def test_explain_streams_and_ends_with_markdown(jp_fetch: Fetch) -> None:
    await wait_ready(jp_fetch)
    response = await post(jp_fetch, "explain", notebook("x = [1, 2]\nprint(sum(x))"), request_timeout=240)
    stream = events(response)
    assert stream[-1][0] == "result" and isinstance(stream[-1][1]["markdown"], str)
    assert any(kind in ("thinking", "answer") for kind, _ in stream[:-1])
