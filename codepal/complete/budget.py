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

import json
import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from codepal.complete.context import CompletionContext, Signature, with_changes
from codepal.complete.prompt import Template, render
from codepal.complete.token_split import sample_texts, split_of
from codepal.errors import ContextTooLarge, ModelNotAvailable
from codepal.text import split_lines
from codepal.text.lines import LINE_BREAK

log = logging.getLogger(__name__)

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
        # The same ids without offsets (tokenizers >= 0.20): about a sixth less time for a block of lines,
        # on the calling thread (a batch of one is not spread over threads).
        fast = getattr(self._tokenizer, "encode_batch_fast", None)
        self._batch: Callable[..., list[Any]] | None = fast
        self._pieces = _PieceCounts.of(self._tokenizer, self._encode_many)

    def _encoded_length(self, text: str) -> int:
        if self._pieces is not None:
            found = self._pieces.count(text, self._encode)
            if found is not None:
                return found
        return self._encode(text)

    def _encode(self, text: str) -> int:
        if self._batch is not None:
            return len(self._batch([text], add_special_tokens=False)[0])
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def _encode_many(self, texts: list[str]) -> list[int]:
        encode = self._batch or self._tokenizer.encode_batch
        return [len(found) for found in encode(texts, add_special_tokens=False)]

    def learn(self, text: str) -> Iterator[None]:
        """Remember the counts of the pieces of `text` (a document opened or edited), a slice of lines
        at a time, pausing (a `yield`) after each: done while the editor is idle, so that a completion
        anywhere in the document counts its lines from remembered pieces."""
        if self._pieces is None:
            return
        start = 0
        while start < len(text):
            end = text.find("\n", start + _LEARN_CHARS) + 1 or len(text)
            self._pieces.learn(text[start:end], self._encode_many)
            start = end
            yield

    def count(self, text: str) -> int:
        known = self._counts.get(text)
        if known is not None:
            self._counts.move_to_end(text)
            return known
        tokens = self._encoded_length(text)
        self._counts[text] = tokens
        if len(self._counts) > _MEMO_ENTRIES:
            self._counts.popitem(last=False)
        return tokens


# Pieces are counted on text of printable ASCII, tabs and line breaks only: there the tokenizer's split is the
# Python pattern `token_split` makes of it (`_NOT_PLAIN` finds the rest).
_NOT_PLAIN = re.compile(r"[^\x20-\x7e\t\n\r]")
_PIECE_ENTRIES = 1 << 16
_LEARN_CHARS = 2048  # a slice of `learn`: ~0.3 ms with its new pieces on this machine's CPU
_LEARN_BATCH = 256
# Text holding an added token is encoded whole, found by one pattern of every ASCII added token (the others
# cannot be in text counted by pieces); models have a few dozen. Past this many the pattern costs more than the
# tokenizer (148,000 ASCII added tokens: 3 ms a count), so such a tokenizer is not counted by pieces.
_MAX_ADDED = 512


