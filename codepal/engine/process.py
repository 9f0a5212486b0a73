"""vLLM as a child process with capped restarts.

The process's facts (launched, ready, exited, stopped) are events of the one state machine in
`codepal.engine.health`. A crash fails every pending request at once (through the crash listeners) and
keeps the last output lines for the error message.
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
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TextIO

from codepal.client import ModelClient
from codepal.config import EngineConfig
from codepal.engine.command import build_argv, build_env, check_loopback, free_port, served_name
from codepal.engine.device import Device, detect_device
from codepal.engine.health import EngineHealth, EngineState, Event, StateListener, probe
from codepal.engine.model_choice import choose_model
from codepal.engine.model_traits import read_traits
from codepal.engine.phases import phase_of
from codepal.engine.state import EngineInfo, remove_state, write_state
from codepal.errors import CodepalError

log = logging.getLogger(__name__)


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
    """One vLLM child process owned by this Python process.

    `health`: the state machine to feed (a new one by default). `probe_health`: whether this engine
    probes its own health once ready; False when whoever passed `health` probes it (the `EngineLink`
    does), so that one prober with one policy decides when the engine is degraded.
    """

    def __init__(
        self,
        config: EngineConfig,
        *,
        extra_args: list[str] | None = None,
        write_state_file: bool = True,
        state_path: Path | None = None,
        log_path: Path | None = None,
        health: EngineHealth | None = None,
        probe_health: bool = True,
    ) -> None:
        check_loopback(config.host)
        self.config = config
        self.extra_args = extra_args or []
        self.device: Device = detect_device()
        self.health = health or EngineHealth(message="not started")
        self.phase = ""
        self.info: EngineInfo | None = None
        self.last_lines: deque[str] = deque(maxlen=40)
        self.restarts: deque[float] = deque()
        self.started_at = time.monotonic()
        self.ready_after_s: float | None = None
        self._write_state_file = write_state_file
        self._state_path = state_path
        self._log_path = log_path
        self._probe_health = probe_health
        self._proc: asyncio.subprocess.Process | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False

    # -- public -----------------------------------------------------------------------------------

    @property
    def state(self) -> EngineState:
        return self.health.state

    @property
    def message(self) -> str:
        return self.health.message

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _nice(self) -> int:
        return self.config.cpu_nice if self.device == "cpu" else 0

    def add_listener(self, listener: StateListener) -> None:
        """Called with (state, message) on every change; a crash listener fails pending work."""
        self.health.add_listener(listener)

    async def start(self) -> EngineInfo:
        """Start vLLM and wait until `/health` answers and `/v1/models` lists the model. A failure to
        start is a crash (with vLLM's last lines) and raises CodepalError."""
        try:
            return await self._start()
        except CodepalError as exc:
            await self._terminate()
            self.health.apply(Event.FAILED, str(exc))
            raise
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> EngineInfo:
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
        self.health.apply(Event.LAUNCHED, f"starting vLLM ({self.device}) for {self.info.model}")
        self.started_at = time.monotonic()
        self.last_lines.clear()
        self._proc = await asyncio.create_subprocess_exec(
            *argv, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, preexec_fn=functools.partial(_child_setup, self._nice()),
        )
        self._spawn(self._read_output(self._proc))
        await self._wait_ready(self._proc)
        self.ready_after_s = time.monotonic() - self.started_at
        if self._write_state_file:
            write_state(self.info, self._state_path)
        self.health.apply(Event.PROBE_OK, f"ready at {url} after {self.ready_after_s:.1f} s")
        self._spawn(self._supervise(self._proc))
        return self.info

    async def stop(self, grace_s: float = 10.0) -> None:
        """SIGTERM to the whole process group, SIGKILL after `grace_s`; removes the state file."""
        await self._terminate(grace_s)
        self.health.apply(Event.STOPPED, "stopped")

    async def _terminate(self, grace_s: float = 10.0) -> None:
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

    def kill(self) -> None:
        """SIGTERM to the whole process group without waiting: this process is exiting (an `exit`
        without `shutdown`, or the editor went away), and the child's own death signal reaches only
        the child, not the processes it started."""
        self._stopping = True
        if self._proc is not None and self._proc.returncode is None:
            _signal_group(self._proc.pid, signal.SIGTERM)
        if self._write_state_file:
            remove_state(os.getpid(), self._state_path)

    # -- internals --------------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("engine background task failed", exc_info=task.exception())

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
        """Until the health probe passes and lists the model; misses while starting are expected."""
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
                result = await probe(client, self.health.policy, ready=False)
                if result.event is Event.PROBE_OK and self.info.model in result.models:
                    return
                await asyncio.sleep(self.health.policy.startup_poll_s)
        finally:
            await client.aclose()

    async def _supervise(self, proc: asyncio.subprocess.Process) -> None:
        """Watch the process (and its health, unless someone else probes it); on exit, crashed and maybe a
        capped restart."""
        waiter = asyncio.ensure_future(proc.wait())
        if self._probe_health:
            await self._probe_until_exit(waiter)
        await waiter
        if self._stopping:
            return
        _signal_group(proc.pid, signal.SIGKILL)  # the rest of a half-dead group
        await asyncio.sleep(0.1)
        if self._write_state_file:
            remove_state(os.getpid(), self._state_path)
        message = f"vLLM exited unexpectedly (code {proc.returncode}). Last output:\n{self.tail()}"
        self.health.apply(Event.FAILED, message)
        await self._maybe_restart()

    async def _probe_until_exit(self, waiter: asyncio.Future[int]) -> None:
        """Health probes by the one policy while the process lives (ready ⇄ degraded)."""
        assert self.info is not None
        client = ModelClient(self.info.url, self.info.api_key, self.info.model)
        wait = self.health.policy.retry_s
        try:
            while True:
                wait = self.health.policy.next_wait(self.health.state, self.health.misses, wait)
                done, _ = await asyncio.wait({waiter}, timeout=wait)
                if done or self._stopping:
                    return
                result = await probe(client, self.health.policy, self.health.state is EngineState.READY)
                if not waiter.done() and not self._stopping:  # an exit is a crash, not a missed probe
                    self.health.apply(result.event, result.message)
        finally:
            await client.aclose()

    async def _maybe_restart(self) -> None:
        now = time.monotonic()
        while self.restarts and now - self.restarts[0] > self.config.restart_window_s:
            self.restarts.popleft()
        if len(self.restarts) >= self.config.max_restarts:
            self.health.apply(
                Event.FAILED,
                f"vLLM crashed {len(self.restarts) + 1} times in {self.config.restart_window_s:.0f} s; "
                f"not restarting. See the log, fix the cause, then run `codepal serve` again.\n{self.tail()}",
            )
            return
        self.restarts.append(now)
        try:
            await self.start()
        except CodepalError as exc:  # start() has made it a crash, with vLLM's last lines
            log.error("vLLM restart failed: %s", exc)


def _open_private_log(path: Path) -> TextIO:
    """vLLM's output, readable by the user only (it names paths and ports)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    return os.fdopen(fd, "a", encoding="utf-8")


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
