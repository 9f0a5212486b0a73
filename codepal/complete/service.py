"""The completion entry point: context → budget → prompt → request → post-processing → cache."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from codepal.client import ModelClient
from codepal.complete.budget import HeuristicCounter, TokenCounter, TokenizerFileCounter, fit
from codepal.complete.cache import SuggestionCache
from codepal.complete.context import CompletionContext, build_context
from codepal.complete.healing import heal, restore
from codepal.complete.policy import LatestWins
from codepal.complete.postprocess import postprocess, wants_single_line
from codepal.complete.prompt import RenderedPrompt, choose_template, render
from codepal.config import CompletionConfig, EngineConfig
from codepal.engine.model_files import local_model_dir
from codepal.errors import BackendError, BackendUnavailable, CodepalError
from codepal.syntax import normalize_language
from codepal.types import Completion, CompletionRequest, LatencyStats

log = logging.getLogger(__name__)


@dataclass
class CompletionStats:
    requests: int = 0  # completion calls from a surface
    model_requests: int = 0  # calls that reached the model server
    cache_hits: int = 0
    superseded: int = 0
    empty: int = 0
    errors: int = 0
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

    def update_config(self, config: CompletionConfig, engine: EngineConfig) -> None:
        self.config, self.engine_config = config, engine
        self.policy.base_s = config.debounce_ms / 1000
        self.cache = SuggestionCache(config.cache_size)

    def counter(self) -> TokenCounter:
        """The served model's tokenizer from its local directory; a conservative estimate otherwise."""
        if self._counter is None:
            model_dir = local_model_dir(self.engine_config.model)
            tokenizer = model_dir / "tokenizer.json" if model_dir else None
            self._counter = HeuristicCounter()
            if tokenizer is not None and tokenizer.is_file():
                try:
                    self._counter = TokenizerFileCounter(Path(tokenizer))
                except Exception:  # a broken tokenizer file must not stop completions
                    log.warning("cannot load %s; estimating token counts", tokenizer)
        return self._counter

    def enabled_for(self, language: str) -> bool:
        disabled = {normalize_language(lang) for lang in self.config.disabled_languages}
        return self.config.enabled and normalize_language(language) not in disabled

    def prepare(self, request: CompletionRequest, model_name: str) -> PreparedPrompt:
        """Everything before the model call (pure and fast; benchmarks time it alone)."""
        context = build_context(request)
        single = wants_single_line(context.prefix, context.suffix)
        max_tokens = self.config.max_tokens_line if single else self.config.max_tokens_block
        budget = self.engine_config.max_model_len - max_tokens - 8
        context = fit(context, self.counter(), budget)
        template = choose_template(self.config.template, self.config.model or model_name)
        prompt_prefix, healed = heal(context.prefix)
        rendered = render(replace(context, prefix=prompt_prefix), template)
        return PreparedPrompt(context, rendered, single, max_tokens, healed)

    async def complete(self, request: CompletionRequest, client: ModelClient | None,
                       key: str | None = None) -> Completion | None:
        """A suggestion at the cursor, or None. Never raises for backend trouble: it answers empty."""
        self.stats.requests += 1
        if not self.enabled_for(request.language) or "\x00" in request.text:
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
            return None
        started = time.monotonic()
        result = await self.policy.run(key or request.uri or "default", lambda: self._ask(request, client))
        if result is None:
            self.stats.superseded += 1
            return None
        self.stats.latency.add((time.monotonic() - started) * 1000)
        if not result:
            self.stats.empty += 1
            return None
        self.cache.put(prefix, suffix, result)
        return Completion(result)

    async def _ask(self, request: CompletionRequest, client: ModelClient) -> str:
        try:
            prepared = self.prepare(request, client.model)
        except CodepalError as exc:
            log.info("no completion: %s", exc)
            return ""
        self.stats.model_requests += 1
        started = time.monotonic()
        raw = restore(await self._generate(prepared, client), prepared.healed)
        self.policy.note_latency(time.monotonic() - started)
        ctx = prepared.context
        return postprocess(ctx.prefix, ctx.suffix, raw, ctx.language,
                           tab_size=request.tab_size, insert_spaces=request.insert_spaces)

    async def _generate(self, prepared: PreparedPrompt, client: ModelClient) -> str:
        pieces: list[str] = []
        try:
            async with asyncio.timeout(self.config.deadline_ms / 1000):
                async for chunk in client.stream_completion(
                    prepared.rendered.prompt,
                    max_tokens=prepared.max_tokens,
                    temperature=self.config.temperature,
                    stop=prepared.rendered.stop,
                    model=self.config.model,
                ):
                    pieces.append(chunk.text)
                    # One line wanted and one line here: stop now, vLLM stops generating too.
                    if prepared.single_line and "\n" in "".join(pieces).lstrip("\n"):
                        break
        except TimeoutError:
            log.info("completion deadline of %d ms passed", self.config.deadline_ms)
            return ""  # a late answer is a stale answer
        except BackendUnavailable:
            if not pieces:
                raise
        except BackendError as exc:
            self.stats.errors += 1
            log.info("completion failed: %s", exc)
            return ""
        return "".join(pieces)