class _PieceCounts:
    """Token counts summed over the pre-tokenizer's pieces, each piece's count remembered.

    A byte-level BPE tokenizer encodes every piece of its split on its own (GPT-2's split, or the regex of
    Qwen2's and Llama-3's `Split`), so the tokens of a text are the sum of its pieces' (exact, not an
    estimate). Code is made of few distinct pieces (names, operators, indentation), so text never seen before
    (the cursor's line, the lines near a cursor moved elsewhere) is counted from remembered pieces without
    calling the tokenizer: its call costs ~12 µs warm and ~130 µs after an idle half second (measured on the
    test model's tokenizer), most of a cold `prepare`'s time. Only for text of printable ASCII without added
    tokens; `count` answers None for anything else (the caller encodes it whole)."""

    def __init__(self, split: re.Pattern[str], added: re.Pattern[str] | None) -> None:
        self.split = split
        self._findall = split.findall
        self._added = added
        self._known: dict[str, int] = {}

    @classmethod
    def of(cls, tokenizer: Any, encode_many: Callable[[list[str]], list[int]]) -> _PieceCounts | None:
        """For a tokenizer whose encoding is its pieces' (`token_split.split_of`, BPE without dropout) and whose
        pieces and counts match its own on `token_split.SAMPLE`, else None."""
        # The parts read one by one: the whole file as JSON (`to_str`) holds the vocabulary and merges (41 ms
        # for SmolLM2's 49,152 tokens, more for larger vocabularies).
        try:
            parts = {name: _settings(getattr(tokenizer, name)) for name in ("normalizer", "pre_tokenizer")}
            model = tokenizer.model
            added_tokens = [token.content for token in tokenizer.get_added_tokens_decoder().values()]
        except Exception:  # an unusual tokenizer: encode whole
            return None
        split = split_of(parts)
        if split is None or type(model).__name__ != "BPE" or getattr(model, "dropout", None):
            return None
        # Text with anything but printable ASCII is encoded whole, so only ASCII added tokens can be in the
        # text counted by pieces (R1's own, `<｜User｜>` and the like, cannot).
        contents = sorted({content for content in added_tokens if content and content.isascii()})
        if len(contents) > _MAX_ADDED:
            return None
        added = re.compile("|".join(map(re.escape, contents))) if contents else None
        pieces = cls(split, added)
        try:
            agrees = pieces._agrees_on_sample(tokenizer, encode_many)
        except Exception:  # whatever goes wrong in the check (the tokenizer's own call included): encode whole
            agrees = False
        if not agrees:
            log.info("the tokenizer's split read as %r splits or counts differently; encoding whole", split.pattern)
            return None
        return pieces

    def _agrees_on_sample(self, tokenizer: Any, encode_many: Callable[[list[str]], list[int]]) -> bool:
        """Whether `token_split.SAMPLE`, whole and line by line, splits into the tokenizer's own pieces and their
        counts sum to its count of the text: Python's `re` and the tokenizer's Oniguruma could read a translated
        split differently. One tokenizer call for the sample's pieces and texts together; ~3 ms in all."""
        texts = sample_texts()
        split = tokenizer.pre_tokenizer.pre_tokenize_str
        for text in texts:
            if self._findall(text) != [text[start:end] for _, (start, end) in split(text)]:
                return False
        pieces = sorted({piece for text in texts for piece in self._findall(text)})
        counts = encode_many([*pieces, *texts])
        self._known.update(zip(pieces, counts[: len(pieces)], strict=True))
        whole = counts[len(pieces) :]
        try:
            return all(self.count(text, lambda piece: encode_many([piece])[0]) == tokens
                       for text, tokens in zip(texts, whole, strict=True))
        finally:  # the pieces known are the documents' (`learn`), not the sample's
            self._known.clear()

    def learn(self, text: str, encode: Callable[[list[str]], list[int]]) -> None:
        known = self._known
        new = [piece for piece in set(self._findall(text)) if piece not in known and piece.isascii()]
        if len(known) + len(new) > _PIECE_ENTRIES:
            known.clear()
        for at in range(0, len(new), _LEARN_BATCH):
            batch = new[at : at + _LEARN_BATCH]
            known.update(zip(batch, encode(batch), strict=True))

    def count(self, text: str, encode: Callable[[str], int]) -> int | None:
        if not text.isascii() or _NOT_PLAIN.search(text) is not None:
            return None
        if self._added is not None and self._added.search(text) is not None:
            return None
        pieces = self._findall(text)
        known = self._known
        try:
            return sum(map(known.__getitem__, pieces))
        except KeyError:
            pass
        if len(known) > _PIECE_ENTRIES:
            known.clear()
        total = 0
        for piece in pieces:
            tokens = known.get(piece)
            if tokens is None:
                tokens = known[piece] = encode(piece)
            total += tokens
        return total


def _settings(part: Any) -> Any:
    """A tokenizer part's settings as in `tokenizer.json` (its pickled state is that JSON), None for no part."""
    return None if part is None else json.loads(part.__getstate__())


