"""The completion entry point: context → budget → prompt → request → post-processing → cache."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from codepal.client import ModelClient
from codepal.complete.budget import HeuristicCounter, TokenCounter, counter_for, fit
from codepal.complete.cache import SuggestionCache
from codepal.complete.context import CompletionContext, build_context, with_changes
from codepal.complete.flight import Flight
from codepal.complete.healing import heal, restore
from codepal.complete.pace import EnginePace, Sample
from codepal.complete.policy import LatestWins
from codepal.complete.postprocess import Context, cursor_context, postprocess, wants_single_line
from codepal.complete.prompt import RenderedPrompt, Template, choose_template, render
from codepal.complete.warmup import WARM_DELAY_S, CacheWarmer, WarmPrompt
from codepal.config import CompletionConfig, EngineConfig
from codepal.engine.device import detect_device
from codepal.engine.model_files import local_model_dir
from codepal.engine.model_traits import choose_stops, read_traits
from codepal.errors import BackendError, BackendUnavailable, CodepalError
from codepal.languages import normalize_language
from codepal.types import Completion, CompletionRequest, LatencyStats

log = logging.getLogger(__name__)
SETUP_REFRESH_S = 5.0  # how long `prepare` trusts what it found of the model's files
SETUP_LOOK_DELAY_S = 1.0  # a look past that is taken this long after the request: most likely while idle


@dataclass
class CompletionStats:
    requests: int = 0  # completion calls from a surface
    model_requests: int = 0  # calls that reached the model server
    cache_hits: int = 0
    superseded: int = 0
    empty: int = 0
    errors: int = 0
    deadline_missed: int = 0  # model requests that had no answer by the deadline
    # Model requests closed while streaming (a newer key, an edit), and the pieces they had streamed by
    # then: what vLLM generated for them beyond that is the cost of the abort's delay.
    cancelled_streaming: int = 0
    tokens_before_cancel: int = 0
    tokens_streamed: int = 0  # pieces of text completion requests have received from the model, all told
    cancelled_on_edit: int = 0  # requests stopped by the edit itself (`document_changed`), at the model or waiting
    kept_streams: int = 0  # streams kept because the user typed what they had produced (`flight`)
    typed_through_streams: int = 0  # requests answered from a kept stream
    latency: LatencyStats = field(default_factory=LatencyStats)


@dataclass(frozen=True)
class PreparedPrompt:
    context: CompletionContext
    rendered: RenderedPrompt
    single_line: bool
    max_tokens: int
    healed: str = ""  # whitespace before the cursor left out of the prompt (see `healing`)


class CompletionService:
    def __init__(self, config: CompletionConfig, engine: EngineConfig) -> None:
        self.config = config
        self.engine_config = engine
        self.cache = SuggestionCache(config.cache_size)
        self.policy = LatestWins(config.debounce_ms)
        self.stats = CompletionStats()
        self._counter: TokenCounter | None = None
        self._counter_for: tuple[str, str] | None = None  # (served name, configured model) it was loaded for
        self._loading: tuple[tuple[str, str], Future[TokenCounter]] | None = None  # `preload`'s, until taken
        self.pace = EnginePace()
        self.fit_deadline = True  # size prompt and answer from the engine's measured speed
        # Until the engine is measured, a completion goes out probe-sized where it may be slow: on a
        # machine without a GPU (a CPU engine; a GPU server reached by URL is fast enough either way).
        self.probe_unmeasured = detect_device() == "cpu"
        self._at_model = 0  # completion requests at the model now (a warm-up waits for none)
        self._left_model_at = -math.inf  # when the last one left it
        self.warmer = CacheWarmer(idle_s=self.idle_s, completion_rate=lambda: self.pace.prefill_rate())
        self._flights: dict[str, Flight] = {}  # by policy key: the completion request at the model
        self._learned: dict[str, str] = {}  # uri → the text whose pieces were counted (`learn`), oldest first
        self._setups: dict[tuple[str, str | None, str, str], tuple[float, Template, tuple[str, ...]]] = {}

    def update_config(self, config: CompletionConfig, engine: EngineConfig) -> None:
        if engine != self.engine_config:
            self.pace = EnginePace()  # another engine: its speed is not known yet
        self.config, self.engine_config = config, engine
        self.policy.base_s = config.debounce_ms / 1000
        self.cache = SuggestionCache(config.cache_size)

    def model_dir(self, served: str = "") -> Path | None:
        """The served model's local folder: the served name when it is a path (`codepal serve --model DIR`,
        the demo model), else the configured model."""
        return (local_model_dir(served) if served else None) or local_model_dir(self.engine_config.model)

    def counter(self, served: str = "") -> TokenCounter:
        """The served model's tokenizer from its local directory; a conservative estimate otherwise.
        Loaded again when the served or the configured model changes."""
        wanted = (served, self.engine_config.model)
        if self._counter is None or self._counter_for != wanted:
            loading, self._loading = self._loading, None
            if loading is not None and loading[0] == wanted:
                counter = loading[1].result()  # loaded ahead (`preload`): waits only for the rest of it
            else:
                counter = counter_for(self.model_dir(served))
            self._counter, self._counter_for = counter, wanted
        return self._counter

    def counter_state(self) -> str | None:
        """The prompt budget's token counter as status shows it: its kind once loaded, `loading` while
        `preload` loads it, None before."""
        if self._counter is not None:
            return type(self._counter).__name__
        if self._loading is None:
            return None
        loaded = self._loading[1]  # (taken by the first completion that counts)
        return type(loaded.result()).__name__ if loaded.done() else "loading"

    def preload(self, served: str) -> None:
        """Load the served model's tokenizer on a thread now (the engine is ready), not in the first
        completion: a vocabulary of 150,000 tokens takes 0.1-0.6 s to load, which that request waited for.
        `tokenizers` holds the GIL while it reads the file, so the event loop still pauses that long, once,
        here, where no completion has been asked yet."""
        wanted = (served, self.engine_config.model)
        if (self._counter is not None and self._counter_for == wanted) or (
                self._loading is not None and self._loading[0] == wanted):
            return
        model_dir = self.model_dir(served)
        loaded: Future[TokenCounter] = Future()

        def load() -> None:
            try:
                loaded.set_result(counter_for(model_dir))
            except Exception:  # (counter_for falls back itself; this is for the unforeseen)
                log.exception("loading the tokenizer of %s failed", served)
                loaded.set_result(HeuristicCounter())

        self._loading = (wanted, loaded)
        threading.Thread(target=load, name="codepal-tokenizer", daemon=True).start()

    def enabled_for(self, language: str) -> bool:
        disabled = {normalize_language(lang) for lang in self.config.disabled_languages}
        return self.config.enabled and normalize_language(language) not in disabled

    def serves(self, request: CompletionRequest) -> bool:
        """Whether completions (and so warm-ups) are on for the document: its language is enabled and its
        text is not binary."""
        return self.enabled_for(request.language) and "\x00" not in request.text

    def idle_s(self) -> float:
        """Seconds since a completion request last left the model; 0 while one is at it."""
        return 0.0 if self._at_model else time.monotonic() - self._left_model_at

    def document_changed(self, uri: str, snapshot: Callable[[], CompletionRequest | None],
                         client_of: Callable[[], ModelClient | None], opened: bool = False) -> None:
        """A document was opened or edited: a completion request for it that the edit made stale stops
        now (`edited`); warm the engine's prefix cache with its prompt once the engine is idle (`warmup`).
        `snapshot()` gives the document as it is then (None: gone)."""
        if not opened:
            self.edited(uri, snapshot)
        if self.config.warm_cache == "off":
            return

        async def prompt_of() -> WarmPrompt | None:
            request, client = snapshot(), client_of()
            if request is None or client is None or not self.serves(request):
                return None
            await self.learn(request, client.model)
            request = snapshot()  # as it is after learning's pauses
            return None if request is None else self.warm_prompt(request, client)

        self.warmer.schedule(uri, prompt_of, 0.0 if opened else WARM_DELAY_S)

    async def learn(self, request: CompletionRequest, model_name: str) -> None:
        """Idle work for a document's version: its token pieces counted (`TokenizerFileCounter.learn`), a
        slice at a time with the event loop free between slices, so a completion at a cursor place not
        seen before counts its lines without calling the tokenizer (~130 µs a call after an idle pause)."""
        if self._learned.get(request.uri) == request.text:
            return
        learn = getattr(self.counter(model_name), "learn", None)
        if learn is not None:
            for _ in learn(request.text):
                await asyncio.sleep(0)
        self._learned.pop(request.uri, None)
        self._learned[request.uri] = request.text
        while len(self._learned) > 8:
            self._learned.pop(next(iter(self._learned)))

    def document_closed(self, uri: str) -> None:
        self._learned.pop(uri, None)
        self.warmer.forget(uri)
        self.policy.cancel(uri)

    def edited(self, uri: str, snapshot: Callable[[], CompletionRequest | None]) -> None:
        """The document `uri` (the policy's key on the LSP path) changed. Its request waiting out the
        debounce is stale, and so is one at the model, unless the edit typed what its stream has produced
        so far: that one is kept for the next request to type through (`flight`). Stopping a stale
        stream here, not when the editor's next request or its cancel arrives, ends vLLM's work for it a
        message earlier."""
        if self.policy.running(uri) is None:
            return
        flight = self._flights.get(uri)
        request = snapshot() if flight is not None else None
        typed = flight.typed_in(request.text) if flight is not None and request is not None else None
        if flight is not None and typed is not None and flight.agrees(typed):
            if not flight.typed:
                self.stats.kept_streams += 1
            flight.typed = typed
            self.policy.keep(uri)
            return
        self.stats.cancelled_on_edit += 1
        self.policy.cancel(uri)

    def warm_prompt(self, request: CompletionRequest, client: ModelClient) -> WarmPrompt | None:
        """The prompt every completion in the document starts with: a completion's at the end of the
        document without what depends on the cursor (signatures, scope, kernel variables). None when
        the document is longer than the prompt window (the window then moves with the cursor)."""
        prepared = self.prepare(replace(request, offset=len(request.text)), client.model)
        ctx = prepared.context
        if len(ctx.prefix) < len(request.text):
            self.warmer.stats.too_large += 1
            return None
        template = choose_template(self.config.template, self.config.model or client.model)
        prefix, _ = heal(ctx.prefix)
        stable = replace(ctx, prefix=prefix, suffix="", signatures=(), scope=(), kernel=())
        text = render(stable, template).prompt
        # An estimate sizes the pieces well enough; the tokenizer would remember every version of the text.
        return WarmPrompt(text, HeuristicCounter().count(text), client, self.config.model)

    def prepare(self, request: CompletionRequest, model_name: str, probe: bool = False) -> PreparedPrompt:
        """Everything before the model call (pure and fast; benchmarks time it alone). `probe`: a
        request for the model with nothing measured is probe-sized (`EnginePace.size`)."""
        context = build_context(request)
        single = wants_single_line(context.prefix, context.suffix)
        max_tokens = self.config.max_tokens_line if single else self.config.max_tokens_block
        # The budget is reckoned for the template that renders the prompt: its special tokens count,
        # and a template that does not show the suffix leaves the whole window to the prefix.
        template, stops = self._setup(model_name)
        budget = self.engine_config.max_model_len - max_tokens - 8
        counter = self.counter(model_name)
        whole: CompletionContext | None = None  # fitted to the full budget, and small enough to go as it is
        if self.fit_deadline:  # a slow engine gets the prompt and answer it can finish in time
            sized = self.pace.size(budget, max_tokens, self.config.deadline_ms / 1000,
                                   measured_elsewhere=self.warmer.prefill_rate(), probe=probe)
            if sized.probe:
                # A probe only where the whole prompt would be larger: a small one keeps all it holds (a
                # smaller budget would also shrink the shares of signatures and kernel facts).
                whole = fit(context, counter, budget, template)
                if counter.count(render(whole, template).prompt) > sized.prompt_tokens:
                    whole = None
            if whole is None:
                budget, max_tokens = sized.prompt_tokens, sized.max_tokens
        context = whole if whole is not None else fit(context, counter, budget, template)
        prompt_prefix, healed = heal(context.prefix)
        rendered = render(with_changes(context, prefix=prompt_prefix), template)
        rendered = replace(rendered, stop=list(stops))
        return PreparedPrompt(context, rendered, single, max_tokens, healed)

    def _setup(self, model_name: str) -> tuple[Template, tuple[str, ...]]:
        """The template and its stop strings for the served model. Remembered: finding the model's folder
        asks the file system twice (0.18 ms after an idle half second, a third of a cold `prepare`). A
        model copied onto the machine meanwhile is seen within SETUP_REFRESH_S: past it, a request on
        the event loop still uses what was found and the look is taken again a moment later, off the
        request's way; a caller without a loop looks again at once."""
        key = (self.config.template, self.config.model, self.engine_config.model, model_name)
        known = self._setups.get(key)
        if known is None:
            return self._look_up_setup(key)[1:]
        if time.monotonic() - known[0] > SETUP_REFRESH_S:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return self._look_up_setup(key)[1:]
            self._setups[key] = (time.monotonic(), *known[1:])  # one look scheduled, not one per request
            loop.call_later(SETUP_LOOK_DELAY_S, self._look_up_setup, key)
        return known[1], known[2]

    def _look_up_setup(self, key: tuple[str, str | None, str, str]) -> tuple[float, Template, tuple[str, ...]]:
        configured_template, configured_model, _, model_name = key
        template = choose_template(configured_template, configured_model or model_name)
        model_dir = self.model_dir(configured_model or model_name)
        tokens = read_traits(model_dir).tokens if model_dir else None
        found = (time.monotonic(), template, tuple(choose_stops(template.stop, tokens or None)))
        # A look scheduled before the configuration changed read the new one: not kept under the old key.
        if key[:3] == (self.config.template, self.config.model, self.engine_config.model):
            if len(self._setups) > 8:
                self._setups.clear()
            self._setups[key] = found
        return found

    async def complete(self, request: CompletionRequest, client: ModelClient | None,
                       key: str | None = None) -> Completion | None:
        """A suggestion at the cursor, or None. Never raises for backend trouble: it answers empty."""
        self.stats.requests += 1
        if not self.serves(request):
            log.debug("no completion: off for %s, or binary content", request.language)
            return None
        offset = max(0, min(request.offset, len(request.text)))
        prefix, suffix = request.text[:offset], request.text[offset:]
        cached = self.cache.get(prefix, suffix)
        if cached is not None:
            self.stats.cache_hits += 1
            if key is not None:
                self.policy.cancel(key)  # a stale request for this document is not needed any more
            return Completion(cached, from_cache=True)
        if client is None:
            log.debug("no completion: the engine is not ready")
            return None
        key = key or request.uri or "default"
        started = time.monotonic()
        followed = await self._type_through_stream(key, prefix, suffix)
        if followed is not None:
            self.stats.typed_through_streams += 1
            self.stats.latency.add((time.monotonic() - started) * 1000)
            return Completion(followed)
        result = await self.policy.run(key, lambda: self._ask(request, client, key, prefix, suffix),
                                       keystroke=not request.invoked)
        if result is None:
            log.debug("no completion: superseded by a newer request")
            self.stats.superseded += 1
            return None
        self.stats.latency.add((time.monotonic() - started) * 1000)
        if not result:
            log.debug("no completion: nothing left after post-processing")
            self.stats.empty += 1
            return None
        return Completion(result)

    async def _type_through_stream(self, key: str, prefix: str, suffix: str) -> str | None:
        """The rest of the answer of the request at the model for `key`, when the user has typed what it
        produced since it was asked (`flight`), or nothing (the editor asks again at the same cursor): it
        is waited for, not asked again. None otherwise, or when its answer, post-processed, does not go
        on past what was typed."""
        flight, task = self._flights.get(key), self.policy.running(key)
        if flight is None or task is None:
            return None
        typed = flight.typed_at(prefix, suffix)
        if typed is None or (typed and not flight.agrees(typed)):
            return None  # (asked again at its own cursor, the request is waited for as it is)
        flight.typed = typed
        self.policy.keep(key)
        try:
            await asyncio.shield(task)  # the next key cancels this wait, not the stream
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # this request was cancelled (the next key came): the stream goes on
            return None  # the stream was stopped: it went another way, or a newer request needed the model
        except Exception:  # the stream's own failure: its caller has dealt with it
            return None
        return self.cache.get(prefix, suffix)

    async def _ask(self, request: CompletionRequest, client: ModelClient, key: str, prefix: str, suffix: str) -> str:
        """The post-processed suggestion at the cursor between `prefix` and `suffix` (split once, by the
        caller), also put in the type-through cache here: a stream kept for a user typing through it
        (`flight`) ends after its caller was cancelled."""
        try:
            prepared = self.prepare(request, client.model, probe=self.probe_unmeasured)
        except CodepalError as exc:
            log.info("no completion: %s", exc)
            return ""
        flight = Flight(prefix, suffix, prepared.healed)
        self._flights[key] = flight
        try:
            suggestion = await self._ask_model(request, client, prepared, flight)
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
        self.cache.put(prefix, suffix, suggestion)
        return suggestion

    async def _ask_model(self, request: CompletionRequest, client: ModelClient, prepared: PreparedPrompt,
                         flight: Flight) -> str:
        self.stats.model_requests += 1
        log.debug("asking the model: %d prompt characters, max_tokens %d", len(prepared.rendered.prompt),
                  prepared.max_tokens)
        ctx = prepared.context
        facts: list[Context | None] = []  # the post-processing's view of the cursor, built while the model works

        def cursor_facts() -> None:
            facts.append(cursor_context(ctx.prefix, ctx.suffix, ctx.language, tab_size=request.tab_size,
                                        insert_spaces=request.insert_spaces))

        def suggestion(raw: str) -> str:
            return postprocess(ctx.prefix, ctx.suffix, raw, ctx.language, tab_size=request.tab_size,
                               insert_spaces=request.insert_spaces, context=facts[0] if facts else None)

        early: dict[str, str] = {}  # the answer's raw text → its suggestion, made before the stream ended

        def finished(text: str) -> None:
            raw = restore(text, prepared.healed)
            early[raw] = suggestion(raw)

        started = time.monotonic()
        self._at_model += 1
        try:
            raw = restore(await self._generate(prepared, client, flight, cursor_facts, finished), prepared.healed)
        finally:
            self._at_model -= 1
            self._left_model_at = time.monotonic()
        log.debug("the model answered %d characters in %.0f ms", len(raw), (time.monotonic() - started) * 1000)
        self.policy.note_latency(time.monotonic() - started)
        made = early.get(raw)
        return made if made is not None else suggestion(raw)

    async def _generate(self, prepared: PreparedPrompt, client: ModelClient, flight: Flight | None = None,
                        while_waiting: Callable[[], None] | None = None,
                        finished: Callable[[str], None] | None = None) -> str:
        """The answer's text. `finished` gets it as soon as the server says it is complete (the chunk with
        its finish reason), while the stream's end (usage, `[DONE]`) is still on its way: work on the
        answer done then overlaps that wait. The text returned after the stream's end is normally the
        same; a caller that used it must check."""
        pieces: list[str] = []
        started = time.monotonic()
        first_at = last_at = 0.0
        tokens = 0
        prompt_tokens: int | None = None
        finish: str | None = None
        try:
            async with asyncio.timeout(self.config.deadline_ms / 1000):
                async for chunk in client.stream_completion(
                    prepared.rendered.prompt,
                    max_tokens=prepared.max_tokens,
                    temperature=self.config.temperature,
                    stop=prepared.rendered.stop,
                    model=self.config.model,
                    while_waiting=while_waiting,
                ):
                    prompt_tokens = chunk.prompt_tokens or prompt_tokens
                    finish = chunk.finish_reason or finish
                    if chunk.text:
                        last_at = time.monotonic()
                        first_at = first_at or last_at
                        tokens += 1
                        self.stats.tokens_streamed += 1
                    pieces.append(chunk.text)
                    text = "".join(pieces)  # once a chunk, for the three reads below
                    # One line wanted and one line here: stop now, vLLM stops generating too.
                    if prepared.single_line and "\n" in text.lstrip("\n"):
                        break
                    if flight is not None and chunk.text:
                        flight.raw, flight.tokens = text, tokens
                        if flight.typed and not flight.agrees(flight.typed):
                            log.debug("the kept stream went another way than the user typed: closed")
                            return ""  # leaving the loop closes the stream
                    if chunk.finish_reason and finished is not None:
                        finished(self._answer_text(text, chunk.finish_reason, prepared))
                        finished = None
        except asyncio.CancelledError:
            self.stats.cancelled_streaming += 1
            self.stats.tokens_before_cancel += tokens
            log.debug("completion stream closed after %d tokens, %.0f ms", tokens, (time.monotonic() - started) * 1000)
            raise
        except TimeoutError:
            log.info("completion deadline of %d ms passed", self.config.deadline_ms)
            self.stats.deadline_missed += 1
            # What was waited for is a bound on the engine's speed: the next prompt is sized by it.
            self.pace.note(Sample(self._prompt_tokens(prepared), first_at - started if first_at else None,
                                  max(0, tokens - 1), (last_at - first_at) if first_at else time.monotonic() - started))
            return ""  # a late answer is a stale answer
        except BackendUnavailable:
            if not pieces:
                raise
        except BackendError as exc:
            self.stats.errors += 1
            log.info("completion failed: %s", exc)
            return ""
        if first_at:
            self.pace.note(Sample(prompt_tokens or self._prompt_tokens(prepared), first_at - started,
                                  tokens - 1, last_at - first_at))
        return self._answer_text("".join(pieces), finish, prepared)

    @staticmethod
    def _answer_text(text: str, finish: str | None, prepared: PreparedPrompt) -> str:
        return without_cut_line(text) if finish == "length" and not prepared.single_line else text

    def _prompt_tokens(self, prepared: PreparedPrompt) -> int:
        """The prompt's tokens when the server did not say (it says at the end of a stream)."""
        return HeuristicCounter(4.0).count(prepared.rendered.prompt)


def without_cut_line(text: str) -> str:
    """A block answer that ran out of tokens, back to its last whole line: its last line stopped mid-way
    (`for i in`), and a suggestion that ends there leaves the file unable to parse. When that line is
    the answer's only line of code it stays, as a one-line answer cut by its budget does: it is the
    line the user is about to write, and its start is worth accepting word by word."""
    cut = text.rfind("\n")
    return text[:cut] if cut >= 0 and text[:cut].strip() else text
