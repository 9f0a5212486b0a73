"""What a model folder says: whether it thinks (reasoning parser on or off) and which stop strings apply."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig
from codepal.engine.command import build_argv
from codepal.engine.model_traits import choose_stops, read_traits
from codepal.testmodel import CHAT_TEMPLATE as R1_LIKE_TEMPLATE
from codepal.types import CompletionRequest

CHATML = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
PREFIX_STOPS = ["<｜end▁of▁sentence｜>", "<｜begin▁of▁sentence｜>", "<｜User｜>", "<｜Assistant｜>",
                "<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def model_folder(path: Path, tokens: list[str], template: str, template_file: bool = False) -> Path:
    path.mkdir()
    (path / "config.json").write_text("{}")
    added = [{"id": i, "content": token, "special": True} for i, token in enumerate(tokens)]
    (path / "tokenizer.json").write_text(json.dumps({"added_tokens": added, "model": {"vocab": {}}}))
    if template_file:
        (path / "chat_template.jinja").write_text(template)
        (path / "tokenizer_config.json").write_text("{}")
    else:
        (path / "tokenizer_config.json").write_text(json.dumps({"chat_template": template}))
    return path


def argv_for(folder: Path) -> list[str]:
    return build_argv(EngineConfig(model=str(folder)), str(folder), 8000, "cpu")


def test_a_model_with_thinking_tokens_gets_the_reasoning_parser(tmp_path: Path) -> None:
    r1 = model_folder(tmp_path / "r1", ["<think>", "</think>", "<｜end▁of▁sentence｜>"], R1_LIKE_TEMPLATE)
    assert read_traits(r1).thinks
    argv = argv_for(r1)
    assert argv[argv.index("--reasoning-parser") + 1] == "deepseek_r1"


def test_a_model_without_them_is_served_without_it(tmp_path: Path) -> None:
    chatml = model_folder(tmp_path / "smol", ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], CHATML, True)
    assert not read_traits(chatml).thinks
    assert "--reasoning-parser" not in argv_for(chatml)
    # The tokens alone are not enough: a template that never opens <think> gets no parser either.
    unused = model_folder(tmp_path / "unused", ["<think>", "</think>"], CHATML)
    assert not read_traits(unused).thinks


def test_stops_are_those_the_tokenizer_has_at_most_four_in_order() -> None:
    smol = frozenset({"<|endoftext|>", "<|im_start|>", "<|im_end|>"})
    assert choose_stops(PREFIX_STOPS, smol) == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    r1 = frozenset(PREFIX_STOPS)
    assert choose_stops(PREFIX_STOPS, r1) == PREFIX_STOPS[:4]
    # No tokenizer on this machine (a remote server): the template's first four.
    assert choose_stops(PREFIX_STOPS, None) == PREFIX_STOPS[:4]
    # Plain-text stops are not tokens and always count.
    assert choose_stops(["\n\n\n", "<|nope|>", "<|im_end|>"], smol) == ["\n\n\n", "<|im_end|>"]


def test_completion_requests_carry_the_served_models_stops(tmp_path: Path) -> None:
    # Served under its path (`codepal serve --model DIR`, the demo model): its tokenizer decides.
    smol = model_folder(tmp_path / "smol", ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], CHATML, True)
    service = CompletionService(CompletionConfig(), EngineConfig())
    request = CompletionRequest("def f():\n    ", 13, "python")
    assert service.prepare(request, str(smol)).rendered.stop == ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    assert service.prepare(request, "some-remote-model").rendered.stop == PREFIX_STOPS[:4]


def test_a_model_folder_copied_in_is_seen_after_the_refresh_time_off_the_requests_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import codepal.complete.service as service_module

    monkeypatch.setattr(service_module, "SETUP_REFRESH_S", 0.05)
    monkeypatch.setattr(service_module, "SETUP_LOOK_DELAY_S", 0.05)
    service = CompletionService(CompletionConfig(), EngineConfig())
    request = CompletionRequest("def f():\n    ", 13, "python")
    smol_stops = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

    def stops(served: Path) -> list[str]:
        return service.prepare(request, str(served)).rendered.stop

    async def scenario(served: Path) -> list[list[str]]:
        seen = [stops(served)]  # no folder there yet: the template's stops
        model_folder(served, smol_stops, CHATML, True)  # the model is copied in
        seen.append(stops(served))  # within the refresh time: what was found
        await asyncio.sleep(0.08)
        seen.append(stops(served))  # past it: still what was found, and the look is scheduled
        await asyncio.sleep(0.1)
        seen.append(stops(served))  # the look was taken while idle
        return seen

    assert asyncio.run(scenario(tmp_path / "a")) == [PREFIX_STOPS[:4]] * 3 + [smol_stops]
    # Without an event loop (a script calling `prepare`), the look past the refresh time is taken at once.
    served = tmp_path / "b"
    assert stops(served) == PREFIX_STOPS[:4]
    model_folder(served, smol_stops, CHATML, True)
    time.sleep(0.06)
    assert stops(served) == smol_stops


def test_a_look_scheduled_before_a_configuration_change_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import codepal.complete.service as service_module

    monkeypatch.setattr(service_module, "SETUP_REFRESH_S", 0.0)
    monkeypatch.setattr(service_module, "SETUP_LOOK_DELAY_S", 0.02)
    request = CompletionRequest("def f():\n    ", 13, "python")

    async def entries_after_the_look(change_config: bool) -> tuple[object, object]:
        service = CompletionService(CompletionConfig(), EngineConfig())
        service.prepare(request, "some-remote-model")
        service.prepare(request, "some-remote-model")  # past the refresh time: a look is scheduled
        (key, before), = service._setups.items()
        if change_config:
            service.update_config(CompletionConfig(), EngineConfig(model=str(tmp_path / "another")))
        await asyncio.sleep(0.1)
        return before, service._setups[key]

    before, after = asyncio.run(entries_after_the_look(change_config=False))
    assert after is not before  # the look ran and was kept
    before, after = asyncio.run(entries_after_the_look(change_config=True))
    assert after is before  # it ran after the change: the old key was left as it was
