from pathlib import Path

import pytest

from codepal.config import CodepalConfig, all_keys, describe_fields, load_config
from codepal.errors import ConfigError


def test_defaults_match_the_design(tmp_path: Path) -> None:
    config = load_config(tmp_path / "none.toml", environ={})
    assert config.engine.model == "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B"
    assert config.engine.max_model_len == 4096
    assert config.engine.gpu_memory_utilization == 0.8
    assert config.engine.host == "127.0.0.1"
    assert config.engine.dtype == "auto"


def test_file_then_env_then_overrides_later_wins(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text('[engine]\nmodel = "from-file"\nport = 9000\n[completion]\ndebounce_ms = 10\n')
    env = {"CODEPAL_ENGINE__PORT": "9001", "CODEPAL_COMPLETION__ENABLED": "false"}
    config = load_config(file, environ=env, overrides={"completion.debounce_ms": 99})
    assert config.engine.model == "from-file"
    assert config.engine.port == 9001
    assert config.completion.enabled is False
    assert config.completion.debounce_ms == 99


def test_invalid_value_names_key_and_file(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text("[engine]\nmax_model_len = 'lots'\n")
    with pytest.raises(ConfigError) as info:
        load_config(file, environ={})
    message = str(info.value)
    assert str(file) in message and "engine.max_model_len" in message
    assert "\n" not in message


def test_unknown_key_is_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'engine\.modle'"):
        load_config(tmp_path / "x.toml", environ={}, overrides={"engine.modle": "x"})


def test_broken_toml_is_reported_not_raised_raw(tmp_path: Path) -> None:
    file = tmp_path / "config.toml"
    file.write_text("[engine\n")
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(file, environ={})


def test_non_loopback_env_value_parses_as_string(tmp_path: Path) -> None:
    config = load_config(tmp_path / "x.toml", environ={"CODEPAL_ENGINE__MODEL": "org/name"})
    assert config.engine.model == "org/name"


def test_every_field_is_documented() -> None:
    rows = describe_fields()
    assert len(rows) == len(all_keys()) > 20
    for key, _type, _default, doc in rows:
        assert doc, f"{key} has no docstring"


def test_readme_documents_every_key() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [key for key in all_keys() if f"`{key}`" not in readme]
    assert not missing, f"README lacks: {missing}"


def test_merged_accepts_nested_sections() -> None:
    config = CodepalConfig().merged({"engine": {"autostart": True}}, "test")
    assert config.engine.autostart is True
