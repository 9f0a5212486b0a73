"""Token counts summed over remembered pre-tokenizer pieces (`_PieceCounts`) equal the tokenizer's own
count of the whole text, for both local models' tokenizers, on code, on made-up text built from the
characters GPT-2's split treats specially, and after an idle `learn` of a document."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codepal.bench.shape_model import PAD, padded_tokenizer
from codepal.complete.budget import TokenizerFileCounter
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.types import CompletionRequest

CACHE = Path(__file__).parents[3] / ".cache"
TOKENIZERS = [CACHE / name / "tokenizer.json" for name in ("test-model", "real-model")]
CODE = (Path(__file__).parents[3] / "codepal" / "complete" / "budget.py").read_text(encoding="utf-8")
SPECIAL = [" ", "  ", "\t", "\n", "\r\n", "\r", "'s", "'t", "'re", "'ll", "'", "x", "Ab", "_", "0", "12",
           "(", ")", "#", ".", "é", "<|endoftext|>", "<|fim_prefix|>", "\x0b", "def ", "    "]


def counters() -> list[TokenizerFileCounter]:
    found = [TokenizerFileCounter(path) for path in TOKENIZERS if path.is_file()]
    if not found:
        pytest.skip("no local tokenizer (make test-setup builds the test model)")
    return found


@pytest.mark.parametrize("path", TOKENIZERS, ids=["test-model", "real-model"])
def test_the_local_tokenizers_are_counted_by_pieces(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"no {path}")
    assert TokenizerFileCounter(path)._pieces is not None


def test_the_gpu_shape_models_tokenizer_is_counted_by_pieces_and_many_ascii_added_tokens_whole(
        tmp_path: Path) -> None:
    """The GPU bench's shape model: the test model's tokenizer padded with 148,000 added tokens `ŵ4096`, ….
    They are not ASCII, so code never holds one and counts go by pieces; the same padding in ASCII (`w4096`,
    …) would have to be matched in every text (3 ms a count), so such a tokenizer is counted whole. Either way
    the counts are exact."""
    source = CACHE / "test-model" / "tokenizer.json"
    if not source.is_file():
        pytest.skip("no test model")
    padded = padded_tokenizer(json.loads(source.read_text(encoding="utf-8")))
    ascii_padded = copy.deepcopy(padded)
    for token in ascii_padded["added_tokens"]:
        token["content"] = token["content"].replace(PAD, "w")
    for name, spec, by_pieces in (("shape", padded, True), ("ascii", ascii_padded, False)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
        counter = TokenizerFileCounter(tmp_path / name / "tokenizer.json")
        assert (counter._pieces is not None) is by_pieces, name
        for text in (CODE[:600], "w5000 = w4097 + 1\n", f"{PAD}5000 = {PAD}4097 + 1\n"):
            assert counter.count(text) == counter._encode(text)
    assert counter.count("w5000") == 1


@given(pieces=st.lists(st.sampled_from(SPECIAL), max_size=30), start=st.integers(0, len(CODE)),
       size=st.sampled_from([0, 1, 7, 40, 300, 2000]))
@settings(max_examples=80, deadline=None)
def test_count_by_pieces_equals_the_tokenizers(pieces: list[str], start: int, size: int) -> None:
    for counter in counters():
        for text in ("".join(pieces), CODE[start : start + size], CODE[start : start + size] + "".join(pieces)):
            assert counter.count(text) == counter._encode(text), repr(text)


def test_learn_goes_a_slice_at_a_time_and_counts_stay_exact() -> None:
    for counter in counters():
        assert counter._pieces is not None
        slices = list(counter.learn(CODE))
        assert len(slices) >= len(CODE) // 4096  # the event loop gets a turn between slices
        known = len(counter._pieces._known)
        assert known > 100
        lines = CODE.splitlines(keepends=True)
        for at in range(0, len(lines), 7):
            text = "".join(reversed(lines[at : at + 9]))[3:]
            assert counter.count(text) == counter._encode(text)


async def test_service_learns_an_open_documents_pieces_once() -> None:
    model = CACHE / "test-model"
    if not (model / "tokenizer.json").is_file():
        pytest.skip("no test model")
    service = CompletionService(CompletionConfig(), EngineConfig(model=str(model)))
    request = CompletionRequest(CODE, 0, "python", uri="file:///w/budget.py")
    counter = service.counter(str(model))
    assert isinstance(counter, TokenizerFileCounter) and counter._pieces is not None
    await service.learn(request, str(model))
    learned = dict(counter._pieces._known)
    assert len(learned) > 100
    counter._pieces._known.clear()
    await service.learn(request, str(model))  # the same version: nothing to do
    assert counter._pieces._known == {}
    await service.learn(CompletionRequest(CODE + "x = 1\n", 0, "python", uri=request.uri), str(model))
    assert counter._pieces._known.keys() >= learned.keys() - {"\n"}
