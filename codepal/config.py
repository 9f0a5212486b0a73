"""The one configuration model.

Sources, later wins: defaults, the user's config file (``$XDG_CONFIG_HOME/codepal/config.toml``),
``CODEPAL_*`` environment variables (``CODEPAL_ENGINE__MODEL``; sections joined by a double
underscore), then per-surface options (CLI flags, LSP initialization options, Jupyter traitlets).

Every surface derives its options from these models, and the README table is checked against them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.fields import FieldInfo

from codepal.errors import ConfigError
from codepal.paths import config_file

DEFAULT_MODEL = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
ENV_PREFIX = "CODEPAL_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, validate_assignment=True)


class EngineConfig(_Section):
    model: str = DEFAULT_MODEL
    """Model id in the local Hugging Face cache, or a path to a model directory."""

    served_model_name: str | None = None
    """Name the model is served under; defaults to `model`."""

    dtype: Literal["auto", "half", "float16", "bfloat16", "float32"] = "auto"
    """Weights dtype. `auto` means `half` (FP16) on CUDA; on the CPU build `bfloat16` where the CPU has BF16
    instructions (AVX-512 BF16, AMX, Arm BF16) and `float32` where it would emulate them (several times slower)."""

    max_model_len: int = Field(4096, ge=256, le=131072)
    """Context window in tokens given to vLLM (prompt plus generation)."""

    gpu_memory_utilization: float = Field(0.8, gt=0.0, le=1.0)
    """Fraction of GPU memory vLLM may take (CUDA only)."""

    cpu_kvcache_space_gib: int = Field(1, ge=1, le=512)
    """KV-cache size in GiB for the CPU build of vLLM (`VLLM_CPU_KVCACHE_SPACE`)."""

    cpu_nice: int = Field(10, ge=0, le=19)
    """Scheduling niceness of the CPU build of vLLM (0 = same as the editor). Its worker and scheduler spin
    on every core while they generate; niced, the editor, the language server and Jupyter still get the CPU
    at once, so typing and cancelling stay responsive."""

    host: str = "127.0.0.1"
    """Interface vLLM binds to. Only loopback addresses are accepted."""

    port: int = Field(0, ge=0, le=65535)
    """Port for vLLM; 0 picks a free one."""

    url: str | None = None
    """Attach to an existing OpenAI-compatible server at this URL instead of starting vLLM."""

    api_key: str | None = None
    """API key for `url`. A started engine always gets a fresh random key."""

    autostart: bool = False
    """Let the language server or Jupyter start an engine when none is running."""

    enforce_eager: bool = False
    """Pass `--enforce-eager` to vLLM (faster start, slower generation; used for the test model)."""

    start_timeout_s: float = Field(600.0, gt=0)
    """Give up starting vLLM after this many seconds."""

    max_restarts: int = Field(3, ge=0, le=100)
    """Automatic restarts allowed within `restart_window_s` after a crash."""

    restart_window_s: float = Field(600.0, gt=0)
    """Window over which `max_restarts` counts."""

    extra_args: list[str] = Field(default_factory=list)
    """Extra command-line flags passed to vLLM unchanged."""


class CompletionConfig(_Section):
    enabled: bool = True
    """Offer inline completions at all."""

    disabled_languages: list[str] = Field(default_factory=list)
    """Language ids (`python`, `markdown`, …) for which no completion is offered."""

    template: str = "auto"
    """Prompt template: `auto` (chosen from the model name), `prefix`, `qwen-fim`, `deepseek-fim`,
    `starcoder-fim` or `codellama-fim`."""

    model: str | None = None
    """A separate (FIM-trained) model name for completions on the same server; defaults to the engine's."""

    debounce_ms: int = Field(40, ge=0, le=2000)
    """Base wait before a completion request is sent; grows while the user types fast."""

    deadline_ms: int = Field(3000, ge=100, le=60000)
    """A completion that has no answer by then gives up and answers empty."""

    max_tokens_line: int = Field(32, ge=1, le=1024)
    """Generation budget when a single line is wanted (cursor mid-line)."""

    max_tokens_block: int = Field(96, ge=1, le=2048)
    """Generation budget when a block is wanted (cursor at the end of a line)."""

    temperature: float = Field(0.2, ge=0.0, le=2.0)
    """Sampling temperature for completions."""

    context_files: int = Field(4, ge=0, le=32)
    """How many other open documents may contribute signatures to the prompt."""

    cache_size: int = Field(256, ge=0, le=100000)
    """Suggestions kept for type-through (LRU entries)."""

    warm_cache: Literal["auto", "on", "off"] = "auto"
    """Prefill an open document's prompt into the engine's prefix cache while the engine is idle (on open,
    and after a pause in editing), so the next completion finds the code above its cursor cached. Costs
    idle engine time; never delays a completion by more than one short slice. `auto`: only with an engine
    codepal started (a server given by `engine.url` may be shared, or have no prefix cache)."""


