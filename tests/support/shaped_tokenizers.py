"""Tokenizers shaped like Qwen2's (the product's DeepSeek-R1-Distill-Qwen-1.5B) and Llama-3's, made offline from
the test model's vocabulary: their pre-tokenizer (`Sequence[Split(Regex), ByteLevel]`), normalizer and added
tokens, as in their `tokenizer.json` (the model hub cannot be reached here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).parents[2] / ".cache" / "test-model" / "tokenizer.json"

QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_REGEX = QWEN2_REGEX.replace(r"|\p{N}|", r"|\p{N}{1,3}|")
# DeepSeek-R1-Distill-Qwen's added tokens as remembered, with Qwen2's chat tokens (present or not in R1's).
R1_ADDED = ["<｜end▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>", "<｜begin▁of▁sentence｜>", "<|EOT|>", "<think>",
            "</think>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>",
            "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>",
            "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|endoftext|>", "<|im_start|>",
            "<|im_end|>"]
LLAMA3_ADDED = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>",
                *(f"<|reserved_special_token_{n}|>" for n in range(251))]


def shaped(regex: str | None, *, added: list[str], pre_tokenizer: dict[str, Any] | None = None,
           **model: Any) -> dict[str, Any]:
    """The test model's tokenizer.json (`SOURCE`, made by `codepal make-test-model`) with
    `Sequence[Split(regex), ByteLevel]` (or `pre_tokenizer`), NFC, a `ByteLevel` post-processor, `model` settings
    changed and `added` appended to its added tokens."""
    spec: dict[str, Any] = json.loads(SOURCE.read_text(encoding="utf-8"))
    spec["normalizer"] = {"type": "NFC"}
    spec["pre_tokenizer"] = pre_tokenizer or {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": regex}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}
    spec["post_processor"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                              "use_regex": False}
    spec["model"].update(model)
    present = {token["content"] for token in spec["added_tokens"]}
    next_id = max([*spec["model"]["vocab"].values(), *(token["id"] for token in spec["added_tokens"])]) + 1
    for content in added:
        if content not in present:
            spec["added_tokens"].append({"id": next_id, "content": content, "single_word": False, "lstrip": False,
                                         "rstrip": False, "normalized": False, "special": True})
            next_id += 1
    return spec
