"""`codepal explain` / `codepal fix` in-process against the scripted fake server."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from codepal.cli.assist_cmd import line_range
from codepal.cli.main import main
from codepal.errors import InvalidInput
from tests.support.fake_openai import Behaviour, FakeOpenAI

SOURCE = "import math\n\n\ndef area(r):\n    return math.pi * r * 2\n\n\ndef name():\n    return 'circle'\n"
GOOD = Behaviour(chunks=[("The area needs r squared.", ""),
                         ("", "```python\ndef area(r):\n    return math.pi * r ** 2\n```\nSquared r.")])


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "shapes.py"
    path.write_bytes(SOURCE.encode())
    return path


def test_explain_streams_the_answer_to_stdout_and_thinking_to_stderr(
    fake_openai: FakeOpenAI, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_openai.push(Behaviour(chunks=[("It computes an area.", ""), ("", "`area` returns"), ("", " 2πr.")]))
    code = main(["explain", str(source), "--lines", "4-5", "--show-thinking", "--url", fake_openai.url])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == "`area` returns 2πr.\n"
    assert "It computes an area." in err
    prompt = fake_openai.generation_requests()[0].body["messages"][0]["content"]
    assert "def area(r):\n    return math.pi * r * 2\n```" in prompt and "def name" not in prompt


def test_fix_prints_a_diff_by_default_and_leaves_the_file(
    fake_openai: FakeOpenAI, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_openai.push(GOOD)
    code = main(["fix", str(source), "--lines", "4-5", "--error", "wrong area", "--url", fake_openai.url])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "-    return math.pi * r * 2\n+    return math.pi * r ** 2\n" in out
    assert out.startswith(f"--- a/{source}\n+++ b/{source}\n")
    assert "Squared r." in err
    assert "answer: free text; thinking: ~" in err  # the fake server sends no token ids: an estimate
    assert source.read_text() == SOURCE
    assert "wrong area" in fake_openai.generation_requests()[0].body["messages"][0]["content"]


def test_fix_write_applies_and_keeps_a_backup(
    fake_openai: FakeOpenAI, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_openai.push(GOOD)
    assert main(["fix", str(source), "--write", "--url", fake_openai.url]) == 0
    assert source.read_text() == SOURCE.replace("r * 2", "r ** 2")
    assert Path(f"{source}.codepal.bak").read_text() == SOURCE


def test_fix_says_when_the_answer_came_as_json(
    fake_openai: FakeOpenAI, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = '{"code": "def area(r):\\n    return math.pi * r ** 2", "imports": [], "explanation": "Squared r."}'
    fake_openai.push(Behaviour(chunks=[("The area needs r squared.", ""), ("", answer)]))
    assert main(["fix", str(source), "--lines", "4-5", "--url", fake_openai.url]) == 0
    out, err = capsys.readouterr()
    assert "+    return math.pi * r ** 2\n" in out
    assert "answer: structured (JSON schema)" in err and "Squared r." in err


def test_fix_write_refuses_when_the_file_changed_meanwhile(
    fake_openai: FakeOpenAI, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slow = Behaviour(chunks=GOOD.chunks, first_delay_s=0.6)
    fake_openai.push(slow)
    edited = SOURCE + "# edited by the user\n"
    timer = threading.Timer(0.2, lambda: source.write_text(edited))
    timer.start()
    code = main(["fix", str(source), "--write", "--url", fake_openai.url])
    timer.join()
    assert code == 2
    assert "changed on disk" in capsys.readouterr().err
    assert source.read_text() == edited and not Path(f"{source}.codepal.bak").exists()


def test_no_fix_found_exits_1_and_touches_nothing(
    fake_openai: FakeOpenAI, source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prose = Behaviour(chunks=[("hm", ""), ("", "I am not sure what is wrong here.")])
    fake_openai.push(prose, prose)
    assert main(["fix", str(source), "--write", "--url", fake_openai.url]) == 1
    assert "no safe fix found" in capsys.readouterr().err
    assert source.read_text() == SOURCE


def test_without_an_engine_it_says_how_to_start_one(source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    assert main(["explain", str(source)]) == 2
    assert time.monotonic() - started < 3.5
    assert "codepal serve" in capsys.readouterr().err


def test_bad_line_range_is_one_message(source: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(source), "--lines", "7-x"]) == 2
    assert "--lines" in capsys.readouterr().err


def test_line_range() -> None:
    text = "a\nb\r\nc"
    assert line_range(text, None) == (0, 6)
    assert line_range(text, "2") == (2, 5)
    assert line_range(text, "2-3") == (2, 6)
    assert line_range(text, "1-99") == (0, 6)
    with pytest.raises(InvalidInput):
        line_range(text, "4")
    with pytest.raises(InvalidInput):
        line_range(text, "3-2")
