"""vLLM as a child process: an explicit state machine with capped restarts.

stopped → starting → ready ⇄ degraded → crashed. A crash fails every pending request at once (through
the crash listeners) and keeps the last output lines for the error message.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import logging
import os
import secrets
import signal
import time
from collections import deque
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TextIO

from codepal.client import ModelClient
from codepal.config import EngineConfig
from codepal.engine.command import build_argv, build_env, check_loopback, free_port, served_name
from codepal.engine.device import Device, detect_device
from codepal.engine.model_choice import choose_model
from codepal.engine.model_traits import read_traits
from codepal.engine.phases import phase_of
from codepal.engine.state import EngineInfo, EngineState, remove_state, write_state
from codepal.errors import BackendUnavailable, CodepalError

log = logging.getLogger(__name__)

StateListener = Callable[[EngineState, str], None]


def _child_setup(nice: int = 0) -> None:
    """Runs in the child before exec: own process group, die with the parent, niceness (inherited by
    vLLM's engine-core and worker processes)."""
    os.setsid()
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
        # With autogroup scheduling (Linux's default on desktops) a new session is a group of its own and
        # niceness counts only inside it: the group's own niceness is what lets the editor's session win.
        with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
            group.write(str(nice))
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: no orphan even if we are SIGKILLed


class Engine:
    """One vLLM child process owned by this Python process."""

    def __init__(
        self,
        config: EngineConfig,
        *,
        extra_args: list[str] | None = None,
        write_state_file: bool = True,
        state_path: Path | None = None,
        log_path: Path | None = None,
    ) -> None:
        check_loopback(config.host)
        self.config = config
        self.extra_args = extra_args or []
        self.device: Device = detect_device()
        self.state = EngineState.STOPPED
        self.message = ""
        self.phase = ""
        self.info: EngineInfo | None = None
        self.last_lines: deque[str] = deque(maxlen=40)
        self.restarts: deque[float] = deque()
        self.started_at = time.monotonic()
        self.ready_after_s: float | None = None
        self._write_state_file = write_state_file
        self._state_path = state_path
        self._log_path = log_path
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._listeners: list[StateListener] = []
        self._stopping = False
        self._ready_event = asyncio.Event()

    # -- public -----------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _nice(self) -> int:
        return self.config.cpu_nice if self.device == "cpu" else 0

    def add_listener(self, listener: StateListener) -> None:
        """Called on every state change with (state, message); a crash listener fails pending work."""
        self._listeners.append(listener)

    def client(self, **kwargs: object) -> ModelClient:
        if self.info is None:
            raise BackendUnavailable("the engine has not been started")
        return ModelClient(self.info.url, self.info.api_key, self.info.model, thinks=self.info.thinks,
                           **kwargs)  # type: ignore[arg-type]

    async def start(self) -> EngineInfo:
        """Start vLLM and wait until `/health` answers and `/v1/models` lists the model."""
        # The demo model is built on first use (about a minute of CPU work, off the event loop).
        chosen = await asyncio.to_thread(choose_model, self.config)
        model_path = str(chosen.path)
        self._stopping = False
        port = self.config.port or free_port(self.config.host)
        api_key = secrets.token_urlsafe(32)
        url = f"http://{self.config.host}:{port}"
        # The demo model is served under its path, so that surfaces find its tokenizer as for `--model DIR`.
        name = model_path if chosen.notice else served_name(self.config)
        self.info = EngineInfo(url, api_key, name, os.getpid(), self.device,
                               thinks=read_traits(chosen.path).thinks, notice=chosen.notice)
        argv = build_argv(self.config, model_path, port, self.device, self.extra_args, served=name)
        env = build_env(self.config, api_key, self.device)
        self._set_state(EngineState.STARTING, f"starting vLLM ({self.device}) for {self.info.model}")
        self.started_at = time.monotonic()
        self.last_lines.clear()
        self._ready_event = asyncio.Event()
        self._proc = await asyncio.create_subprocess_exec(
            *argv, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, preexec_fn=functools.partial(_child_setup, self._nice()),
        )
        self._spawn(self._read_output(self._proc))
        try:
            await self._wait_ready(self._proc)
        except BaseException:
            await self.stop()
            raise
        self.ready_after_s = time.monotonic() - self.started_at
        if self._write_state_file:
            write_state(self.info, self._state_path)
        self._set_state(EngineState.READY, f"ready at {url} after {self.ready_after_s:.1f} s")
        self._ready_event.set()
        self._spawn(self._supervise(self._proc))
        return self.info

    async def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM to the whole process group, SIGKILL after `grace_s`; removes the state file."""
        self._stopping = True
        proc = self._proc
        if proc is not None and proc.returncode is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), grace_s)
            except TimeoutError:
                _signal_group(proc.pid, signal.SIGKILL)
                await proc.wait()
        if proc is not None:
            _signal_group(proc.pid, signal.SIGKILL)  # stragglers left in the group
        if self._write_state_file:
            remove_state(os.getpid(), self._state_path)
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        if self.state is not EngineState.CRASHED:
            self._set_state(EngineState.STOPPED, "stopped")

    def kill(self) -> None:
        """SIGTERM to the whole process group without waiting: this process is exiting (an `exit`
        without `shutdown`, or the editor went away), and the child's own death signal reaches only
        the child, not the processes it started."""
        self._stopping = True
        if self._proc is not None and self._proc.returncode is None:
            _signal_group(self._proc.pid, signal.SIGTERM)
        if self._write_state_file:
            remove_state(os.getpid(), self._state_path)

    async def wait_ready(self, timeout: float) -> None:
        await asyncio.wait_for(self._ready_event.wait(), timeout)

    # -- internals --------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("engine background task failed", exc_info=task.exception())

    def _set_state(self, state: EngineState, message: str) -> None:
        self.state, self.message = state, message
        log.info("engine %s: %s", state.value, message)
        for listener in list(self._listeners):
            try:
                listener(state, message)
            except Exception:
                log.exception("engine state listener failed")

    async def _read_output(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        log_file = _open_private_log(self._log_path) if self._log_path else None
        try:
            while raw := await proc.stdout.readline():
                line = raw.decode("utf-8", "replace").rstrip()
                self.last_lines.append(line)
                if log_file:
                    log_file.write(line + "\n")
                    log_file.flush()
                phase = phase_of(line)
                if phase and phase != self.phase:
                    self.phase = phase
                log.debug("vllm: %s", line)
        finally:
            if log_file:
                log_file.close()

    def tail(self, lines: int = 12) -> str:
        return "\n".join(list(self.last_lines)[-lines:])

    async def _wait_ready(self, proc: asyncio.subprocess.Process) -> None:
        assert self.info is not None
        client = ModelClient(self.info.url, self.info.api_key, self.info.model, connect_timeout=1.0)
        deadline = time.monotonic() + self.config.start_timeout_s
        try:
            while True:
                if proc.returncode is not None:
                    await asyncio.sleep(0.2)  # let the reader catch the last lines
                    raise CodepalError(f"vLLM exited with code {proc.returncode} while starting:\n{self.tail()}")
                if time.monotonic() > deadline:
                    raise CodepalError(
                        f"vLLM was not ready after {self.config.start_timeout_s:.0f} s:\n{self.tail()}"
                    )
                if await client.health(timeout=1.0):
                    with contextlib.suppress(CodepalError):
                        if self.info.model in await client.list_models():
                            return
                await asyncio.sleep(0.25)
        finally:
            await client.aclose()

    async def _supervise(self, proc: asyncio.subprocess.Process) -> None:
        """Health probes while alive (ready ⇄ degraded); on exit, crashed and maybe a capped restart."""
        assert self.info is not None
        client = ModelClient(self.info.url, self.info.api_key, self.info.model)
        waiter = asyncio.ensure_future(proc.wait())
        try:
            while not waiter.done():
                done, _ = await asyncio.wait({waiter}, timeout=2.0)
                if done or self._stopping:
                    break
                healthy = await client.health(timeout=2.0)
                if healthy and self.state is EngineState.DEGRADED:
                    self._set_state(EngineState.READY, "health checks pass again")
                elif not healthy and self.state is EngineState.READY and proc.returncode is None:
                    self._set_state(EngineState.DEGRADED, "vLLM is running but /health does not answer")
        finally:
            await client.aclose()
        await waiter
        if self._stopping:
            return
        _signal_group(proc.pid, signal.SIGKILL)  # the rest of a half-dead group
        await asyncio.sleep(0.1)
        if self._write_state_file:
            remove_state(os.getpid(), self._state_path)
        message = f"vLLM exited unexpectedly (code {proc.returncode}). Last output:\n{self.tail()}"
        self._set_state(EngineState.CRASHED, message)
        await self._maybe_restart()

    async def _maybe_restart(self) -> None:
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > self.config.restart_window_s:
            self.restarts.popleft()
        if len(self.restarts) >= self.config.max_restarts:
            self._set_state(
                EngineState.CRASHED,
                f"vLLM crashed {len(self.restarts) + 1} times in {self.config.restart_window_s:.0f} s; "
                f"not restarting. See the log, fix the cause, then run `codepal serve` again.\n{self.tail()}",
            )
            return
        self.restarts.append(now)
        try:
            await self.start()
        except CodepalError as exc:
            self._set_state(EngineState.CRASHED, f"restart failed: {exc}")


def _open_private_log(path: Path) -> TextIO:
    """vLLM's output, readable by the user only (it names paths and ports)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
