"""Fit a completion context into the model's prompt budget.

Priorities, highest first: the cursor line; the file path, imports and scope; signatures, within
`signature_share` of the budget (beyond it the least relevant are dropped first, before any code is
trimmed); a notebook kernel's variables, within another such share; then the code around the cursor,
split ~75/25 between prefix and suffix (all prefix for a template without suffix), trimmed by whole
lines from the far ends. The fixed parts are measured by rendering them with the template, so special
tokens and comment markers are counted as they are. Token counts come from the model's own
`tokenizer.json` when it is on disk, else from a conservative character heuristic.
"""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from codepal.complete.context import CompletionContext, Signature
from codepal.complete.prompt import Template, render
from codepal.errors import ContextTooLarge, ModelNotAvailable
from codepal.text import split_lines

_BLOCK = 16  # lines counted per tokenizer call; exact per line only inside the block that overflows
_SLACK = 2  # tokens that merge differently where the code meets the context block or the template
# Budgeting without a template: the code before and after the cursor, nothing else.
_PLAIN = Template("plain", "", "{context}{prefix}{suffix}", (), uses_suffix=True)


@runtime_checkable
class TokenCounter(Protocol):
    def count(self, text: str) -> int:
        """Tokens `text` encodes to (no special tokens). Must be fast and side-effect free."""
        ...


class HeuristicCounter:
    """About 3.2 characters per token for ASCII, one token per other character: an overestimate for
    code in BPE vocabularies (typically 3.5-4 characters per token), so prompts never overflow."""

    def __init__(self, chars_per_token: float = 3.2) -> None:
        self.chars_per_token = chars_per_token

    def count(self, text: str) -> int:
        other = len(text) - len(text.encode("ascii", "ignore"))
        return math.ceil((len(text) - other) / self.chars_per_token) + other


_MEMO_ENTRIES = 4096


class TokenizerFileCounter:
    """Exact counts from a local `tokenizer.json` (the `tokenizers` library; never downloads)."""

    def __init__(self, path: Path | str) -> None:
        from tokenizers import Tokenizer  # imported here: loading it costs ~50 ms, only needed once

        file = Path(path)
        if not file.is_file():
            raise ModelNotAvailable(f"no tokenizer file at {file}")
        self._tokenizer = Tokenizer.from_file(str(file))
        # Typing changes one line: the blocks of lines around it are the same strings request after
        # request, so their counts are remembered (hashing a block is far cheaper than encoding it).
        self._counts: OrderedDict[str, int] = OrderedDict()

    def count(self, text: str) -> int:
        known = self._counts.get(text)
        if known is not None:
            self._counts.move_to_end(text)
            return known
        tokens = len(self._tokenizer.encode(text, add_special_tokens=False).ids)
        self._counts[text] = tokens
        if len(self._counts) > _MEMO_ENTRIES:
            self._counts.popitem(last=False)
        return tokens


def counter_for(model_dir: Path | str | None) -> TokenCounter:
    """The model's tokenizer when `model_dir/tokenizer.json` exists, else the heuristic."""
    if model_dir is not None and (Path(model_dir) / "tokenizer.json").is_file():
        return TokenizerFileCounter(Path(model_dir) / "tokenizer.json")
    return HeuristicCounter()


def fit(
    ctx: CompletionContext,
    counter: TokenCounter,
    max_prompt_tokens: int,
    template: Template | None = None,
    *,
    signature_share: float = 0.15,
) -> CompletionContext:
    """A copy of `ctx` whose rendering with `template` fits in `max_prompt_tokens` tokens. Without a
    template the budget is reckoned for a plain prefix + suffix prompt. Raises ContextTooLarge only
    when not even the cursor line fits."""
    template = template or _PLAIN
    shows_suffix = template.uses_suffix
    before = split_lines(ctx.prefix, keepends=True)
    after = split_lines(ctx.suffix, keepends=True)
    cursor_head, cursor_tail = before.pop(), after.pop(0)

    # The template, the context block and the cursor line, measured by rendering them.
    def cost(trial: CompletionContext) -> int:
        return counter.count(render(trial, template).prompt) + _SLACK

    base = dataclasses.replace(ctx, prefix=cursor_head, suffix=cursor_tail, signatures=(), kernel=())
    used = cost(base)
    if used > max_prompt_tokens:  # the cursor line matters more than the file's imports and scope
        base = dataclasses.replace(base, file_path="", imports=(), scope=())
        used = cost(base)
    if used > max_prompt_tokens:
        raise ContextTooLarge(
            f"the line at the cursor does not fit in the prompt budget of {max_prompt_tokens} tokens"
        )
    kept_signatures: list[Signature] = []
    signature_limit = min(max_prompt_tokens, used + int(max_prompt_tokens * signature_share))
    for signature in ctx.signatures:  # most relevant first
        trial = cost(dataclasses.replace(base, signatures=(*kept_signatures, signature)))
        if trial > signature_limit:
            break
        kept_signatures.append(signature)
        used = trial
    kept_kernel = _fit_kernel(ctx.kernel, dataclasses.replace(base, signatures=tuple(kept_signatures)), cost,
                              min(max_prompt_tokens, used + int(max_prompt_tokens * signature_share)))
    if kept_kernel:
        used = cost(dataclasses.replace(base, signatures=tuple(kept_signatures), kernel=kept_kernel))

    available = max_prompt_tokens - used
    suffix_share = 0.25 if shows_suffix else 0.0
    n_before, used_before = _take(before[::-1], int(available * (1 - suffix_share)), counter)
    suffix = ctx.suffix  # not shown to the model, but post-processing still reads it
    if shows_suffix:
        n_after, used_after = _take(after, available - used_before, counter)
        if n_before < len(before):  # the suffix left budget unused: give it back to the prefix
            n_before, used_before = _take(before[::-1], available - used_after, counter)
        suffix = cursor_tail + "".join(after[:n_after])
    prefix = "".join(before[len(before) - n_before :]) + cursor_head
    return dataclasses.replace(
        base, prefix=prefix, suffix=suffix, signatures=tuple(kept_signatures), kernel=kept_kernel,
        binary=ctx.binary,
    )


def _fit_kernel(facts: tuple[str, ...], base: CompletionContext, cost: Callable[[CompletionContext], int],
                limit: int) -> tuple[str, ...]:
    """The most relevant notebook-kernel facts that fit under `limit` tokens (one measure when all do)."""
    if not facts or cost(dataclasses.replace(base, kernel=facts)) <= limit:
        return facts
    kept: list[str] = []
    for fact in facts:
        if cost(dataclasses.replace(base, kernel=(*kept, fact))) > limit:
            break
        kept.append(fact)
    return tuple(kept)


def _take(lines: Sequence[str], budget: int, counter: TokenCounter) -> tuple[int, int]:
    """How many of `lines` (nearest first) fit in `budget`, and the tokens they use. Lines are counted
    a block at a time (one tokenizer call per block), plus one token per block for merges across block
    boundaries, so the count stays an upper bound."""
    taken = used = 0
    while taken < len(lines):
        block = lines[taken : taken + _BLOCK]
        cost = counter.count("".join(block)) + 1
        if used + cost <= budget:
            taken, used = taken + len(block), used + cost
            continue
        for line in block:
            cost = counter.count(line) + 1
            if used + cost > budget:
                return taken, used
            taken, used = taken + 1, used + cost
        return taken, used
    return taken, used
