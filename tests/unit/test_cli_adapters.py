"""Adapters add `codepal` subcommands through the `codepal.commands` entry-point group (the core names none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codepal.cli.main import ADAPTER_COMMANDS, COMMANDS, build_parser, main


def _install(site: Path, points: str) -> None:
    """A distribution's metadata on sys.path, as pip writes it: importlib.metadata reads it like any other."""
    info = site / "codepal_adapter_probe-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: codepal-adapter-probe\nVersion: 0\n")
    (info / "entry_points.txt").write_text(f"[{ADAPTER_COMMANDS}]\n{points}")


def test_a_registered_adapter_becomes_a_subcommand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path, "lsp = codepal_lsp.cli\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    args = build_parser().parse_args(["lsp", "--stdio"])
    assert args.module == "codepal_lsp.cli" and args.stdio and not getattr(args, "broken", None)


def test_an_adapter_cannot_replace_a_core_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _install(tmp_path, "serve = codepal_lsp.cli\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert build_parser().parse_args(["serve"]).module == COMMANDS["serve"][0]


def test_a_missing_adapter_is_one_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    _install(tmp_path, "gone = codepal_no_such_adapter.cli\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["gone"]) == 2
    assert "`codepal gone` is unavailable" in capsys.readouterr().err


def test_a_broken_command_with_options_says_why_it_is_unavailable(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A dependency missing on the machine (seen on a GPU host without pygls) left `codepal serve --model X`
    saying its options were unrecognised: the user must read which import failed instead."""
    monkeypatch.setitem(COMMANDS, "serve", ("codepal_no_such_module.serve", "start"))
    assert main(["serve", "--model", "/models/x", "--no-restart", "--", "--load-format", "dummy"]) == 2
    err = capsys.readouterr().err
    assert "`codepal serve` is unavailable" in err and "codepal_no_such_module" in err
    assert "unrecognized" not in err


def test_unknown_options_of_a_working_command_are_still_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["doctor", "--no-such-option"])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
