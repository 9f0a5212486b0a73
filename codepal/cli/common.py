"""Helpers shared by subcommands."""

from __future__ import annotations

import argparse
from typing import Any

from codepal.config import CodepalConfig, load_config


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model id in the local HF cache, or a model directory")
    parser.add_argument("--url", help="attach to an existing OpenAI-compatible server")
    parser.add_argument("--api-key", help="API key for --url (prefer CODEPAL_ENGINE__API_KEY)")


def config_from_args(args: argparse.Namespace, **extra: Any) -> CodepalConfig:
    overrides: dict[str, Any] = {}
    for key, attr in (("engine.model", "model"), ("engine.url", "url"), ("engine.api_key", "api_key")):
        value = getattr(args, attr, None)
        if value is not None:
            overrides[key] = value
    overrides.update({k: v for k, v in extra.items() if v is not None})
    return load_config(overrides=overrides, overrides_source="command line")