def counter_for(model_dir: Path | str | None) -> TokenCounter:
    """The model's tokenizer when `model_dir/tokenizer.json` exists, else the heuristic."""
    if model_dir is not None and (Path(model_dir) / "tokenizer.json").is_file():
        try:
            return TokenizerFileCounter(Path(model_dir) / "tokenizer.json")
        except Exception:  # a broken tokenizer file must not stop completions
            log.warning("cannot load %s; estimating token counts", Path(model_dir) / "tokenizer.json")
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
    before, cursor_row, cursor_head = _LINES.before(ctx.prefix)
    after, cursor_tail = (_LINES.after(ctx.suffix, cursor_row + 1) if shows_suffix
                          else (None, _first_line(ctx.suffix)))
    try:
        return _fit(ctx, counter, max_prompt_tokens, template, signature_share, before, after, cursor_head,
                    cursor_tail)
    finally:  # handed back for the next keystroke: typing leaves the lines above the cursor's as they were
        _LINES.keep(before)
        if after is not None:
            _LINES.keep(after)


def _fit(ctx: CompletionContext, counter: TokenCounter, max_prompt_tokens: int, template: Template,
         signature_share: float, before: _Lines, after: _Lines | None, cursor_head: str,
         cursor_tail: str) -> CompletionContext:
    shows_suffix = after is not None

    # The template and the context block are measured by rendering them without the code, so the
    # text counted is the same from keystroke to keystroke (the counter remembers it); the cursor line
    # is counted on its own, with a token for each seam.
    cursor_cost = counter.count(cursor_head) + (counter.count(cursor_tail) if shows_suffix else 0) + 2

    def cost(trial: CompletionContext) -> int:
        frame = with_changes(trial, prefix="", suffix="")
        return _frame_tokens(frame, template, counter) + cursor_cost + _SLACK

    base = with_changes(ctx, prefix=cursor_head, suffix=cursor_tail, signatures=(), kernel=())
    # cost(base), without a second copy: base's frame is ctx's without code, signatures and kernel.
    frame = with_changes(base, prefix="", suffix="")
    used = _frame_tokens(frame, template, counter) + cursor_cost + _SLACK
    if used > max_prompt_tokens:  # the cursor line matters more than the file's imports and scope
        base = with_changes(base, file_path="", imports=(), scope=())
        used = cost(base)
    if used > max_prompt_tokens:
        raise ContextTooLarge(
            f"the line at the cursor does not fit in the prompt budget of {max_prompt_tokens} tokens"
        )
    # Each signature is charged what it costs rendered alone (its own group heading included, plus a
    # token per seam): an upper bound, and the same text wherever the cursor is, so it is remembered.
    def signature_cost(signature: Signature) -> int:
        key = (signature, ctx.language, template)
        known = _SIGNATURES.get(key)
        if known is None or known[0] is not counter:
            empty = _frame_tokens(CompletionContext("", "", ctx.language), template, counter)
            alone = CompletionContext("", "", ctx.language, signatures=(signature,))
            known = _SIGNATURES[key] = (counter, _frame_tokens(alone, template, counter) - empty + 2)
            if len(_SIGNATURES) > 1024:
                _SIGNATURES.pop(next(iter(_SIGNATURES), key), None)  # the oldest
        return known[1]

    kept_signatures: list[Signature] = []
    signature_limit = min(max_prompt_tokens, used + int(max_prompt_tokens * signature_share))
    for signature in ctx.signatures:  # most relevant first
        trial = used + signature_cost(signature)
        if trial > signature_limit:
            break
        kept_signatures.append(signature)
        used = trial
    kept_kernel = _fit_kernel(ctx.kernel, with_changes(base, signatures=tuple(kept_signatures)), cost,
                              min(max_prompt_tokens, used + int(max_prompt_tokens * signature_share)))
    if kept_kernel:
        used = cost(with_changes(base, signatures=tuple(kept_signatures), kernel=kept_kernel))

    available = max_prompt_tokens - used
    suffix_share = 0.25 if shows_suffix else 0.0
    n_before, used_before = _take(before, int(available * (1 - suffix_share)), counter)
    suffix = ctx.suffix  # not shown to the model, but post-processing still reads it
    if after is not None:
        n_after, used_after = _take(after, available - used_before, counter)
        if not before.all_within(n_before):  # the suffix left budget unused: give it back to the prefix
            n_before, used_before = _take(before, available - used_after, counter)
        suffix = cursor_tail + after.joined(n_after)
    prefix = before.joined(n_before) + cursor_head
    return with_changes(
        base, prefix=prefix, suffix=suffix, signatures=tuple(kept_signatures), kernel=kept_kernel,
        binary=ctx.binary,
    )


