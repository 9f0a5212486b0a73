from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codepal.complete.budget import HeuristicCounter, TokenCounter, TokenizerFileCounter, counter_for, fit
from codepal.complete.context import CompletionContext, Signature
from codepal.complete.prompt import load_templates, render
from codepal.errors import ContextTooLarge, ModelNotAvailable

COUNTER = HeuristicCounter()


def lines(name: str, count: int) -> str:
    return "".join(f"{name} line {i:03d}\n" for i in range(count))


def context(before: int = 100, after: int = 100, **kwargs: object) -> CompletionContext:
    return CompletionContext(
        prefix=lines("before", before) + "value = comp",
        suffix="ute(x)\n" + lines("after", after),
        language="python",
        **kwargs,  # type: ignore[arg-type]
    )


def test_heuristic_counter() -> None:
    assert COUNTER.count("") == 0
    assert COUNTER.count("abcdefghij") == 4  # ceil(10 / 3.2)
    assert COUNTER.count("錯誤😋") == 3  # one per non-ASCII character: CJK is about a token each
    assert isinstance(COUNTER, TokenCounter)


def test_tokenizer_file_counter(tmp_path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.WordLevel({"def": 0, "f": 1, "(": 2, ")": 3, "[UNK]": 4}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    counter = TokenizerFileCounter(tmp_path / "tokenizer.json")
    assert counter.count("def f ( )") == 4
    assert isinstance(counter_for(tmp_path), TokenizerFileCounter)
    assert isinstance(counter_for(tmp_path / "missing"), HeuristicCounter)
    assert isinstance(counter_for(None), HeuristicCounter)
    with pytest.raises(ModelNotAvailable):
        TokenizerFileCounter(tmp_path / "nope.json")


TEST_MODEL = Path(__file__).parents[3] / ".cache" / "test-model"


@pytest.mark.skipif(not (TEST_MODEL / "tokenizer.json").is_file(), reason="the test model is not built")
@given(st.text(max_size=300) | st.sampled_from(["def f(x):\n    return x\n" * 8, "  錯誤😋 é\r\n\t", ""]))
@settings(max_examples=200, deadline=None)
def test_tokenizer_file_counter_counts_what_encode_gives(text: str) -> None:
    """The counter's fast path (no offsets) gives the length of the ids `encode` gives."""
    counter, tokenizer = _test_model_tokenizers()
    assert counter.count(text) == len(tokenizer.encode(text, add_special_tokens=False).ids)


@cache
def _test_model_tokenizers() -> tuple[TokenizerFileCounter, Any]:
    from tokenizers import Tokenizer

    path = TEST_MODEL / "tokenizer.json"
    return TokenizerFileCounter(path), Tokenizer.from_file(str(path))


def test_everything_fits_unchanged() -> None:
    ctx = context(5, 5, imports=("import os",), signatures=(Signature("f", "def f():"),))
    assert fit(ctx, COUNTER, 4096) == ctx


def test_trims_whole_lines_from_the_far_ends_about_75_25() -> None:
    ctx = fit(context(), COUNTER, 400)
    assert ctx.prefix.endswith("before line 099\nvalue = comp") and ctx.suffix.startswith(
        "ute(x)\nafter line 000\n"
    )
    kept_before = ctx.prefix.count("\n")
    kept_after = ctx.suffix.count("\n") - 1
    assert ctx.prefix.startswith(f"before line {100 - kept_before:03d}\n")  # whole lines only
    assert ctx.suffix.endswith(f"after line {kept_after - 1:03d}\n")
    assert 2.4 <= kept_before / kept_after <= 3.6


def test_unused_suffix_budget_goes_to_the_prefix() -> None:
    ctx = fit(context(before=200, after=2), COUNTER, 400)
    assert ctx.suffix == "ute(x)\n" + lines("after", 2)
    assert ctx.prefix.count("\n") > fit(context(before=200, after=200), COUNTER, 400).prefix.count("\n")


def test_prefix_only_template_keeps_the_suffix_for_post_processing() -> None:
    original = context()
    ctx = fit(original, COUNTER, 300, load_templates()["prefix"])
    assert ctx.suffix == original.suffix
    assert ctx.prefix.count("\n") > fit(original, COUNTER, 300).prefix.count("\n")


def test_signatures_go_first_beyond_their_share_least_relevant_first() -> None:
    signatures = tuple(Signature(f"s{i}", f"def s{i}(argument_{i}: int) -> int:", "m.py") for i in range(10))
    ctx = fit(context(signatures=signatures), COUNTER, 400)
    assert 0 < len(ctx.signatures) < 10
    assert ctx.signatures == signatures[: len(ctx.signatures)]


def test_cursor_line_beats_imports_and_scope_and_too_large_raises() -> None:
    long_line = "x = [" + ", ".join(str(i) for i in range(60)) + "]"
    ctx = CompletionContext(
        long_line, "\n", "python", "a.py", scope=("def f():",), imports=("import os",) * 20
    )
    trimmed = fit(ctx, COUNTER, 120)
    assert trimmed.prefix == long_line and trimmed.imports == () and trimmed.scope == ()
    with pytest.raises(ContextTooLarge):
        fit(ctx, COUNTER, 30)


code_lines = st.lists(
    st.text(st.sampled_from("ab (){}:=é錯\t"), max_size=30).map(lambda s: s + "\n"), max_size=60
)


@given(
    before=code_lines,
    after=code_lines,
    imports=st.lists(st.sampled_from(["import os", "from a import (\n  b,\n)", "import sys"]), max_size=3),
    n_signatures=st.integers(0, 6),
    budget=st.integers(40, 600),
)
@settings(max_examples=150, deadline=None)
def test_rendered_prompt_never_exceeds_the_budget(
    before: list[str], after: list[str], imports: list[str], n_signatures: int, budget: int
) -> None:
    signatures = tuple(Signature(f"f{i}", f"def f{i}(x):", f"pkg/m{i % 2}.py") for i in range(n_signatures))
    ctx = CompletionContext(
        "".join(before) + "y = ",
        "(1)\n" + "".join(after),
        "python",
        "pkg/main.py",
        scope=("class A:", "def m(self):"),
        imports=tuple(imports),
        signatures=signatures,
    )
    for name, template in load_templates().items():
        try:
            fitted = fit(ctx, COUNTER, budget, template)
        except ContextTooLarge:
            continue
        assert fitted.prefix.endswith("y = ")
        assert COUNTER.count(render(fitted, template).prompt) <= budget, name


@given(
    pieces=st.lists(st.sampled_from(["a", "bc ", "\n", "\r\n", "\r", "é", "x" * 50]), max_size=400),
    chunk=st.sampled_from([1, 3, 8, 64]),
)
@settings(max_examples=150, deadline=None)
def test_lines_split_lazily_are_the_lines_of_the_text(pieces: list[str], chunk: int) -> None:
    """Chunk by chunk, from either end, `\\r\\n` split across chunks included: the same lines."""
    from codepal.complete import budget
    from codepal.text import split_lines

    text = "".join(pieces)
    expected = split_lines(text, keepends=True)
    original = budget._Lines._CHUNK
    budget._Lines._CHUNK = chunk
    try:
        backward = budget._Lines(text, from_end=True)
        head = backward.take_first()
        assert head == expected[-1]
        assert backward.joined(len(expected)) == "".join(expected[:-1])
        forward = budget._Lines(text, from_end=False)
        assert forward.take_first() + forward.joined(len(expected)) == text
    finally:
        budget._Lines._CHUNK = original
