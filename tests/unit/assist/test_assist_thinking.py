"""Explain and the thinking budget against the scripted fake server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from codepal.assist import explain
from codepal.assist.thinking import guard_limit
from codepal.client import ModelClient
from codepal.config import AssistConfig
from codepal.errors import BackendTimeout
from codepal.types import AnswerDelta, AssistEvent, CodeSpan, ExplainResult, ThinkingDelta
from tests.support.fake_openai import Behaviour, FakeOpenAI

SPAN = CodeSpan("import os\n\ndef home():\n    return os.environ['HOME']\n", 11, 52, "python")


async def run(client: ModelClient, config: AssistConfig) -> tuple[list[AssistEvent], ExplainResult]:
    events = [event async for event in explain(client, SPAN, config)]
    assert isinstance(events[-1], ExplainResult)
    assert not any(isinstance(e, ExplainResult) for e in events[:-1])
    return events, events[-1]


def texts(events: list[AssistEvent], kind: type[ThinkingDelta] | type[AnswerDelta]) -> str:
    return "".join(e.text for e in events if isinstance(e, kind))


async def wait_closed(fake: FakeOpenAI, index: int) -> bool:
    """True once the client closed stream `index`. An endless stream that is no longer open was closed
    by the client even when the fake saw a reset instead of an orderly close (and did not record it)."""
    for _ in range(100):
        if fake.generation_requests()[index].closed_by_client or fake.open_streams == 0:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_explain_separates_thinking_and_markdown(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(Behaviour(chunks=[
        ("Okay, `home` reads", ""), (" an environment variable.", ""),
        ("", "`home()` returns the value of the `HOME`"), ("", " environment variable.\n"),
    ]))
    events, result = await run(client, config)
    assert texts(events, ThinkingDelta) == "Okay, `home` reads an environment variable."
    assert texts(events, AnswerDelta) == "`home()` returns the value of the `HOME` environment variable.\n"
    assert result.markdown == "`home()` returns the value of the `HOME` environment variable."
    assert result.thinking_tokens > 0
    body: dict[str, Any] = fake_openai.generation_requests()[0].body
    assert [m["role"] for m in body["messages"]] == ["user"]
    assert "def home():\n    return os.environ['HOME']" in body["messages"][0]["content"]
    assert body["thinking_token_budget"] == config.thinking_budget_explain
    assert (body["temperature"], body["top_p"]) == (config.temperature, config.top_p)


async def test_think_tags_in_the_content_are_split_client_side(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    # Servers without a reasoning parser send the raw text; the prompt already opened <think>.
    fake_openai.push(Behaviour(chunks=["Let me see.", " It reads HOME.</thi", "nk>\n\nIt returns `$HOME`."]))
    events, result = await run(client, config)
    assert texts(events, ThinkingDelta) == "Let me see. It reads HOME."
    assert result.markdown == "It returns `$HOME`."


async def test_thinking_that_never_ends_is_cut_and_the_answer_requested(
    fake_openai: FakeOpenAI, client: ModelClient
) -> None:
    config = AssistConfig(thinking_budget_explain=40, max_answer_tokens=64)
    answer = Behaviour(chunks=["It returns", " `$HOME`."])
    fake_openai.push(Behaviour(kind="endless", chunk_delay_s=0.001), answer)
    started = time.monotonic()
    events, result = await run(client, config)
    print(f"cut-off and answer in {(time.monotonic() - started) * 1000:.0f} ms")
    requests = fake_openai.generation_requests()
    assert len(requests) == 2
    assert await wait_closed(fake_openai, 0)  # the endless stream was closed, not drained
    thinking = texts(events, ThinkingDelta)
    limit = guard_limit(40)
    # Each streamed delta counts as one token (a lower bound, so vLLM's own cut comes first).
    assert limit is not None and len(thinking) == (limit + 1) * len("again ")
    second: dict[str, Any] = requests[1].body
    assert second["continue_final_message"] is True and second["add_generation_prompt"] is False
    assert "thinking_token_budget" not in second
    user, assistant = second["messages"]
    assert user == requests[0].body["messages"][0]
    assert assistant["role"] == "assistant"
    assert assistant["content"] == "<think>\n" + thinking.rstrip() + "\n</think>\n\n"
    assert result.markdown == "It returns `$HOME`."
    assert texts(events, AnswerDelta) == "It returns `$HOME`."


async def test_long_tokens_do_not_trigger_the_guard_before_the_budget(
    fake_openai: FakeOpenAI, client: ModelClient
) -> None:
    """A code tokenizer has 12-space tokens: 40 of them are 40 tokens, not 120, so no cut and no 2nd request."""
    config = AssistConfig(thinking_budget_explain=40, max_answer_tokens=64)
    fake_openai.push(Behaviour(chunks=[(" " * 12, "")] * 40 + [("", "It returns `$HOME`.")]))
    _, result = await run(client, config)
    assert len(fake_openai.generation_requests()) == 1
    assert result.markdown == "It returns `$HOME`."


async def test_a_server_that_rejects_the_prefill_gets_the_thinking_as_notes(
    fake_openai: FakeOpenAI, client: ModelClient
) -> None:
    config = AssistConfig(thinking_budget_explain=20, max_answer_tokens=64)
    endless = Behaviour(kind="endless", chunk_delay_s=0.001)
    # DeepSeek-R1's template drops text before </think> in an assistant turn: vLLM answers 400.
    answer = Behaviour(chunks=[("It returns", ""), ("", " HOME.")])
    fake_openai.push(endless, Behaviour(kind="status", status=400), answer)
    _, result = await run(client, config)
    requests = fake_openai.generation_requests()
    assert len(requests) == 3
    notes = requests[2].body["messages"]
    assert notes[1] == {"role": "assistant", "content": ""}
    assert "<notes>\nagain again" in notes[0]["content"]
    assert result.markdown == "It returns HOME."  # reasoning-labelled continuation text is answer
    # The same client remembers and goes straight to notes next time.
    fake_openai.push(endless, Behaviour(chunks=["Again."]))
    _, again = await run(client, config)
    assert len(fake_openai.generation_requests()) == 5 and again.markdown == "Again."


async def test_thinking_that_runs_out_of_tokens_still_gets_an_answer(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(Behaviour(chunks=[("short thought", "")]), Behaviour(chunks=["The answer."]))
    _, result = await run(client, config)
    assert len(fake_openai.generation_requests()) == 2 and result.markdown == "The answer."


async def test_budget_zero_sends_no_budget_and_never_cuts(
    fake_openai: FakeOpenAI, client: ModelClient
) -> None:
    config = AssistConfig(thinking_budget_explain=0, max_answer_tokens=64)
    fake_openai.push(Behaviour(chunks=[("x" * 4000, ""), ("", "Done.")]))
    _, result = await run(client, config)
    body = fake_openai.generation_requests()[0].body
    assert "thinking_token_budget" not in body and result.markdown == "Done."
    assert len(fake_openai.generation_requests()) == 1


async def test_cancelling_closes_the_stream(fake_openai: FakeOpenAI, client: ModelClient) -> None:
    config = AssistConfig(thinking_budget_explain=0, max_answer_tokens=64)
    fake_openai.push(Behaviour(kind="endless", chunk_delay_s=0.005))
    seen = asyncio.Event()

    async def consume() -> None:
        async for event in explain(client, SPAN, config):
            if isinstance(event, ThinkingDelta):
                seen.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(seen.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await wait_closed(fake_openai, 0)
    assert client.in_flight == 0


async def test_deadline(fake_openai: FakeOpenAI, client: ModelClient) -> None:
    config = AssistConfig(thinking_budget_explain=0, max_answer_tokens=64, timeout_s=0.3)
    fake_openai.push(Behaviour(kind="endless", chunk_delay_s=0.01))
    with pytest.raises(BackendTimeout):
        await run(client, config)
    assert await wait_closed(fake_openai, 0)


async def test_a_model_that_does_not_think_answers_at_once(fake_openai: FakeOpenAI) -> None:
    # SmolLM2 and other models without <think> tokens: no budget, no thinking, the content is the answer.
    fake_openai.push(Behaviour(chunks=["`home()` returns", " the `HOME` variable."]))
    config = AssistConfig(thinking_budget_explain=64, max_answer_tokens=100)
    client = ModelClient(fake_openai.url, None, "fake-model", read_timeout=5.0, thinks=False)
    try:
        events, result = await run(client, config)
    finally:
        await client.aclose()
    assert texts(events, ThinkingDelta) == ""
    assert result.markdown == "`home()` returns the `HOME` variable." and result.thinking_tokens == 0
    body: dict[str, Any] = fake_openai.generation_requests()[0].body
    assert "thinking_token_budget" not in body and body["max_tokens"] == 100
    assert len(fake_openai.generation_requests()) == 1
