"""Cache warm-up: its prompt is every completion prompt's beginning, token for token, cut into pieces at
line breaks, and it never sends while a completion is at the model. (Through a real vLLM: tests/lsp.)"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer

from codepal.bench.typist import sample_text, target_lines
from codepal.client import ModelClient
from codepal.client.http import TextChunk
from codepal.complete.service import CompletionService
from codepal.complete.warmup import CacheWarmer, PromptSource, WarmPrompt, pieces
from codepal.config import CompletionConfig, EngineConfig
from codepal.text import split_lines
from codepal.types import CompletionRequest

TEST_MODEL = Path(__file__).parents[3] / ".cache" / "test-model"
BLOCK = 128  # vLLM's block size on the CPU; a GPU's (16) only makes more of the shared tokens count


@given(st.lists(st.text(st.sampled_from("ab (){}:=é錯\t_x"), max_size=60), max_size=80),
       st.integers(min_value=1, max_value=300))
def test_pieces_are_growing_prefixes_cut_after_line_breaks(lines: list[str], piece_tokens: int) -> None:
    prompt = "\n".join(lines)
    cuts = pieces(prompt, piece_tokens, 3.0)
    assert cuts[-1] == prompt
    for shorter, longer in itertools.pairwise(cuts):
        assert longer.startswith(shorter) and len(longer) > len(shorter)
    assert all(piece.endswith("\n") for piece in cuts[:-1])
    done = len(cuts[0]) if len(cuts) > 1 else 0  # what a piece that went through already holds
    rest = pieces(prompt, piece_tokens, 3.0, start=done)
    assert rest[-1] == prompt and all(len(piece) > done for piece in rest if prompt)
    assert pieces(prompt, piece_tokens, 3.0, start=len(prompt)) == ([] if prompt else [prompt])


def test_a_small_document_is_one_piece_and_a_large_one_several() -> None:
    text = sample_text()
    assert pieces(text, 100_000, 3.5) == [text]
    several = pieces(text, 256, 3.5)
    assert len(several) >= len(text) // (256 * 4) and several[-1] == text


def service(window: int = 4096) -> CompletionService:
    config = CompletionConfig(max_tokens_line=16, max_tokens_block=16)
    return CompletionService(config, EngineConfig(model=str(TEST_MODEL), max_model_len=window))


@pytest.mark.skipif(not (TEST_MODEL / "tokenizer.json").is_file(), reason="needs the test model (make test-model)")
def test_the_warm_prompt_holds_every_block_above_a_completions_cursor() -> None:
    """vLLM reuses whole blocks of identical tokens from the start: the completion's prompt at a line of
    the document must tokenize like the warm prompt up to the last whole block before that line."""
    tokenizer = Tokenizer.from_file(str(TEST_MODEL / "tokenizer.json"))
    svc = service()
    client = ModelClient("http://127.0.0.1:9", None, "codepal-test")
    text = sample_text()
    uri = "file:///work/engine/link.py"
    warm = svc.warm_prompt(CompletionRequest(text, 0, "python", uri), client)
    assert warm is not None and "Defined in this file" not in warm.text and "Inside:" not in warm.text
    warm_ids = tokenizer.encode(warm.text, add_special_tokens=False).ids
    lines = split_lines(text, keepends=True)
    checked = 0
    for number in target_lines(text, 6):
        start = sum(len(line) for line in lines[:number])
        cursor = start + len(lines[number]) - len(lines[number].lstrip(" ")) + 5  # a few characters typed
        prompt = svc.prepare(CompletionRequest(text, cursor, "python", uri), client.model).rendered.prompt
        ids = tokenizer.encode(prompt, add_special_tokens=False).ids
        before_line = text[start - 200 : start]  # the code above the cursor's line ends the shared part
        above = len(tokenizer.encode(prompt[: prompt.rindex(before_line) + len(before_line)],
                                     add_special_tokens=False).ids)
        shared = next((i for i, (a, b) in enumerate(zip(ids, warm_ids, strict=False)) if a != b), len(ids))
        assert shared >= (above // BLOCK) * BLOCK, (number, shared, above)
        checked += 1
    assert checked == 6


def test_a_document_longer_than_the_window_is_not_warmed() -> None:
    svc = service(window=512)
    client = ModelClient("http://127.0.0.1:9", None, "codepal-test")
    assert svc.warm_prompt(CompletionRequest(sample_text(), 0, "python", "file:///a.py"), client) is None
    assert svc.warmer.stats.too_large == 1


async def test_no_warm_up_is_sent_while_a_completion_is_at_the_model() -> None:
    """The port is closed: a request sent would fail and be counted; none may be sent while busy."""
    client = ModelClient("http://127.0.0.1:9", None, "codepal-test")
    asked: list[str] = []

    async def prompt_of() -> WarmPrompt:
        asked.append("asked")
        return WarmPrompt("x = 1\n", 4, client, None)

    warmer = CacheWarmer(idle_s=lambda: 0.0, completion_rate=lambda: None)
    warmer.schedule("file:///a.py", prompt_of, 0.0)
    await asyncio.sleep(0.3)
    assert warmer.stats.requests == 0 and not asked
    await warmer.close()
    await client.aclose()


class _CountingServer:
    """Stands in for the model client: each warm-up piece takes `seconds`; records the most in flight."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.in_flight = 0
        self.most = 0
        self.prompts: list[str] = []

    async def stream_completion(self, prompt: str, **_: object) -> AsyncIterator[TextChunk]:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        self.prompts.append(prompt)
        try:
            await asyncio.sleep(self.seconds)
            yield TextChunk("x", "length")
            yield TextChunk("", None, 1, len(prompt) // 4, 0)
        finally:
            self.in_flight -= 1


def _source(server: _CountingServer, text: str) -> PromptSource:
    async def prompt_of() -> WarmPrompt:
        return WarmPrompt(text, len(text) // 4, cast(ModelClient, server), None)
    return prompt_of


async def test_documents_opened_together_send_one_piece_at_a_time() -> None:
    """An editor restoring five tabs: a completion must wait behind at most one piece, not one per document."""
    server = _CountingServer(0.02)
    warmer = CacheWarmer(idle_s=lambda: 10.0, completion_rate=lambda: None)
    text = "".join(f"line_{i} = {i}\n" for i in range(400))  # several pieces at the unmeasured size
    for n in range(5):
        warmer.schedule(f"file:///tab{n}.py", _source(server, f"# tab{n}\n{text}"), 0.0)
    async with asyncio.timeout(10):
        while warmer.stats.documents < 5:
            await asyncio.sleep(0.01)
    assert server.most == 1
    assert warmer.stats.requests == len(server.prompts) > 5
    await warmer.close()


async def test_a_closed_documents_piece_keeps_its_turn_until_it_ends() -> None:
    """Closing a document leaves its piece to finish (see the module's docstring): the next document's first
    piece starts after it, not beside it."""
    server = _CountingServer(0.2)
    warmer = CacheWarmer(idle_s=lambda: 10.0, completion_rate=lambda: None)
    warmer.schedule("file:///a.py", _source(server, "a = 1\n"), 0.0)
    async with asyncio.timeout(5):
        while not server.in_flight:
            await asyncio.sleep(0.005)
    warmer.forget("file:///a.py")
    warmer.schedule("file:///b.py", _source(server, "b = 2\n"), 0.0)
    async with asyncio.timeout(5):
        while warmer.stats.documents < 1:
            await asyncio.sleep(0.01)
    assert server.most == 1 and server.prompts == ["a = 1\n", "b = 2\n"]
    await warmer.close()


async def test_a_completion_that_starts_while_a_piece_waits_its_turn_stops_the_warm_up() -> None:
    server = _CountingServer(0.1)
    busy = False
    warmer = CacheWarmer(idle_s=lambda: 0.0 if busy else 10.0, completion_rate=lambda: None)
    warmer.schedule("file:///a.py", _source(server, "a = 1\n"), 0.0)
    async with asyncio.timeout(5):
        while not server.in_flight:
            await asyncio.sleep(0.005)
    warmer.schedule("file:///b.py", _source(server, "b = 2\n"), 0.0)
    await asyncio.sleep(0.02)  # b waits for a's piece
    busy = True  # a completion goes to the model meanwhile
    await asyncio.sleep(0.2)
    assert server.prompts == ["a = 1\n"] and warmer.stats.yielded == 1
    await warmer.close()


def _lines(count: int, name: str = "line") -> str:
    return "".join(f"{name}_{i} = {i}\n" for i in range(count))


def _warmer(idle_s: Callable[[], float] = lambda: 10.0) -> CacheWarmer:
    """Pieces of 512 tokens whatever the stand-in server's speed (its instant answers would measure a
    prefill rate that makes every document one piece)."""
    warmer = CacheWarmer(idle_s=idle_s, completion_rate=lambda: None)
    warmer.piece_tokens = lambda: 512  # type: ignore[method-assign]
    return warmer


async def _warmed(warmer: CacheWarmer, documents: int) -> None:
    async with asyncio.timeout(10):
        while warmer.stats.documents < documents:
            await asyncio.sleep(0.005)


async def test_after_an_edit_the_pieces_start_at_the_first_changed_line() -> None:
    """What went through before is cached: a pause's warm-up goes straight to the edited lines instead of
    re-reading the document from its top (each cached piece costs the engine a request)."""
    server = _CountingServer(0.0)
    warmer = _warmer()
    top, bottom = _lines(300), _lines(40, "tail")
    warmer.schedule("file:///a.py", _source(server, top + bottom), 0.0)
    await _warmed(warmer, 1)
    first = list(server.prompts)
    assert len(first) >= 3 and first[-1] == top + bottom
    server.prompts.clear()
    edited = top + "new = 1\n" + bottom
    warmer.schedule("file:///a.py", _source(server, edited), 0.0)
    await _warmed(warmer, 2)
    assert server.prompts == [edited]  # one piece: the edit and the lines after it, past the cached top
    assert warmer.stats.skipped >= 2  # the cached top, counted in its own pieces
    await warmer.close()


async def test_a_new_server_gets_the_whole_document_again() -> None:
    """The cache is the server's: after the engine restarts (another client), nothing counts as sent."""
    old, new = _CountingServer(0.0), _CountingServer(0.0)
    warmer = _warmer()
    text = _lines(300)
    warmer.schedule("file:///a.py", _source(old, text), 0.0)
    await _warmed(warmer, 1)
    warmer.schedule("file:///a.py", _source(new, text + "x = 1\n"), 0.0)
    await _warmed(warmer, 2)
    assert new.prompts[0] == old.prompts[0] and len(new.prompts) == len(old.prompts)
    assert warmer.stats.skipped == 0
    await warmer.close()


async def test_an_edit_while_warming_cuts_the_next_piece_back_to_the_lines_above_it() -> None:
    """The lines above the edit are the next completion's prompt there: the piece that would have reached
    past the edit is sent up to the line before it, and the warm-up stops there until the next pause."""
    server = _CountingServer(0.05)
    warmer = _warmer()
    text = _lines(600)
    document = {"text": text}

    async def prompt_of() -> WarmPrompt:
        return WarmPrompt(document["text"], len(document["text"]) // 4, cast(ModelClient, server), None)

    warmer.schedule("file:///a.py", prompt_of, 0.0)
    async with asyncio.timeout(5):
        while not server.prompts:
            await asyncio.sleep(0.005)
    first = server.prompts[0]
    at = text.index("line_400 = 400\n")  # well past the first piece, inside the document's pieces
    document["text"] = text[:at] + "typed = 1\n" + text[at:]
    warmer.schedule("file:///a.py", prompt_of, 10.0)  # the editor's change: the job warms again later
    async with asyncio.timeout(5):
        while warmer.stats.stale < 1:
            await asyncio.sleep(0.005)
    await asyncio.sleep(0.1)
    sent = server.prompts
    assert sent[0] == first and all(text.startswith(piece) for piece in sent)
    assert sent[-1] == text[:at]  # cut back to the line before the edit, and sent
    assert warmer.stats.cut_at_edit == 1 and warmer.stats.documents == 0
    await warmer.close()


@pytest.mark.skipif(not (TEST_MODEL / "tokenizer.json").is_file(), reason="needs the test model (make test-model)")
def test_the_warm_ups_measured_rate_sizes_a_completion_before_any_completion_has_measured_one() -> None:
    svc = service()
    text = sample_text()
    request = CompletionRequest(text, len(text) // 2, "python", "file:///work/engine/link.py")
    full = svc.prepare(request, "codepal-test")
    svc.warmer._rates.append(300.0)  # what the pieces on open measured: a slow CPU's prefill, tokens/s
    sized = svc.prepare(request, "codepal-test")
    assert len(sized.rendered.prompt) < len(full.rendered.prompt) / 2
    above_cursor = text[: len(text) // 2].rstrip()[-30:]
    assert above_cursor in sized.rendered.prompt[-200:]  # the code just above the cursor stays
