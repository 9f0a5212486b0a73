"""The completion service counts tokens with the tokenizer of the model in use, also after it changes."""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers

from codepal.complete.budget import HeuristicCounter
from codepal.complete.service import CompletionService
from codepal.config import CompletionConfig, EngineConfig

TEXT = "def f ( )"


def model_dir(root: Path, name: str, split_words: bool) -> Path:
    """A model folder whose tokenizer counts TEXT as 4 tokens (words) or 1 (no pre-tokenizer: one unknown)."""
    folder = root / name
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    tokenizer = Tokenizer(models.WordLevel({"def": 0, "f": 1, "(": 2, ")": 3, "[UNK]": 4}, unk_token="[UNK]"))
    if split_words:
        tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder


def test_a_model_change_takes_the_new_models_tokenizer(tmp_path: Path) -> None:
    words, whole = model_dir(tmp_path, "words", True), model_dir(tmp_path, "whole", False)
    completion = CompletionConfig()
    service = CompletionService(completion, EngineConfig(model=str(words)))
    assert service.counter().count(TEXT) == 4
    service.update_config(completion, EngineConfig(model=str(whole)))
    assert service.counter().count(TEXT) == 1
    service.update_config(completion, EngineConfig(model=str(tmp_path / "gone")))
    assert isinstance(service.counter(), HeuristicCounter)


def test_the_served_model_decides_when_it_is_a_local_folder(tmp_path: Path) -> None:
    """`codepal serve --model DIR` and the demo model are served under their path."""
    words, whole = model_dir(tmp_path, "words", True), model_dir(tmp_path, "whole", False)
    service = CompletionService(CompletionConfig(), EngineConfig(model=str(words)))
    assert service.counter(str(whole)).count(TEXT) == 1
    assert service.counter("some-remote-name").count(TEXT) == 4  # not a folder: the configured model
    assert service.counter(str(whole)) is service.counter(str(whole))  # loaded once, not per request
