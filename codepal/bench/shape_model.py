"""A model folder with DeepSeek-R1-Distill-Qwen-1.5B's exact shape and no weights, for the GPU benchmark.

vLLM serves it with `--load-format dummy` (random weights, made on the GPU in a second), so a machine
without the real weights runs the same kernels, KV-cache size and batch shapes as the real model: the
speed is the real model's, the text is gibberish. The tokenizer is a small one (the test model's, which
has the R1 special tokens and chat template) padded with added word-like tokens to R1's vocabulary of
151,936, so the embedding and output layers have their real size too. The padding's words are not ASCII,
so code (ASCII) never holds one and the language server counts its tokens by pieces, as it does with
R1's own tokenizer (its 22 added tokens); ASCII padding made every count a whole encoding.

Usage: python -m codepal.bench.shape_model BASE_TOKENIZER_DIR OUT_DIR
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

VOCAB_SIZE = 151_936

# deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B's config.json, less its token ids (taken from the tokenizer).
R1_CONFIG: dict[str, Any] = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "attention_dropout": 0.0,
    "hidden_act": "silu", "hidden_size": 1536, "initializer_range": 0.02, "intermediate_size": 8960,
    "max_position_embeddings": 131072, "max_window_layers": 21, "num_attention_heads": 12,
    "num_hidden_layers": 28, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 10000,
    "sliding_window": 4096, "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True,
    "use_sliding_window": False, "vocab_size": VOCAB_SIZE,
}
NOT_COPIED = {"config.json", "tokenizer.json"}  # and weights: the shape model has none
PAD = "\u0175"  # ŵ: the padding tokens' first letter, a word character outside ASCII


def padded_tokenizer(tokenizer: dict[str, Any], size: int = VOCAB_SIZE) -> dict[str, Any]:
    """`tokenizer.json` with tokens `ŵ4096`, `ŵ4097`, … added until ids reach `size`.

    They are added tokens (matched in the text before BPE), so text made of them encodes back to the
    same ids: explain and fix send the model's thinking back in a second request, and tokens that BPE
    cannot rebuild (plain vocabulary entries without merges) came back 3.4 times as long."""
    vocab: dict[str, int] = tokenizer["model"]["vocab"]
    added: list[dict[str, Any]] = tokenizer.setdefault("added_tokens", [])
    taken = set(vocab.values()) | {int(t["id"]) for t in added}
    for token_id in range(size):
        if token_id not in taken:
            content = f"{PAD}{token_id}" if f"{PAD}{token_id}" not in vocab else f"{PAD}_{token_id}"
            added.append({"id": token_id, "content": content, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": False})
    return tokenizer


def _token_id(tokenizer: dict[str, Any], config: dict[str, Any], key: str) -> int | None:
    """bos/eos id: the base tokenizer config's token, looked up among the added tokens."""
    entry = config.get(key)
    content = entry.get("content") if isinstance(entry, dict) else entry
    for added in tokenizer.get("added_tokens", []):
        if added.get("content") == content:
            return int(added["id"])
    return None


def build(base: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = json.loads((base / "tokenizer.json").read_text(encoding="utf-8"))
    tok_config = json.loads((base / "tokenizer_config.json").read_text(encoding="utf-8"))
    config = dict(R1_CONFIG)
    config["bos_token_id"] = _token_id(tokenizer, tok_config, "bos_token")
    config["eos_token_id"] = _token_id(tokenizer, tok_config, "eos_token")
    (out / "config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    (out / "tokenizer.json").write_text(json.dumps(padded_tokenizer(tokenizer)), encoding="utf-8")
    for path in base.iterdir():  # tokenizer config, chat template, generation config
        if path.is_file() and path.name not in NOT_COPIED and path.suffix not in (".safetensors", ".bin"):
            shutil.copyfile(path, out / path.name)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    print(build(Path(argv[0]), Path(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
