"""The vLLM command line and environment. The API key travels in the environment, never in argv."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

from codepal.config import EngineConfig
from codepal.engine.device import Device, resolve_dtype
from codepal.engine.model_traits import read_traits
from codepal.errors import ConfigError

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "VLLM_NO_USAGE_STATS": "1",
    "VLLM_DO_NOT_TRACK": "1",
    "DO_NOT_TRACK": "1",
}


def check_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(f"engine.host: '{host}' is not a loopback address; codepal only listens on loopback")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def served_name(config: EngineConfig) -> str:
    return config.served_model_name or config.model


def build_argv(config: EngineConfig, model_path: str, port: int, device: Device,
               extra: list[str] | None = None, served: str | None = None) -> list[str]:
    argv = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", model_path,
        "--served-model-name", served or served_name(config),
        "--host", config.host,
        "--port", str(port),
        "--dtype", resolve_dtype(config.dtype, device),
        "--max-model-len", str(config.max_model_len),
        "--enable-prefix-caching",
        "--enable-prompt-tokens-details",  # usage says how many prompt tokens the prefix cache held
        "--disable-uvicorn-access-log",
        # vLLM checks the key under /v1 only; this checks it everywhere but health and metrics.
        "--middleware", "codepal.engine.vllm_auth.RequireApiKey",
    ]
    if read_traits(Path(model_path)).thinks:
        # Only for a model that thinks: vLLM's parser refuses to start without the thinking tokens.
        argv += ["--reasoning-parser", "deepseek_r1"]
    if device == "cuda":
        argv += ["--gpu-memory-utilization", str(config.gpu_memory_utilization)]
    if config.enforce_eager:
        argv.append("--enforce-eager")
    return argv + list(config.extra_args) + list(extra or [])


def build_env(config: EngineConfig, api_key: str, device: Device,
              base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(OFFLINE_ENV)
    env["VLLM_API_KEY"] = api_key
    env["VLLM_HOST_IP"] = "127.0.0.1"  # vLLM's internal sockets stay on loopback too
    env["PYTHONUNBUFFERED"] = "1"
    if device == "cpu":
        env.setdefault("VLLM_CPU_KVCACHE_SPACE", str(config.cpu_kvcache_space_gib))
    else:
        # vLLM 0.26 runs Qwen2 on its V2 model runner by default on CUDA, and that runner rejects every
        # request carrying `thinking_token_budget` (400), which explain and fix send. The V1 runner
        # enforces the budget. Set VLLM_USE_V2_MODEL_RUNNER=1 to override (the budget then fails).
        env.setdefault("VLLM_USE_V2_MODEL_RUNNER", "0")
    return env
