"""`codepal make-test-model DIR`: a tiny random Qwen2 model with the R1 tokens and chat template.

Same class as DeepSeek-R1-Distill-Qwen-1.5B (Qwen2ForCausalLM), so vLLM runs the same code path; its
text is gibberish. Built in seconds, offline: the tokenizer is trained on Python's own standard library.
"""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path
from typing import Any

from codepal.text.reasoning import THINK_CLOSE, THINK_OPEN

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
USER = "<｜User｜>"
ASSISTANT = "<｜Assistant｜>"
SPECIAL_TOKENS = [
    BOS, EOS, USER, ASSISTANT, THINK_OPEN, THINK_CLOSE,
    "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|endoftext|>",
]

# Behaves like DeepSeek-R1-Distill's template: system text right after BOS with no role marker,
# earlier assistant turns cut to what follows </think>, generation prompt ending "<｜Assistant｜><think>\n".
CHAT_TEMPLATE = (
    "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}"
    "{% set ns = namespace(system_prompt='') %}"
    "{%- for message in messages %}{%- if message['role'] == 'system' %}"
    "{% set ns.system_prompt = message['content'] %}{%- endif %}{%- endfor %}"
    "{{ bos_token }}{{ ns.system_prompt }}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'user' %}{{ '<｜User｜>' + message['content'] }}{%- endif %}"
    "{%- if message['role'] == 'assistant' and message['content'] is not none %}"
    "{% set content = message['content'] %}"
    "{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}"
    "{{ '<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>' }}"
    "{%- endif %}"
    "{%- endfor -%}"
    "{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}"
)

VOCAB_SIZE = 4096
FORMAT = "codepal-test-model 5"  # bump when the recipe changes, so cached copies are rebuilt
SEED = 1234
# The constant hidden dimension (see _never_end): no larger than the other dimensions, so it does not drown
# them; the banned tokens read it with a weight large enough that their logit stays about 150 below the rest.
CONSTANT = 0.04
BAN_WEIGHT = 1000.0
# A random model's greedy output falls into loops ("count count count") or byte soup, which
# post-processing rightly drops, so greedy tests and the benchmark would see no suggestions. Instead each
# token strongly predicts a successor: the word-like tokens form one random cycle and every other token
# leads into it (embeddings scaled up so that the current token dominates the residual stream; a
# successor's output row is the sum of its predecessors' embeddings). Greedy text is then one line of
# never-repeating word pieces; sampling mostly follows the cycle and sometimes jumps.
EMBEDDING_SCALE = 10.0
SUCCESSOR_WEIGHT = 0.1


