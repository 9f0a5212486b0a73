"""A block suggestion that ran out of tokens ends at its last whole line (the fake server injects the cut:
vLLM says `finish_reason: length`; the tiny real model never writes line breaks)."""

from __future__ import annotations

import ast

import pytest

from codepal.client import ModelClient
from codepal.complete.service import CompletionService, without_cut_line
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import CompletionRequest
from tests.support.fake_openai import Behaviour, FakeOpenAI

SOURCE = "import math\n\n\ndef is_prime(n):\n    \n"
CURSOR = SOURCE.index("    \n") + 4
BODY = ["\n    if n < 2:", "\n        return False", "\n    for i in"]


async def _suggest(fake_openai: FakeOpenAI, finish: str) -> str:
    fake_openai.default = Behaviour(chunks=BODY, finish_reason=finish)
    service = CompletionService(CompletionConfig(debounce_ms=0), EngineConfig())
    client = ModelClient(fake_openai.url, None, "fake-model")
    try:
        found = await service.complete(CompletionRequest(SOURCE, CURSOR, "python", uri="file:///w/p.py"), client)
    finally:
        await client.aclose()
    return found.text if found else ""


async def test_a_cut_block_keeps_its_whole_lines_and_parses(fake_openai: FakeOpenAI) -> None:
    text = await _suggest(fake_openai, "length")
    assert text == "if n < 2:\n        return False"
    ast.parse(SOURCE[:CURSOR] + text + SOURCE[CURSOR:])


async def test_a_block_that_stopped_by_itself_is_kept_whole(fake_openai: FakeOpenAI) -> None:
    text = await _suggest(fake_openai, "stop")
    assert text.endswith("for i in")  # not cut by codepal: the model chose to end there


@pytest.mark.parametrize(("raw", "kept"), [
    ("\n    a = 1\n    b = fo", "\n    a = 1"),
    ("\n    for i in", "\n    for i in"),  # its one line of code: kept, as a cut one-line answer is
    ("\n\n    for i in", "\n\n    for i in"),
    ("x, y)", "x, y)"),  # the rest of the cursor's line, no break: kept
    ("done\n", "done"),
])
def test_without_cut_line(raw: str, kept: str) -> None:
    assert without_cut_line(raw) == kept
