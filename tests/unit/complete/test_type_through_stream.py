"""Type-through on a request in flight: a key that types what the model's stream has produced keeps the
stream (no new model request; the next request gets the rest of it); a key that types something else
closes it at the edit. The fake server streams slowly, so the key lands mid-stream every time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from codepal.client import ModelClient
from codepal.complete.flight import Flight
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import Completion, CompletionRequest
from tests.support.fake_openai import Behaviour, FakeOpenAI

URI = "file:///w/t.py"
SOURCE = "def total(values):\n    result = \n    return result\n"
CURSOR = SOURCE.index(" = \n") + 3
ANSWER = ["sum(", "value", " for", " value", " in", " values", ")"]


@pytest.fixture
async def client(fake_openai: FakeOpenAI) -> AsyncIterator[ModelClient]:
    client = ModelClient(fake_openai.url, None, "fake-model")
    yield client
    await client.aclose()


def at(typed: str) -> CompletionRequest:
    text = SOURCE[:CURSOR] + typed + SOURCE[CURSOR:]
    return CompletionRequest(text, CURSOR + len(typed), "python", uri=URI)


async def first_pieces(fake_openai: FakeOpenAI, service: CompletionService, pieces: int) -> None:
    """Until the request at the model has streamed `pieces` pieces."""
    for _ in range(500):
        flight = service._flights.get(URI)
        if flight is not None and flight.tokens >= pieces:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the stream never got going")


async def type_key(service: CompletionService, client: ModelClient, first: asyncio.Task[Completion | None],
                   typed: str) -> asyncio.Task[Completion | None]:
    """One key as an editor sends it: didChange, a new inline request, `$/cancelRequest` of the last."""
    service.document_changed(URI, lambda: at(typed), lambda: None)
    following = asyncio.ensure_future(service.complete(at(typed), client, key=URI))
    first.cancel()
    return following


async def test_typing_what_the_stream_produced_keeps_it_and_serves_the_rest(
        fake_openai: FakeOpenAI, client: ModelClient) -> None:
    fake_openai.default = Behaviour(chunks=ANSWER, chunk_delay_s=0.05)
    service = CompletionService(CompletionConfig(debounce_ms=0, warm_cache="off"), EngineConfig())
    first = asyncio.ensure_future(service.complete(at(""), client, key=URI))
    await first_pieces(fake_openai, service, 2)  # "sum(value" so far
    second = await type_key(service, client, first, "su")
    third = await type_key(service, client, second, "sum")
    found = await asyncio.wait_for(third, 5)
    assert found is not None and found.text == "(value for value in values)"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert len(fake_openai.generation_requests()) == 1
    assert not fake_openai.generation_requests()[0].closed_by_client
    stats = service.stats
    assert (stats.kept_streams, stats.typed_through_streams, stats.cancelled_streaming) == (1, 1, 0)
    # The whole answer is in the type-through cache too: the next keys need nothing.
    later = await service.complete(at("sum(val"), client, key=URI)
    assert later is not None and later.text == "ue for value in values)" and later.from_cache


async def test_typing_something_else_closes_the_stream_at_the_edit(
        fake_openai: FakeOpenAI, client: ModelClient) -> None:
    fake_openai.default = Behaviour(chunks=ANSWER, chunk_delay_s=0.05)
    service = CompletionService(CompletionConfig(debounce_ms=0, warm_cache="off"), EngineConfig())
    first = asyncio.ensure_future(service.complete(at(""), client, key=URI))
    await first_pieces(fake_openai, service, 1)
    service.document_changed(URI, lambda: at("x"), lambda: None)  # the edit alone stops it
    assert await first is None
    assert service.stats.cancelled_on_edit == 1 and service.stats.cancelled_streaming == 1
    assert service.stats.tokens_before_cancel >= 1
    for _ in range(200):
        if fake_openai.generation_requests()[0].closed_by_client:
            break
        await asyncio.sleep(0.005)
    assert fake_openai.generation_requests()[0].closed_by_client


async def test_a_kept_stream_that_then_goes_another_way_is_closed_and_asked_again(
        fake_openai: FakeOpenAI, client: ModelClient) -> None:
    fake_openai.push(Behaviour(chunks=ANSWER, chunk_delay_s=0.05))
    fake_openai.default = Behaviour(chunks=["(values)"])
    service = CompletionService(CompletionConfig(debounce_ms=0, warm_cache="off"), EngineConfig())
    first = asyncio.ensure_future(service.complete(at(""), client, key=URI))
    await first_pieces(fake_openai, service, 1)  # "sum(" so far
    # "sum(vx" agrees with "sum(" (the stream may still write "vx"); then it writes "value" instead.
    second = await type_key(service, client, first, "sum(vx")
    found = await asyncio.wait_for(second, 5)
    assert service.stats.kept_streams == 1 and service.stats.cancelled_on_edit == 0
    assert found is not None and found.text == "(values)"  # from a new request at the new cursor
    requests = fake_openai.generation_requests()
    assert len(requests) == 2 and requests[0].closed_by_client


async def test_a_key_while_the_prompt_is_prefilled_stops_the_request(
        fake_openai: FakeOpenAI, client: ModelClient) -> None:
    """Nothing streamed yet: nothing to compare and no token to lose, so the request stops."""
    fake_openai.default = Behaviour(chunks=ANSWER, first_delay_s=0.3)
    service = CompletionService(CompletionConfig(debounce_ms=0, warm_cache="off"), EngineConfig())
    first = asyncio.ensure_future(service.complete(at(""), client, key=URI))
    for _ in range(200):
        if fake_openai.generation_requests():
            break
        await asyncio.sleep(0.005)
    service.document_changed(URI, lambda: at("s"), lambda: None)
    assert await first is None
    assert service.stats.kept_streams == 0 and service.stats.cancelled_on_edit == 1


@pytest.mark.parametrize(("raw", "healed", "typed", "agrees"), [
    ("sum(v", "", "su", True),
    ("sum(v", "", "sum(value", True),  # the stream may still write the rest
    ("sum(v", "", "x", False),
    ("", "", "s", False),  # nothing written yet
    (" ", " ", "s", False),  # only the whitespace the prompt was spared
    (" sum", " ", "su", True),
])
def test_flight_agrees(raw: str, healed: str, typed: str, agrees: bool) -> None:
    assert Flight("a = ", "\n", healed, raw).agrees(typed) is agrees


def test_flight_reads_what_was_typed_at_its_cursor() -> None:
    flight = Flight("a = ", "\nb\n")
    assert flight.typed_in("a = su\nb\n") == "su"
    assert flight.typed_in("a = \nb\n") == ""
    assert flight.typed_in("a =\nb\n") is None  # a deletion
    assert flight.typed_in("a = s\nc\n") is None  # an edit after the cursor
    assert flight.typed_at("a = su", "\nb\n") == "su"
    assert flight.typed_at("a = su", "\nc\n") is None


async def test_asked_again_at_the_same_cursor_the_running_request_is_waited_for(
        fake_openai: FakeOpenAI, client: ModelClient) -> None:
    fake_openai.default = Behaviour(chunks=ANSWER, first_delay_s=0.1, chunk_delay_s=0.02)
    service = CompletionService(CompletionConfig(debounce_ms=0, warm_cache="off"), EngineConfig())
    first = asyncio.ensure_future(service.complete(at(""), client, key=URI))
    for _ in range(200):
        if URI in service._flights:
            break
        await asyncio.sleep(0.005)
    again = asyncio.ensure_future(service.complete(at(""), client, key=URI))
    first.cancel()  # the editor gives up the first request as it sends the second
    found = await asyncio.wait_for(again, 5)
    assert found is not None and found.text == "sum(value for value in values)"
    assert len(fake_openai.generation_requests()) == 1 and service.stats.typed_through_streams == 1
