"""Type-through on a request in flight, through the real `codepal lsp` driven as VS Code drives it (a
key: `didChange`, a new inline request, `$/cancelRequest` of the last one), against the fake server
streaming slowly so that every key lands mid-stream: keys that type what the stream produced keep the
one model request and get the rest of its answer; a key that types something else closes the stream
at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from codepal.jsonrpc import Pending
from tests.reliability.conftest import lsp_options
from tests.reliability.peer import LspPeer
from tests.support.fake_openai import Behaviour, FakeOpenAI, wait_closed_by_client

pytestmark = pytest.mark.reliability

StartLsp = Callable[..., Awaitable[LspPeer]]
URI = "file:///tt.py"
DOC = "def total(values):\n    result = \n    return result\n"
LINE, COLUMN = 1, len("    result = ")
ANSWER = ["sum(", "value", " for", " value", " in", " values", ")"]


def inline(lsp: LspPeer, column: int) -> Pending:
    return lsp.send("textDocument/inlineCompletion", {
        "textDocument": {"uri": URI}, "position": {"line": LINE, "character": column},
        "context": {"triggerKind": 2}})


def type_keys(lsp: LspPeer, previous: Pending, keys: str) -> Pending:
    for index, key in enumerate(keys):
        at = {"line": LINE, "character": COLUMN + index}
        lsp.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2 + index},
                                              "contentChanges": [{"range": {"start": at, "end": at}, "text": key}]})
        following = inline(lsp, COLUMN + index + 1)
        lsp.cancel(previous)
        previous = following
    return previous


async def streaming(fake: FakeOpenAI, lsp: LspPeer) -> Pending:
    """The first inline request, once its stream has sent its first pieces."""
    await lsp.initialize_with(lsp_options(fake.url, warm_cache="off"))
    await lsp.wait_state("ready")
    lsp.open(URI, DOC)
    first = inline(lsp, COLUMN)
    deadline = time.monotonic() + 10
    while not fake.generation_requests() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    # "sum(" (and more) streamed, the stream (7 pieces 0.15 s apart) still running: 0.25 s left a loaded CI
    # machine too little time to deliver the first piece, and the keys then found nothing to agree with.
    await asyncio.sleep(0.5)
    return first


async def completions(lsp: LspPeer) -> dict[str, Any]:
    return dict((await lsp.status())["completions"])


async def test_keys_typing_the_streamed_answer_keep_its_stream(fake_openai: FakeOpenAI,
                                                               start_lsp: StartLsp) -> None:
    fake_openai.default = Behaviour(chunks=ANSWER, chunk_delay_s=0.15)
    lsp = await start_lsp()
    first = await streaming(fake_openai, lsp)
    last = type_keys(lsp, first, "su")
    response = await asyncio.wait_for(last.future, 10)
    assert response["result"]["items"][0]["insertText"] == "m(value for value in values)"
    assert (await first.future)["error"]["code"] == -32800  # the editor's cancel still answers it
    requests = fake_openai.generation_requests()
    assert len(requests) == 1 and not requests[0].closed_by_client
    stats = await completions(lsp)
    assert stats["kept_streams"] == 1 and stats["typed_through_streams"] == 1
    assert stats["model_requests"] == 1 and stats["cancelled_streaming"] == 0


async def test_a_key_typing_something_else_closes_the_stream(fake_openai: FakeOpenAI,
                                                             start_lsp: StartLsp) -> None:
    fake_openai.push(Behaviour(chunks=ANSWER, chunk_delay_s=0.15))
    fake_openai.default = Behaviour(chunks=["(values)"])
    lsp = await start_lsp()
    first = await streaming(fake_openai, lsp)
    last = type_keys(lsp, first, "x")
    response = await asyncio.wait_for(last.future, 10)
    assert response["result"]["items"][0]["insertText"] == "(values)"
    requests = fake_openai.generation_requests()
    await wait_closed_by_client(requests[:1], within_s=2)  # the fake sees the close when it sends its next piece
    assert len(requests) == 2 and requests[0].closed_by_client
    stats = await completions(lsp)
    assert stats["kept_streams"] == 0 and stats["cancelled_on_edit"] >= 1
    assert stats["cancelled_streaming"] == 1 and stats["tokens_before_cancel"] >= 1
