"""A surface's view of the engine (language server, Jupyter, CLI).

Attaches to `engine.url`, else to the engine recorded in the state file, else (with `engine.autostart`)
starts one it owns. The link probes whichever engine it found, by the one policy of `codepal.engine.health`,
and an engine it owns feeds its process's facts into the same machine. Health probes back off while the
engine is down, and nobody connects to a server that is not ready: callers check `ready` first and answer
empty at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from codepal.client import ModelClient
from codepal.config import CodepalConfig
from codepal.engine.health import EngineHealth, EngineState, Event, HealthPolicy, StateListener, probe
from codepal.engine.model_files import local_model_dir
from codepal.engine.model_traits import read_traits
from codepal.engine.process import Engine
from codepal.engine.state import EngineInfo, read_state
from codepal.errors import BackendUnavailable, CodepalError

log = logging.getLogger(__name__)


class EngineLink:
    def __init__(
        self,
        config: CodepalConfig,
        *,
        on_state: StateListener | None = None,
        state_path: Path | None = None,
        client_options: dict[str, Any] | None = None,
        policy: HealthPolicy | None = None,
    ) -> None:
        self.config = config
        self.health = EngineHealth(policy, "no engine found yet")
        self.health.add_listener(self._fail_pending_on_crash)
        if on_state is not None:
            self.health.add_listener(on_state)
        self.info: EngineInfo | None = None
        self.client: ModelClient | None = None
        self.engine: Engine | None = None
        self.probes = 0
        self._state_path = state_path
        self._client_options = client_options or {}
        self._probe_task: asyncio.Task[None] | None = None
        self._autostart_task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._interval = self.health.policy.retry_s

    @property
    def state(self) -> EngineState:
        return self.health.state

    @property
    def message(self) -> str:
        return self.health.message

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
        self.health.apply(Event.REQUEST_FAILED, reason)
        self._interval = self.health.policy.retry_s
        self._wake.set()

    async def start_engine(self) -> EngineInfo:
        """Start an engine owned by this process (autostart, or the `start engine` command)."""
        if self.engine is None:
            # The engine feeds this link's machine; the link's probes watch its health.
            self.engine = Engine(self.config.engine, state_path=self._state_path, health=self.health,
                                 probe_health=False)
        self.health.apply(Event.LAUNCHED, "starting an engine")
        info = await self.engine.start()
        await self._attach(info)
        return info

    # -- internals --------------------------------------------------------------------------------

    def _fail_pending_on_crash(self, state: EngineState, message: str) -> None:
        if state is EngineState.CRASHED and self.client is not None:
            self.client.fail_pending(BackendUnavailable(f"the model server crashed: {message}"))

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
            self.health.apply(Event.NOT_FOUND, "no engine is running; start one with `codepal serve`")
            return
        await self._attach(info)
        assert self.client is not None
        result = await probe(self.client, self.health.policy, self.state is EngineState.READY)
        if result.models and info.model not in result.models:
            # An attached server may name the model differently; use what it serves.
            self.client.model = result.models[0]
        self.health.apply(result.event, result.message)

    async def _autostart(self) -> None:
        try:
            await self.start_engine()
        except CodepalError as exc:  # also when no engine could be made (a public host, say)
            self.health.apply(Event.FAILED, str(exc))

    async def _probe_loop(self) -> None:
        while True:
            started = time.monotonic()
            try:
                await self._probe_once()
            except Exception:
                log.exception("engine probe failed")
            self._interval = self.health.policy.next_wait(self.state, self.health.misses, self._interval)
            self._wake.clear()
            wait = max(0.0, self._interval - (time.monotonic() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
