"""`codepal serve`: start vLLM (or attach to --url), show loading progress, stop cleanly on Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time

from codepal.cli.common import add_engine_options, config_from_args
from codepal.engine import Engine, EngineState
from codepal.engine.device import describe_gpus, gpus
from codepal.engine.model_files import require_local_model
from codepal.engine.state import EngineInfo, remove_state, write_state
from codepal.paths import state_dir

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_engine_options(parser)
    parser.add_argument("--port", type=int, help="port for vLLM (default: a free one)")
    parser.add_argument("--max-model-len", type=int, help="context window in tokens (default 4096)")
    parser.add_argument("--enforce-eager", action="store_true", default=None,
                        help="skip graph compilation: faster start, slower generation")
    parser.add_argument("--no-restart", action="store_true", help="do not restart vLLM after a crash")


def run(args: argparse.Namespace) -> int:
    config = config_from_args(
        args,
        **{"engine.port": args.port, "engine.max_model_len": args.max_model_len,
           "engine.enforce_eager": args.enforce_eager,
           "engine.max_restarts": 0 if args.no_restart else None},
    )
    if config.engine.url:
        return asyncio.run(_attach(config.engine.url, config.engine.api_key, config.engine.model))
    require_local_model(config.engine.model)  # fail in seconds, before any progress display
    engine = Engine(config.engine, extra_args=args.passthrough, log_path=state_dir() / "vllm.log")
    return asyncio.run(_serve(engine))


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _show_progress(engine: Engine) -> None:
    """A spinner with elapsed time and vLLM's current phase; plain lines when not on a terminal."""
    tty = sys.stderr.isatty()
    shown_phase = None
    for tick in range(10**9):
        elapsed = time.monotonic() - engine.started_at
        if tty:
            print(f"\r{SPINNER[tick % len(SPINNER)]} loading {engine.config.model} · {engine.phase or 'starting'}"
                  f" · {elapsed:5.1f} s\033[K", end="", file=sys.stderr, flush=True)
        elif engine.phase != shown_phase:
            shown_phase = engine.phase
            print(f"[{elapsed:5.1f} s] {engine.phase or 'starting'}", file=sys.stderr, flush=True)
        await asyncio.sleep(0.1)


async def _serve(engine: Engine) -> int:
    def on_state(state: EngineState, message: str) -> None:
        if state in (EngineState.CRASHED, EngineState.DEGRADED):
            print(f"codepal: engine {state.value}: {message}", file=sys.stderr, flush=True)
        elif state is EngineState.READY and engine.ready_after_s is not None:
            print(f"codepal: engine ready: {message}", file=sys.stderr, flush=True)

    progress = asyncio.ensure_future(_show_progress(engine))
    signals = asyncio.ensure_future(_until_signal())
    starting = asyncio.ensure_future(engine.start())
    try:
        await asyncio.wait({starting, signals}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        progress.cancel()
        if sys.stderr.isatty():
            print("\r\033[K", end="", file=sys.stderr)
    if signals.done():
        starting.cancel()
        with contextlib.suppress(BaseException):
            await starting
        await engine.stop()
        return 130
    info = starting.result()  # raises CodepalError with vLLM's last lines when it failed
    engine.add_listener(on_state)
    device = engine.device if engine.device == "cpu" else f"cuda: {describe_gpus(gpus())}"
    print(f"codepal: serving {info.model} at {info.url} ({device}; ready in "
          f"{engine.ready_after_s:.1f} s). Ctrl-C stops.", flush=True)
    await signals
    print("codepal: stopping…", file=sys.stderr, flush=True)
    await engine.stop()
    return 0


async def _attach(url: str, api_key: str | None, model: str) -> int:
    """Record an existing server in the state file so the other surfaces find it, until Ctrl-C."""
    import os

    from codepal.client import ModelClient

    client = ModelClient(url, api_key, model)
    try:
        if not await client.health(timeout=3.0):
            print(f"codepal: the server at {url} does not answer /health or /v1/models", file=sys.stderr)
            return 2
        models = await client.list_models()
    finally:
        await client.aclose()
    served = model if model in models else (models[0] if models else model)
    write_state(EngineInfo(url.rstrip("/"), api_key, served, os.getpid(), "remote"))
    print(f"codepal: attached to {url} serving {served}. Ctrl-C detaches.", flush=True)
    try:
        await _until_signal()
    finally:
        remove_state(os.getpid())
    return 0