def _fit_kernel(facts: tuple[str, ...], base: CompletionContext, cost: Callable[[CompletionContext], int],
                limit: int) -> tuple[str, ...]:
    """The most relevant notebook-kernel facts that fit under `limit` tokens (one measure when all do)."""
    if not facts or cost(with_changes(base, kernel=facts)) <= limit:
        return facts
    kept: list[str] = []
    for fact in facts:
        if cost(with_changes(base, kernel=(*kept, fact))) > limit:
            break
        kept.append(fact)
    return tuple(kept)


# (signature, language, template) -> (the counter, what the signature adds to the frame): a signature costs
# the same wherever the cursor is, and building a frame for each one at every keystroke cost more than `fit`'s
# reckoning. A different counter (another model) recounts it.
_SIGNATURES: dict[tuple[Signature, str, Template], tuple[TokenCounter, int]] = {}

# (frame, template, id of the counter) -> (the counter, tokens); the counter is kept so its id is not reused.
_FRAMES: OrderedDict[tuple[CompletionContext, Template, int], tuple[TokenCounter, int]] = OrderedDict()


def _frame_tokens(frame: CompletionContext, template: Template, counter: TokenCounter) -> int:
    """Tokens of the prompt without its code: the same few frames recur keystroke after keystroke."""
    key = (frame, template, id(counter))
    known = _FRAMES.get(key)
    if known is None or known[0] is not counter:
        known = _FRAMES[key] = (counter, counter.count(render(frame, template).prompt))
        if len(_FRAMES) > 256:
            _FRAMES.popitem(last=False)
    return known[1]


def _first_line(text: str) -> str:
    match = LINE_BREAK.search(text)
    return text[: match.end()] if match else text


class _Lines:
    """The lines of a text (with their breaks) nearest the cursor first: from the end of the prefix,
    or from the start of the suffix. Split a chunk at a time as they are asked for: the budget of a
    2,000-line file takes a few hundred lines, and splitting the rest on every keystroke cost more
    than everything else in `fit`."""

    _CHUNK = 8192

    def __init__(self, text: str, from_end: bool, phase: int = 0) -> None:
        self._text = text
        self._from_end = from_end
        # Where the blocks `_take` counts begin, so that they fall on the same lines of the document
        # wherever the cursor is: the tokenizer's counts of the blocks are remembered by their text.
        self.phase = phase
        self._lines: list[str] = []
        self._rest = len(text) if from_end else 0  # where the part not split yet ends (starts)
        self._done = not text
        self._taken = False  # the cursor's line was taken out
        # Set by `_LineMemo` for a reused object: the text besides the cursor's line it stands for.
        self.rest = ""
        self.rows = 0  # line breaks in `rest` (of the text before the cursor)
        # Cumulative (lines, tokens) after each whole block `_take` counted, for `sums_counter`.
        self.sums: list[tuple[int, int]] = []
        self.sums_counter: TokenCounter | None = None
        self._joined: tuple[int, str] = (-1, "")

    def _more(self) -> bool:
        """Split the next chunk; False when the text is used up."""
        if self._done:
            return False
        chunk = self._CHUNK
        while True:
            if self._from_end:
                start = max(0, self._rest - chunk)
                pieces = split_lines(self._text[start : self._rest], keepends=True)
                if self._lines or self._taken:
                    pieces.pop()  # "": this part ends with a line break (the cursor's line was read first)
                if start == 0:
                    self._lines += reversed(pieces)
                    self._done = True
                    return True
                if len(pieces) > 1:
                    partial = pieces.pop(0)  # may start mid-line (or hold the \n of a \r\n): re-read
                    self._lines += reversed(pieces)
                    self._rest = start + len(partial)
                    return True
            else:
                end = min(len(self._text), self._rest + chunk)
                pieces = split_lines(self._text[self._rest : end], keepends=True)
                if end == len(self._text):
                    self._lines += [piece for piece in pieces if piece] or pieces[:1]
                    self._done = True
                    return True
                pieces.pop()  # may end mid-line: re-read
                if pieces and pieces[-1].endswith("\r"):
                    pieces.pop()  # a \r whose \n may come next: re-read
                if pieces:
                    self._lines += pieces
                    self._rest += sum(map(len, pieces))
                    return True
            chunk *= 2  # a line longer than the chunk

    def take_first(self) -> str:
        """Remove and return the cursor's own line (the text is never empty of it: '' at worst)."""
        if not self._lines and not self._more():
            return ""
        self._taken = True
        return self._lines.pop(0)

    def block(self, start: int, size: int) -> list[str]:
        while len(self._lines) < start + size and self._more():
            pass
        return self._lines[start : start + size]

    def all_within(self, count: int) -> bool:
        """Whether the text has no more than `count` lines left."""
        return len(self.block(count, 1)) == 0

    def joined(self, count: int) -> str:
        """The first `count` lines in document order."""
        if self._joined[0] != count:
            lines = self.block(0, count)
            self._joined = (count, "".join(reversed(lines) if self._from_end else lines))
        return self._joined[1]

    def sums_for(self, counter: TokenCounter) -> list[tuple[int, int]]:
        if self.sums_counter is not counter:
            self.sums, self.sums_counter = [], counter
        return self.sums


