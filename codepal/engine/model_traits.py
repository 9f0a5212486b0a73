"""What a model folder says about the model: does it think (R1's `<think>…</think>`), and which special
tokens its tokenizer knows (so that only stop strings it can produce are sent). Read from the files, never
guessed from the name, so that `codepal serve --model DIR` works for any model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from codepal.text.reasoning import THINK_CLOSE, THINK_OPEN, looks_like_token

MAX_STOPS = 4  # the OpenAI protocol (and vLLM) allow at most four stop strings


@dataclass(frozen=True)
class ModelTraits:
    thinks: bool  # the tokenizer has the thinking tokens and the chat template uses them
    tokens: frozenset[str]  # the tokenizer's added (special) tokens


def chat_template(model_dir: Path) -> str:
    """The chat template, from `chat_template.jinja` or `tokenizer_config.json` (transformers writes either)."""
    path = model_dir / "chat_template.jinja"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    try:
        config = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    template = config.get("chat_template") or ""
    if isinstance(template, list):  # named templates: [{"name": ..., "template": ...}]
        template = "".join(str(item.get("template", "")) for item in template if isinstance(item, dict))
    return str(template)


def added_tokens(model_dir: Path) -> frozenset[str]:
    try:
        data = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    return frozenset(str(token.get("content")) for token in data.get("added_tokens") or [] if token.get("content"))


@lru_cache(maxsize=8)
def read_traits(model_dir: Path) -> ModelTraits:
    tokens = added_tokens(model_dir)
    template = chat_template(model_dir)
    thinks = {THINK_OPEN, THINK_CLOSE} <= tokens and THINK_OPEN in template and THINK_CLOSE in template
    return ModelTraits(thinks=thinks, tokens=tokens)


def choose_stops(candidates: Sequence[str], known: frozenset[str] | None) -> list[str]:
    """At most four stop strings, in the template's order (most specific first). A special-token string
    the served tokenizer does not have can never be generated, so it is dropped to make room for one that
    can; with no tokenizer on this machine (a remote server) every candidate counts."""
    usable = [stop for stop in candidates if known is None or stop in known or not looks_like_token(stop)]
    return usable[:MAX_STOPS]
