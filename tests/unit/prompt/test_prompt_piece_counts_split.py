"""Counts by pieces for tokenizers whose split is a regex in `tokenizer.json` (Qwen2's, as in the product's
DeepSeek-R1-Distill-Qwen-1.5B, and Llama-3's): the test model's vocabulary with those pre-tokenizers, the NFC
normalizer and R1's added tokens. The translated split gives the tokenizer's own pieces, counts by pieces equal
the tokenizer's, and a split that Python would read differently is caught at load and counted whole."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer

from codepal.complete.budget import TokenizerFileCounter, _PieceCounts
from codepal.complete.token_split import GPT2_REGEX, SAMPLE, compile_split, translate
from tests.support.shaped_tokenizers import LLAMA3_ADDED, LLAMA3_REGEX, QWEN2_REGEX, R1_ADDED, SOURCE, shaped

ROOT = Path(__file__).parents[3]
CODE = (ROOT / "codepal" / "complete" / "budget.py").read_text(encoding="utf-8") + "".join(
    path.read_text(encoding="utf-8") for path in sorted((ROOT / "vscode-client" / "src").glob("*.ts")))

ASCII_ADDED = [token for token in R1_ADDED if token.isascii()]

PRINTABLE = "".join(map(chr, range(0x20, 0x7F))) + "\t\n\r"
FRAGMENTS = [" ", "  ", "    ", "\t", "\n", "\r\n", "\r", "\n\n", " \n", "'s", "'S", "'t", "'LL", "'ve", "'D", "'",
             "don't", "I'LL", "it's", "x", "Ab", "CamelCase", "snake_case", "_", "0", "12", "12345", "3.14", "(",
             ")", "[]", "{", "}", "#", ".", ":", "):\n", "==", "!==", "=>", "**=", '"', '"""', "`", "\\", "\\n",
             "\\'", "def ", "return", "<", ">", "|>", "<think", "<|fim_", *ASCII_ADDED[:8]]


def slices(source: str) -> st.SearchStrategy[str]:
    return st.tuples(st.integers(0, len(source)), st.sampled_from([1, 7, 40, 300, 2000])).map(
        lambda at: source[at[0] : at[0] + at[1]])


CODE_LIKE = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join),
    st.text(alphabet=PRINTABLE, max_size=80),
    slices(CODE),
    slices(SAMPLE),
    # code with an added token inside: encoded whole, still exact
    st.tuples(slices(CODE), st.sampled_from(["<think>", "<|fim_prefix|>", "</think>"]), st.integers(0, 2000)).map(
        lambda parts: parts[0][: parts[2]] + parts[1] + parts[0][parts[2] :]),
)


@pytest.fixture(scope="module", autouse=True)
def _test_model() -> None:
    if not SOURCE.is_file():
        pytest.skip("no test model (make test-setup builds it)")