class _LineMemo:
    """The `_Lines` of the last few texts around the cursor, with the cursor's line taken out and the
    token counts of their blocks. Typing changes only the cursor's line: the next keystroke finds the
    lines above it split and their blocks summed (no line splitting, no row count, no joining and
    looking up every block of the budget again). An object is taken out while one call uses it, so
    threads never share one."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._entries: list[_Lines] = []
        self._lock = threading.Lock()

    def _take_out(self, found: Callable[[_Lines], bool]) -> _Lines | None:
        with self._lock:
            for index, lines in enumerate(self._entries):
                if found(lines):
                    return self._entries.pop(index)
        return None

    def keep(self, lines: _Lines) -> None:
        with self._lock:
            self._entries.insert(0, lines)
            del self._entries[self._size :]

    def before(self, prefix: str) -> tuple[_Lines, int, str]:
        """The lines before the cursor's (nearest first), the cursor's row, and the cursor's line."""
        cut = max(prefix.rfind("\n"), prefix.rfind("\r")) + 1  # the cursor's line has no line break
        lines = self._take_out(
            lambda known: known._from_end and len(known.rest) == cut and prefix.startswith(known.rest))
        if lines is None:
            rows = prefix.count("\n", 0, cut)
            lines = _Lines(prefix, from_end=True, phase=-rows % _BLOCK)
            lines.take_first()
            lines.rest, lines.rows = prefix[:cut], rows
        return lines, lines.rows, prefix[cut:]

    def after(self, suffix: str, phase: int) -> tuple[_Lines, str]:
        """The lines after the cursor's (nearest first), and the cursor's line from the cursor on."""
        tail = _first_line(suffix)
        size = len(suffix) - len(tail)
        lines = self._take_out(lambda known: not known._from_end and known.phase == phase
                               and len(known.rest) == size and suffix.endswith(known.rest))
        if lines is None:
            lines = _Lines(suffix, from_end=False, phase=phase)
            lines.take_first()
            lines.rest = suffix[len(tail):]
        return lines, tail


def _take(lines: _Lines, budget: int, counter: TokenCounter) -> tuple[int, int]:
    """How many of `lines` (nearest first) fit in `budget`, and the tokens they use. Lines are counted
    a block at a time (one tokenizer call per block), plus one token per block for merges across block
    boundaries, so the count stays an upper bound. The blocks' sums are kept on `lines` for the next
    call on the same lines (the next keystroke)."""
    taken = used = 0
    sums = lines.sums_for(counter)
    for whole, tokens in sums:
        if tokens > budget:
            break
        taken, used = whole, tokens
    else:
        while True:
            block = lines.block(taken, _BLOCK - (lines.phase + taken) % _BLOCK)
            if not block:
                return taken, used
            tokens = used + counter.count("".join(block)) + 1
            sums.append((taken + len(block), tokens))
            if tokens > budget:
                break
            taken, used = taken + len(block), tokens
    for line in lines.block(taken, _BLOCK - (lines.phase + taken) % _BLOCK):  # the block that overflows
        cost = counter.count(line) + 1
        if used + cost > budget:
            return taken, used
        taken, used = taken + 1, used + cost
    return taken, used


_LINES = _LineMemo()
