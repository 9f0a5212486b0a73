"""A surface's view of the engine (language server, Jupyter, CLI).

Attaches to `engine.url`, else to the engine recorded in the state file, else (with `engine.autostart`)
starts one it owns. Health probes back off while the engine is down, and nobody connects to a server
that is not ready: callers check `ready` first and answer empty at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codepal.client import ModelClient
from codepal.config import CodepalConfig
from codepal.engine.model_files import local_model_dir
from codepal.engine.model_traits import read_traits
from codepal.engine.process import Engine
from codepal.engine.state import EngineInfo, EngineState, read_state
from codepal.errors import BackendUnavailable, CodepalError

log = logging.getLogger(__name__)

MIN_PROBE_S = 0.5
MAX_PROBE_S = 10.0
READY_PROBE_S = 5.0


class EngineLink:
    def __init__(
        self,
        config: CodepalConfig,
        *,
        on_state: Callable[[EngineState, str], None] | None = None,
        state_path: Path | None = None,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.state = EngineState.STOPPED
        self.message = "no engine found yet"
        self.info: EngineInfo | None = None
        self.client: ModelClient | None = None
        self.engine: Engine | None = None
        self.probes = 0
        self._on_state = on_state
        self._state_path = state_path
        self._client_options = client_options or {}
        self._probe_task: asyncio.Task[None] | None = None
        self._autostart_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._interval = MIN_PROBE_S
        self._failed_probes = 0

    @property
    def ready(self) -> bool:
        return self.state is EngineState.READY and self.client is not None

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "message": self.message,
            "model": self.info.model if self.info else None,
            "url": self.info.url if self.info else None,
            "device": self.info.device if self.info else None,
            "owned": self.engine is not None,
            "notice": self.info.notice if self.info else "",  # the demo model says so here
        }

    async def start(self) -> None:
        """Begin probing in the background; returns at once (never blocks `initialize`)."""
        if self._probe_task is None:
            self._probe_task = asyncio.ensure_future(self._probe_loop())

    async def close(self) -> None:
        if self._probe_task:
            self._probe_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe_task
            self._probe_task = None
        if self.engine is not None:
            await self.engine.stop()
            self.engine = None
        await self._drop_client()

    def release(self) -> None:
        """At process exit without `close()`: an owned engine's processes are signalled to stop."""
        if self.engine is not None:
            self.engine.kill()

    def update_config(self, config: CodepalConfig) -> None:
        changed = (config.engine.url, config.engine.api_key) != (self.config.engine.url, self.config.engine.api_key)
        self.config = config
        if changed:
            self.report_failure("engine settings changed")

    def report_failure(self, reason: str) -> None:
        """A request found the server gone: stop sending until a probe says it is back."""
        if self.state is EngineState.READY:
            self._set_state(EngineState.DEGRADED, reason)
        self._interval = MIN_PROBE_S
        self._wake.set()

    async def start_engine(self) -> EngineInfo:
        """Start an engine owned by this process (autostart, or the `start engine` command)."""
        if self.engine is None:
            engine = Engine(self.config.engine, state_path=self._state_path)
            engine.add_listener(self._owned_engine_changed)
            self.engine = engine
        self._set_state(EngineState.STARTING, "starting an engine")
        info = await self.engine.start()
        await self._attach(info)
        return info

    # -- internals --------------------------------------------------------------------------------

    def _set_state(self, state: EngineState, message: str) -> None:
        if (state, message) == (self.state, self.message):
            return
        previous = self.state
        self.state, self.message = state, message
        if state is not previous and self._on_state:
            try:
                self._on_state(state, message)
            except Exception:
                log.exception("engine state callback failed")

    def _owned_engine_changed(self, state: EngineState, message: str) -> None:
        if state is EngineState.CRASHED and self.client is not None:
            self.client.fail_pending(BackendUnavailable(f"the model server crashed: {message}"))
        self._set_state(state, message)

    def _discover(self) -> EngineInfo | None:
        engine = self.config.engine
        if engine.url:
            model = engine.served_model_name or engine.model
            local = local_model_dir(engine.model)
            thinks = read_traits(local).thinks if local else True  # a remote model is taken to be R1-like
            return EngineInfo(engine.url.rstrip("/"), engine.api_key, model, None, "remote", thinks=thinks)
        if self.engine is not None and self.engine.info is not None:
            return self.engine.info
        return read_state(self._state_path)

    async def _attach(self, info: EngineInfo) -> None:
        if self.client is None or self.info != info:
            await self._drop_client()
            self.info = info
            self.client = ModelClient(info.url, info.api_key, info.model, thinks=info.thinks,
                                      **self._client_options)

    async def _drop_client(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        self.client = None

    async def _probe_once(self) -> None:
        self.probes += 1
        info = self._discover()
        if info is None:
            if self.engine is None and self.config.engine.autostart and self._autostart_task is None:
                self._autostart_task = asyncio.ensure_future(self._autostart())
            await self._drop_client()
            self.info = None
            self._set_state(EngineState.STOPPED, "no engine is running; start one with `codepal serve`")
            return
        await self._attach(info)
        assert self.client is not None
        # A busy vLLM (a CPU build under load) can be slow to answer /health: a ready engine gets more
        # time and two failed probes in a row before completions stop going to it.
        ready = self.state is EngineState.READY
        healthy = await self.client.health(timeout=3.0 if ready else 1.0)
        self._failed_probes = 0 if healthy else self._failed_probes + 1
        if healthy:
            if self.state is not EngineState.READY:
                try:
                    models = await self.client.list_models()
                except CodepalError as exc:
                    self._set_state(EngineState.DEGRADED, str(exc))
                    return
                if info.model not in models and models:
                    # An attached server may name the model differently; use what it serves.
                    self.client.model = models[0]
                self._set_state(EngineState.READY, f"ready at {info.url}")
        elif ready and self._failed_probes < 2:
            log.info("the model server missed a health probe; probing again soon")
        elif self.engine is None or self.engine.state is not EngineState.STARTING:
            self._set_state(EngineState.DEGRADED, f"the model server at {info.url} does not answer")

    async def _autostart(self) -> None:
        try:
            await self.start_engine()
        except CodepalError as exc:
            self._set_state(EngineState.CRASHED, str(exc))

    async def _probe_loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self._probe_once()
            except Exception:
                log.exception("engine probe failed")
            if self.state is EngineState.READY:
                # After a missed probe, look again soon rather than declare the server down on one miss.
                self._interval = MIN_PROBE_S if self._failed_probes else READY_PROBE_S
            else:
                self._interval = min(MAX_PROBE_S, max(MIN_PROBE_S, self._interval * 2))
            self._wake.clear()
            wait = max(0.0, self._interval - (time.monotonic() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