def counter_of(spec: dict[str, Any], folder: Path) -> tuple[TokenizerFileCounter, Tokenizer]:
    """The counter of `spec`, and the tokenizer itself (loaded apart, the reference for counts)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    return TokenizerFileCounter(folder / "tokenizer.json"), Tokenizer.from_file(str(folder / "tokenizer.json"))


VARIANTS = {
    "qwen2": lambda: shaped(QWEN2_REGEX, added=R1_ADDED),
    "llama3": lambda: shaped(LLAMA3_REGEX, added=LLAMA3_ADDED, ignore_merges=True),
    # a split that matches only some of the text: the text between matches makes pieces too
    "gaps": lambda: shaped(r"\p{L}+|\p{N}{2}", added=R1_ADDED),
}
SPLITS_OF_DIGITS = {"qwen2": ["x", " =", " ", "1", "2", "3", "4", "5"], "llama3": ["x", " =", " ", "123", "45"],
                    "gaps": ["x", " = ", "12", "34", "5"]}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[TokenizerFileCounter, Tokenizer]]:
    folder = tmp_path_factory.mktemp("shaped")
    return {name: counter_of(make(), folder / name) for name, make in VARIANTS.items()}


def exact(tokenizer: Tokenizer, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def test_the_split_regex_is_written_in_ascii_classes() -> None:
    assert translate(r"[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+") == (
        r"[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]{1,3}| ?[^\sA-Za-z0-9]+")
    assert translate(r"(?i:'s|'ll)|\s+(?!\S)|[]\p{Lu}]") == r"(?i:'s|'ll)|\s+(?!\S)|[]A-Z]"
    # GPT-2's split, from the tokenizers library's source: the ASCII pattern budget.py used before
    assert translate(GPT2_REGEX) == r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+"
    for untranslatable in (r"\P{L}+", r"\p{Lo}", r"\p{^L}", r"\pL", r"[[:alpha:]]", r"[a-z&&[^aeiou]]", "[a-"):
        with pytest.raises(ValueError):
            translate(untranslatable)
    with pytest.raises(ValueError):
        compile_split(r"(\p{L}+)|\s+")  # findall would answer the group


@pytest.mark.parametrize("name", VARIANTS)
def test_regex_split_tokenizers_are_counted_by_pieces(
        name: str, variants: dict[str, tuple[TokenizerFileCounter, Tokenizer]]) -> None:
    counter, _ = variants[name]
    assert counter._pieces is not None
    assert counter._pieces.split.findall("x = 12345") == SPLITS_OF_DIGITS[name]


@given(text=CODE_LIKE)
@settings(max_examples=300, deadline=None)
def test_translated_split_gives_the_tokenizers_pieces(
        text: str, variants: dict[str, tuple[TokenizerFileCounter, Tokenizer]]) -> None:
    if not text.isascii():
        return  # only printable ASCII is ever split in Python
    for counter, tokenizer in variants.values():
        assert counter._pieces is not None
        assert tokenizer.pre_tokenizer is not None
        theirs = [text[start:end] for _, (start, end) in tokenizer.pre_tokenizer.pre_tokenize_str(text)]
        assert counter._pieces.split.findall(text) == theirs


@given(text=CODE_LIKE)
@settings(max_examples=300, deadline=None)
def test_count_by_pieces_equals_the_tokenizers(
        text: str, variants: dict[str, tuple[TokenizerFileCounter, Tokenizer]]) -> None:
    for counter, tokenizer in variants.values():
        assert counter.count(text) == exact(tokenizer, text), repr(text)


def test_text_with_an_added_token_is_encoded_whole(
        variants: dict[str, tuple[TokenizerFileCounter, Tokenizer]]) -> None:
    counter, tokenizer = variants["qwen2"]
    assert counter._pieces is not None
    for text in ("x = 1  # <think>\n", "<|fim_prefix|>def f(x):\n", "a</think>b", "<|endoftext|>"):
        assert counter._pieces.count(text, counter._encode) is None
        assert counter.count(text) == exact(tokenizer, text) < len(text)
    assert counter._pieces.count("x < think > <|fim_prefix", counter._encode) is not None


def test_learn_remembers_the_pieces_of_the_regex_split(
        variants: dict[str, tuple[TokenizerFileCounter, Tokenizer]]) -> None:
    counter, tokenizer = variants["qwen2"]
    assert counter._pieces is not None
    counter._pieces._known.clear()
    assert len(list(counter.learn(CODE))) >= len(CODE) // 4096
    known = counter._pieces._known
    assert "):\n" in known and "12" not in known  # Qwen2's pieces: punctuation with its line break, lone digits
    assert all(known[piece] == exact(tokenizer, piece) for piece in list(known)[:500])
    lines = CODE.splitlines(keepends=True)
    for at in range(0, len(lines), 7):
        text = "".join(reversed(lines[at : at + 9]))[3:]
        assert counter.count(text) == exact(tokenizer, text)


def test_a_split_python_reads_differently_is_counted_whole(tmp_path: Path) -> None:
    """`^` anchors every line in Oniguruma but only the text's start in Python: the translated pattern compiles
    and splits differently from the tokenizer, and the check at load finds it."""
    regex = r"^\p{L}|" + QWEN2_REGEX
    spec = shaped(regex, added=R1_ADDED)
    counter, tokenizer = counter_of(spec, tmp_path / "anchored")
    lines = "x = 1\ndef f(): pass\n"
    assert tokenizer.pre_tokenizer is not None
    theirs = [lines[start:end] for _, (start, end) in tokenizer.pre_tokenizer.pre_tokenize_str(lines)]
    assert compile_split(regex).findall(lines) != theirs
    assert counter._pieces is None
    for text in (SAMPLE, lines, CODE[:3000]):
        assert counter.count(text) == exact(tokenizer, text)


@pytest.mark.parametrize("pre_tokenizer", [
    {"type": "Whitespace"},
    {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": r"\p{Greek}+|[^\p{Greek}]+"}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
    {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": QWEN2_REGEX}, "behavior": "Removed", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]},
], ids=["whitespace", "untranslatable", "removed"])
def test_other_pre_tokenizers_are_counted_whole(pre_tokenizer: dict[str, Any], tmp_path: Path) -> None:
    counter, tokenizer = counter_of(shaped(None, added=R1_ADDED, pre_tokenizer=pre_tokenizer), tmp_path / "t")
    assert counter._pieces is None
    for text in (SAMPLE, CODE[:3000], "x = 1 <think>\n"):
        assert counter.count(text) == exact(tokenizer, text)


def test_only_ascii_added_tokens_count_towards_the_limit(tmp_path: Path) -> None:
    """R1's added tokens are mostly full-width (`<｜User｜>`): they cannot be in text counted by pieces, so
    many of them do not send a tokenizer to whole encoding; many ASCII ones still do."""
    wide = [f"<｜token_{n}｜>" for n in range(600)]
    counter, tokenizer = counter_of(shaped(QWEN2_REGEX, added=[*R1_ADDED, *wide]), tmp_path / "wide")
    assert counter._pieces is not None and counter._pieces._added is not None
    assert re.escape("<think>") in counter._pieces._added.pattern and "｜" not in counter._pieces._added.pattern
    narrow = [f"<|token_{n}|>" for n in range(600)]
    counter, tokenizer = counter_of(shaped(QWEN2_REGEX, added=[*R1_ADDED, *narrow]), tmp_path / "narrow")
    assert counter._pieces is None
    assert counter.count("a <|token_7|> b\n") == exact(tokenizer, "a <|token_7|> b\n")


def test_of_answers_none_when_the_tokenizer_fails_the_check(
        variants: dict[str, tuple[TokenizerFileCounter, Tokenizer]]) -> None:
    """The check compares with the tokenizer's own counts: counts that are off by one for any text fail it."""
    counter, tokenizer = variants["qwen2"]

    def off_by_one(texts: list[str]) -> list[int]:
        return [count + (len(text) > 40) for text, count in zip(texts, counter._encode_many(texts), strict=True)]

    assert _PieceCounts.of(tokenizer, counter._encode_many) is not None
    assert _PieceCounts.of(tokenizer, off_by_one) is None
