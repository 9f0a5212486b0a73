"""The routes against scripted answers from the fake OpenAI server: a real fix, and the fault paths."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from tests.jupyter.helpers import NAME_ERROR, Fetch, events, notebook, post, wait_ready
from tests.support.fake_openai import Behaviour, FakeOpenAI

FIX_ANSWER = "```python\nx = 1\ny = x + 1\nprint(y)\n```\nDefined `y` before printing it."


@pytest.fixture
def codepal_settings(fake_openai: FakeOpenAI) -> dict[str, Any]:
    return {"engine_url": fake_openai.url}


def chat_prompt(fake: FakeOpenAI) -> str:
    bodies = [r.body for r in fake.generation_requests() if r.path.endswith("chat/completions")]
    return str(bodies[-1]["messages"][0]["content"])


async def test_fix_streams_thinking_then_a_verified_fix_with_a_diff(
    jp_fetch: Fetch, fake_openai: FakeOpenAI
) -> None:
    await wait_ready(jp_fetch)
    thinking = [("The name y ", None), ("is never defined.", None)]
    fake_openai.push(Behaviour(chunks=[*thinking, (None, FIX_ANSWER)]))
    body = notebook("md:# Setup", "import math", "x = 1\nprint(y)", error=NAME_ERROR)
    response = await post(jp_fetch, "fix", body)
    assert response.code == 200, response.body
    stream = events(response)
    kinds = [kind for kind, _ in stream]
    assert kinds[:2] == ["thinking", "thinking"] and kinds[-1] == "result" and "answer" in kinds
    result = stream[-1][1]
    assert result["ok"] is True, result
    assert result["new_text"] == "x = 1\ny = x + 1\nprint(y)"
    assert result["original"] == "x = 1\nprint(y)"
    assert result["answer_format"] == "text" and result["tokens_exact"] is False  # no ids from this server
    assert {"op": "+", "text": "y = x + 1"} in result["diff"]
    assert all(d["op"] != "-" for d in result["diff"])
    # The model saw the error without colour codes, the failing line and the earlier code cell.
    prompt = chat_prompt(fake_openai)
    assert "NameError: name 'y' is not defined" in prompt and "\x1b" not in prompt
    assert "import math" in prompt and "# Setup" not in prompt


async def test_fix_that_the_model_gets_wrong_is_refused_not_applied(
    jp_fetch: Fetch, fake_openai: FakeOpenAI
) -> None:
    await wait_ready(jp_fetch)
    broken = Behaviour(chunks=[("hmm", None), (None, "```python\nx = (1\nprint(y\n```")])
    fake_openai.push(broken, broken)
    stream = events(await post(jp_fetch, "fix", notebook("x = 1\nprint(y)", error=NAME_ERROR)))
    result = stream[-1][1]
    assert stream[-1][0] == "result" and result["ok"] is False and result["new_text"] is None
    assert result["diff"] == [] and "no safe fix" in result["message"]


async def test_explain_streams_markdown(jp_fetch: Fetch, fake_openai: FakeOpenAI) -> None:
    await wait_ready(jp_fetch)
    fake_openai.push(Behaviour(chunks=[("Reading the code.", None), (None, "It prints `y`.")]))
    response = await post(jp_fetch, "explain", notebook("import os", "x = 1\nprint(y)", start=6, end=14))
    stream = events(response)
    assert stream[-1][0] == "result" and stream[-1][1]["markdown"] == "It prints `y`."
    assert "print(y)" in chat_prompt(fake_openai)


async def test_complete_sends_the_notebook_around_the_cell_with_utf16_offsets(
    jp_fetch: Fetch, fake_openai: FakeOpenAI
) -> None:
    await wait_ready(jp_fetch)
    fake_openai.push(Behaviour(chunks=["per", "()"]))
    cell = "s = '😋'; t = s.up"
    utf16_offset = len(cell) + 1  # the emoji is two UTF-16 code units
    body = notebook("md:Shout it", "import os", cell, "print(t)", index=2, offset=utf16_offset)
    response = await post(jp_fetch, "complete", body)
    answer = json.loads(response.body)
    assert answer["state"] == "ready"
    assert answer["completion"]["insert_text"] == "per()"
    prompt = fake_openai.generation_requests()[-1].body["prompt"]
    assert "# Shout it" in prompt and "import os" in prompt and "s = '😋'; t = s.up" in prompt


async def test_a_completion_the_user_asked_for_is_not_taken_for_typing(
    jp_fetch: Fetch, fake_openai: FakeOpenAI
) -> None:
    """JupyterLab's Alt+\\ (trigger kind Invoke) sends `invoked`: asked back to back, such requests must not
    teach the server a typing rhythm and then wait out its debounce; typed ones as close together do."""
    base = (await wait_ready(jp_fetch))["completions"]["debounce_ms"]
    fake_openai.default = Behaviour(chunks=["per()"], first_delay_s=0.05)

    def at(n: int) -> dict[str, Any]:  # a new cell text each time: no answer comes from the cache
        cell = f"s = 'a'; t{n} = s.up"
        return notebook(cell, offset=len(cell))

    for n in range(5):
        assert (await post(jp_fetch, "complete", {**at(n), "invoked": True})).code == 200
    assert (await wait_ready(jp_fetch))["completions"]["debounce_ms"] == base
    for n in range(5, 10):
        assert (await post(jp_fetch, "complete", at(n))).code == 200
    assert (await wait_ready(jp_fetch))["completions"]["debounce_ms"] > max(base, 100)


async def test_a_browser_that_goes_away_stops_the_generation(
    jp_fetch: Fetch, fake_openai: FakeOpenAI, jp_http_port: int, jp_base_url: str, jp_serverapp: Any
) -> None:
    await wait_ready(jp_fetch)
    fake_openai.push(Behaviour(kind="endless", chunk_delay_s=0.02))
    body = json.dumps(notebook("x = 1\nprint(y)", error=NAME_ERROR)).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    writer.write(
        f"POST {jp_base_url}codepal/fix HTTP/1.1\r\nHost: 127.0.0.1:{jp_http_port}\r\n"
        f"Authorization: token {jp_serverapp.identity_provider.token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    )
    await writer.drain()
    received = b""
    while received.count(b"event: ") < 3:  # a few deltas (R1 content counts as thinking until </think>)
        received += await asyncio.wait_for(reader.read(4096), 10)
    assert received.startswith(b"HTTP/1.1 200")
    [generation] = fake_openai.generation_requests()
    writer.close()
    deadline = time.monotonic() + 10
    while not generation.closed_by_client:
        assert time.monotonic() < deadline, "the model stream was not closed"
        await asyncio.sleep(0.05)
    assert fake_openai.open_streams == 0
    assert len(fake_openai.generation_requests()) == 1


async def test_model_server_errors_map_to_http_statuses(jp_fetch: Fetch, fake_openai: FakeOpenAI) -> None:
    await wait_ready(jp_fetch)
    fake_openai.push(*[Behaviour(kind="status", status=500)] * 4)
    failed = await post(jp_fetch, "fix", notebook("print(y)", error=NAME_ERROR))
    assert failed.code in (502, 503), failed.body
    assert json.loads(failed.body)["message"].startswith("codepal:")


async def test_a_stream_cut_midway_ends_with_an_error_event(jp_fetch: Fetch, fake_openai: FakeOpenAI) -> None:
    await wait_ready(jp_fetch)
    fake_openai.push(Behaviour(kind="drop", chunks=[("thinking", None)] * 5, drop_after=2))
    response = await post(jp_fetch, "explain", notebook("print(1)"))
    assert response.code == 200
    stream = events(response)
    assert stream[0][0] == "thinking"
    kind, data = stream[-1]
    assert kind == "error" and data["status"] in (502, 503) and data["message"].startswith("codepal:")
