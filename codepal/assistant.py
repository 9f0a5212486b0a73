"""The core's public face for every surface: `complete()`, `explain()`, `fix()` and the engine link.

Adapters (language server, Jupyter, CLI) hold one Assistant, convert their protocol's types to the
plain dataclasses in `codepal.types`, call one of these, and convert back.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from codepal.client import ModelClient
from codepal.complete.service import CompletionService
from codepal.complete.workspace import Workspace
from codepal.config import CodepalConfig
from codepal.engine import EngineLink, EngineState
from codepal.errors import BackendUnavailable
from codepal.kernel_facts import KernelFacts
from codepal.types import AssistEvent, CodeSpan, Completion, CompletionRequest, Problem

log = logging.getLogger(__name__)


class Assistant:
    def __init__(
        self,
        config: CodepalConfig,
        *,
        on_state: Callable[[EngineState, str], None] | None = None,
        state_path: Path | None = None,
        workspace_folders: Sequence[Path] = (),
    ) -> None:
        self.config = config
        self.link = EngineLink(config, on_state=on_state, state_path=state_path)
        self.completions = CompletionService(config.completion, config.engine)
        self.link.health.add_listener(self._engine_state)
        # Other open documents become context only from files inside these folders (none: never).
        self.workspace = Workspace(workspace_folders)

    async def start(self) -> None:
        """Start watching for the engine (returns at once)."""
        await self.link.start()

    async def close(self) -> None:
        await self.completions.warmer.close()
        await self.link.close()

    def release(self) -> None:
        """Synchronous last resort when the process exits without `close()`: no engine left behind."""
        self.link.release()

    def update_config(self, config: CodepalConfig) -> None:
        self.config = config
        self.link.update_config(config)
        self.completions.update_config(config.completion, config.engine)

    def _engine_state(self, state: EngineState, _message: str) -> None:
        # The served model is known now: its tokenizer loads before the first completion asks for it.
        client = self.link.client
        if state is EngineState.READY and client is not None and self.config.completion.enabled:
            self.completions.preload(client.model)

    def _client(self) -> ModelClient:
        if not self.link.ready or self.link.client is None:
            raise BackendUnavailable(f"the model server is not ready ({self.link.state.value}): "
                                     f"{self.link.message}")
        return self.link.client

    async def complete(self, request: CompletionRequest, key: str | None = None) -> Completion | None:
        """A suggestion at the cursor or None. Answers at once, without connecting, while not ready."""
        client = self.link.client if self.link.ready else None
        if request.other_documents:  # most relevant first; the limit counts only those allowed
            allowed = self.workspace.confine(request.other_documents, self.config.completion.context_files)
            request = replace(request, other_documents=allowed)
        try:
            return await self.completions.complete(request, client, key)
        except BackendUnavailable as exc:
            self.link.report_failure(str(exc))
            return None

    def document_changed(self, uri: str, snapshot: Callable[[], CompletionRequest | None],
                         opened: bool = False) -> None:
        """A surface opened or edited a document: its prompt may be prefilled into the engine's prefix
        cache while the engine is idle (`completion.warm_cache`). `snapshot()` is called only then."""
        self.completions.document_changed(uri, snapshot, self._warm_client, opened)

    def _warm_client(self) -> ModelClient | None:
        """The engine's client when warm-ups may go to it (`completion.warm_cache`; `auto`: an engine
        codepal started, not a server given by URL)."""
        mode = self.config.completion.warm_cache
        info = self.link.info
        if not self.link.ready or mode == "off" or (mode == "auto" and (info is None or info.device == "remote")):
            return None
        return self.link.client

    def document_closed(self, uri: str) -> None:
        self.completions.document_closed(uri)

    async def explain(self, span: CodeSpan, context: str = "",
                      kernel: KernelFacts | None = None) -> AsyncGenerator[AssistEvent, None]:
        """Thinking and answer deltas, then one ExplainResult. `kernel`: a notebook kernel's variables."""
        from codepal.assist import explain

        # aclosing: a surface that stops listening closes the model's stream now, not at GC time.
        stream = explain(self._client(), span, self.config.assist, context, kernel)
        async with contextlib.aclosing(stream) as events:
            async for event in events:
                yield event

    async def fix(self, span: CodeSpan, problem: Problem | None = None, context: str = "",
                  kernel: KernelFacts | None = None) -> AsyncGenerator[AssistEvent, None]:
        """Thinking and answer deltas, then one FixResult (a verified minimal edit, or why not)."""
        from codepal.assist import fix

        stream = fix(self._client(), span, problem, self.config.assist, context, kernel)
        async with contextlib.aclosing(stream) as events:
            async for event in events:
                yield event

    def status(self) -> dict[str, Any]:
        stats = self.completions.stats
        return {
            **self.link.status(),
            "completions": {
                "requests": stats.requests,
                "model_requests": stats.model_requests,
                "cache_hits": stats.cache_hits,
                "superseded": stats.superseded,
                "cancelled_streaming": stats.cancelled_streaming,
                "tokens_before_cancel": stats.tokens_before_cancel,
                "tokens_streamed": stats.tokens_streamed,
                "cancelled_on_edit": stats.cancelled_on_edit,
                "kept_streams": stats.kept_streams,
                "typed_through_streams": stats.typed_through_streams,
                "latency": stats.latency.summary(),
                # The wait before a typed request goes to the model, as learned from the user's rhythm.
                "debounce_ms": round(self.completions.policy.debounce_for("") * 1000),
                "warmup": self.completions.warmer.stats.as_dict(),
                "token_counter": self.completions.counter_state(),
            },
        }
