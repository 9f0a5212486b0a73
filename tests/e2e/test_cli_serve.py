"""`codepal serve` / `codepal doctor` as a user runs them, in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.vllm_bed import test_model_dir

pytestmark = [pytest.mark.slow]
CODEPAL = [sys.executable, "-m", "codepal"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"CODEPAL_STATE_DIR": str(tmp_path / "state"), "HF_HUB_OFFLINE": "1", **extra})
    return env


@pytest.mark.vllm
def test_serve_doctor_and_ctrl_c(tmp_path: Path) -> None:
    env = _env(tmp_path)
    started = time.monotonic()
    serve = subprocess.Popen([*CODEPAL, "serve", "--model", str(test_model_dir()), "--enforce-eager"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert serve.stdout is not None
        line = serve.stdout.readline()
        ready_s = time.monotonic() - started
        print(f"codepal serve ready in {ready_s:.1f} s: {line.strip()}")
        assert "serving" in line and "http://127.0.0.1:" in line
        doctor = subprocess.run([*CODEPAL, "doctor", "--json"], env=env, capture_output=True, text=True,
                                timeout=60)
        report = json.loads(doctor.stdout)
        engine = next(c for c in report["checks"] if c["name"] == "engine")
        assert engine["ok"], engine
        children = psutil.Process(serve.pid).children(recursive=True)
        assert children
    finally:
        serve.send_signal(signal.SIGINT)
        code = serve.wait(60)
    time.sleep(0.5)
    assert code == 0, serve.stderr.read() if serve.stderr else ""
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not (tmp_path / "state" / "engine.json").exists()


def test_a_named_model_missing_offline_is_one_paragraph(tmp_path: Path) -> None:
    # The default model, missing, has the demo model stand in (tests/realmodel); one the user named does not.
    env = _env(tmp_path, HF_HUB_CACHE=str(tmp_path / "empty-hub"))
    started = time.monotonic()
    result = subprocess.run([*CODEPAL, "serve", "--model", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"], env=env,
                            capture_output=True, text=True, timeout=60)
    elapsed = time.monotonic() - started
    print(f"exit {result.returncode} after {elapsed:.1f} s: {result.stderr.strip()}")
    assert result.returncode != 0
    assert elapsed < 30
    assert "Traceback" not in result.stderr
    assert "DeepSeek-R1-Distill-Qwen-7B" in result.stderr and "--model PATH" in result.stderr
    assert result.stderr.strip().count("\n") == 0  # one paragraph


def test_bad_config_is_one_message(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[engine]\nmax_model_len = -1\n")
    env = _env(tmp_path, CODEPAL_CONFIG_FILE=str(config))
    result = subprocess.run([*CODEPAL, "serve"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "engine.max_model_len" in result.stderr and str(config) in result.stderr
    assert "Traceback" not in result.stderr