class AssistConfig(_Section):
    thinking_budget_explain: int = Field(512, ge=0, le=32768)
    """Thinking tokens allowed for Explain before the answer is requested (0 = no limit)."""

    thinking_budget_fix: int = Field(1024, ge=0, le=32768)
    """Thinking tokens allowed for Fix before the answer is requested (0 = no limit)."""

    max_answer_tokens: int = Field(1024, ge=16, le=32768)
    """Tokens allowed for the answer after thinking."""

    temperature: float = Field(0.6, ge=0.0, le=2.0)
    """Sampling temperature for explain and fix (DeepSeek advises 0.5–0.7 for R1 models)."""

    top_p: float = Field(0.95, gt=0.0, le=1.0)
    """Nucleus sampling for explain and fix."""

    timeout_s: float = Field(300.0, gt=0)
    """An explain or fix that has not finished by then is abandoned."""

    apply_fix_without_confirmation: bool = False
    """Apply a fix in the editor at once. Off: editors that support LSP change annotations (VS Code)
    show the fix in their refactor preview first, to apply or discard."""


class CodepalConfig(_Section):
    engine: EngineConfig = Field(default_factory=EngineConfig)
    """The model server."""

    completion: CompletionConfig = Field(default_factory=CompletionConfig)
    """Inline completions."""

    assist: AssistConfig = Field(default_factory=AssistConfig)
    """Explain and fix."""

    def merged(self, overrides: Mapping[str, Any], source: str) -> CodepalConfig:
        """A copy with `overrides` (nested or dotted keys) applied; errors name the key and `source`."""
        data = self.model_dump()
        for key, value in _flatten(overrides):
            _set_dotted(data, key, value, source)
        return _validate(data, source)


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and dotted in ("engine", "completion", "assist"):
            yield from _flatten(value, dotted + ".")
        else:
            yield dotted, value


def _set_dotted(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    if len(parts) != 2 or parts[0] not in data or parts[1] not in data[parts[0]]:
        raise ConfigError(f"{source}: unknown setting '{key}' (known: {', '.join(all_keys())})")
    data[parts[0]][parts[1]] = value


def _validate(data: dict[str, Any], source: str) -> CodepalConfig:
    try:
        return CodepalConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{source}: invalid value for '{key}': {first['msg']}") from None


def all_keys() -> list[str]:
    """Every dotted setting name, e.g. `engine.model`."""
    return [
        f"{section}.{name}"
        for section, info in CodepalConfig.model_fields.items()
        for name in info.annotation.model_fields  # type: ignore[union-attr]
    ]


def setting_fields() -> list[tuple[str, FieldInfo]]:
    """(dotted key, pydantic field) for every setting; `field.annotation` is the real type, not its text."""
    return [
        (f"{section}.{name}", field)
        for section, info in CodepalConfig.model_fields.items()
        for name, field in info.annotation.model_fields.items()  # type: ignore[union-attr]
    ]


def describe_fields() -> list[tuple[str, str, Any, str]]:
    """(dotted key, type, default, docstring) for every setting: the source of docs and schemas."""
    rows = []
    for key, field in setting_fields():
        annotation = field.annotation
        type_name = annotation.__name__ if isinstance(annotation, type) else str(annotation)
        type_name = type_name.replace("typing.", "")
        default = field.get_default(call_default_factory=True)
        rows.append((key, type_name, default, " ".join((field.description or "").split())))
    return rows


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX):].lower().partition("__")
        overrides[f"{section}.{key}"] = _parse_env_value(raw)
    return overrides


def _parse_env_value(raw: str) -> Any:
    """Env values are TOML literals when they parse as one (`true`, `3`, `["a"]`), else plain strings."""
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def load_config(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    overrides_source: str = "options",
) -> CodepalConfig:
    """Defaults ← config file ← environment ← `overrides`. Raises ConfigError with one clear line."""
    config = CodepalConfig()
    file = path or config_file()
    if file.is_file():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise ConfigError(f"{file}: cannot read the config file: {exc}") from None
        config = config.merged(data, str(file))
    env = os.environ if environ is None else environ
    env_values = _env_overrides(env)
    if env_values:
        config = config.merged(env_values, "environment (CODEPAL_*)")
    if overrides:
        config = config.merged(overrides, overrides_source)
    return config