def _training_corpus(limit_bytes: int = 3_000_000) -> list[str]:
    """Deterministic text from the standard library's sources (always on disk, no network)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    texts: list[str] = []
    total = 0
    for path in sorted(stdlib.glob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        texts.append(text)
        total += len(text)
        if total > limit_bytes:
            break
    return texts


def _train_tokenizer(out: Path) -> None:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_corpus(), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=EOS,
        additional_special_tokens=SPECIAL_TOKENS[2:],
        model_max_length=4096,
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(str(out))
    # Older/newer transformers disagree on where the template lives; write both places.
    (out / "chat_template.jinja").write_text(CHAT_TEMPLATE, encoding="utf-8")
    config_path = out / "tokenizer_config.json"
    tok_config = json.loads(config_path.read_text(encoding="utf-8"))
    tok_config["chat_template"] = CHAT_TEMPLATE
    tok_config["add_bos_token"] = True
    config_path.write_text(json.dumps(tok_config, indent=2, ensure_ascii=False), encoding="utf-8")


def _clean_tokens(tokenizer: Any, banned: list[int]) -> list[int]:
    """Tokens that read as a word on one line: printable, at most one leading space, nothing else blank."""
    clean = []
    for token in range(tokenizer.get_vocab_size()):
        text = tokenizer.decode([token])
        body = text[1:] if text.startswith(" ") else text
        word = body.isprintable() and "\ufffd" not in body and not any(c.isspace() for c in body)
        if token not in banned and body and word:
            clean.append(token)
    return clean


def _successor_cycle(model: Any, clean: list[int]) -> None:
    import random

    import torch

    with torch.no_grad():
        embeddings = model.model.embed_tokens.weight
        embeddings.mul_(EMBEDDING_SCALE)
        rng = random.Random(SEED)
        cycle = clean[:]
        rng.shuffle(cycle)
        successor = dict(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        # Every other token (whitespace, newlines, byte pieces, specials) leads into the cycle too.
        for token in range(embeddings.shape[0]):
            successor.setdefault(token, rng.choice(cycle))
        head = model.lm_head.weight
        head[cycle] = 0.0
        for token, after in successor.items():
            head[after] += SUCCESSOR_WEIGHT * embeddings[token]


def _never_end(model: Any, banned: list[int]) -> None:
    """Make the banned tokens (EOS, `</think>`) unreachable by sampling, so that every generation runs to
    its `max_tokens` (or to the server's forced `</think>` at the thinking budget): tests then know how long
    the model works, instead of a random model stopping at a random token.

    Hidden dimension 0 carries a constant: every embedding has CONSTANT there and no layer writes to it
    (that row of each output projection is zero), so after the final RMSNorm it is always positive. The
    banned tokens' output rows read only that dimension, with a negative weight: their logit is always far
    below every other token's. No other output row reads it."""
    import torch

    with torch.no_grad():
        model.model.embed_tokens.weight[:, 0] = CONSTANT
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight[0, :] = 0.0
            layer.mlp.down_proj.weight[0, :] = 0.0
        head = model.lm_head.weight
        head[:, 0] = 0.0
        for token in banned:
            head[token, :] = 0.0
            head[token, 0] = -BAN_WEIGHT


def _build_model(out: Path, vocab_size: int, bos_id: int, eos_id: int, think_end_id: int,
                 clean: list[int]) -> None:
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(SEED)
    settings: dict[str, Any] = dict(  # a dict: transformers 4 and 5 spell some of these differently
        vocab_size=vocab_size,
        hidden_size=256,
        intermediate_size=512,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=128,
        max_position_embeddings=4096,
        max_window_layers=2,
        tie_word_embeddings=False,  # tied, a random model mostly repeats its input token
        bos_token_id=bos_id,
        eos_token_id=eos_id,
        dtype="bfloat16",
        rope_theta=10000.0,
    )
    config = Qwen2Config(**settings)
    model: Any = Qwen2ForCausalLM(config)
    _successor_cycle(model, clean)
    _never_end(model, [eos_id, think_end_id])
    model = model.to(torch.bfloat16)
    model.save_pretrained(str(out), safe_serialization=True)
    GenerationConfig(bos_token_id=bos_id, eos_token_id=eos_id, do_sample=True,
                     temperature=0.6, top_p=0.95).save_pretrained(str(out))


def make_test_model(out: Path) -> Path:
    """Write the tiny model into `out` and return it."""
    out.mkdir(parents=True, exist_ok=True)
    _train_tokenizer(out)
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(out / "tokenizer.json"))
    bos_id = tokenizer.token_to_id(BOS)
    eos_id = tokenizer.token_to_id(EOS)
    think_end_id = tokenizer.token_to_id(THINK_CLOSE)
    assert bos_id is not None and eos_id is not None and think_end_id is not None, "special tokens missing"
    clean = _clean_tokens(tokenizer, [eos_id, think_end_id])
    _build_model(out, tokenizer.get_vocab_size(), bos_id, eos_id, think_end_id, clean)
    (out / "CODEPAL_TEST_MODEL").write_text(f"{FORMAT}\nrandom weights; gibberish output; for tests only\n")
    return out


def is_complete(path: Path) -> bool:
    """A finished model of the current recipe (older cached copies are rebuilt)."""
    marker = path / "CODEPAL_TEST_MODEL"
    if not (path / "config.json").exists() or not (path / "tokenizer.json").exists() or not marker.exists():
        return False
    return marker.read_text(encoding="utf-8").startswith(FORMAT)
