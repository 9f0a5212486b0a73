"""Is the model on this machine? codepal never downloads weights: it looks in the local HF cache."""

from __future__ import annotations

import os
from pathlib import Path

from codepal.errors import ModelNotAvailable


def hf_hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"
    )
    return Path(home) / "hub"


def local_model_dir(model: str) -> Path | None:
    """The directory holding `model`'s config.json: the path itself or a snapshot in the HF cache."""
    # os.path, not pathlib: every completion asks (the prompt's stop strings), and this is 4x cheaper.
    expanded = os.path.expanduser(model)
    if os.path.isfile(os.path.join(expanded, "config.json")):
        return Path(expanded)
    if model.count("/") != 1 or os.path.isabs(expanded):
        return None
    repo = hf_hub_cache() / ("models--" + model.replace("/", "--"))
    snapshots = sorted((repo / "snapshots").glob("*/config.json"), key=lambda p: p.stat().st_mtime)
    return snapshots[-1].parent if snapshots else None


def require_local_model(model: str) -> Path:
    """The model's directory, or ModelNotAvailable with one paragraph saying how to get it."""
    found = local_model_dir(model)
    if found is not None:
        return found
    raise ModelNotAvailable(
        f"The model '{model}' is not on this machine (looked in {hf_hub_cache()}), and codepal never "
        "downloads at run time. Either download it on a connected machine "
        f"(`huggingface-cli download {model}`) and copy its Hugging Face cache folder "
        f"(models--{model.replace('/', '--')}) into {hf_hub_cache()} here, or point codepal at a "
        "model directory with `codepal serve --model PATH` (for a quick check, "
        "`codepal make-test-model DIR` writes a tiny test model)."
    )
