from __future__ import annotations

from pathlib import Path

import pytest

from codepal.complete.context import CompletionContext, Signature, build_context
from codepal.complete.prompt import choose_template, load_templates, render
from codepal.errors import ConfigError, InvalidInput
from codepal.types import CompletionRequest, OpenDocument


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "prefix"),
        ("Qwen/Qwen2.5-Coder-1.5B", "qwen-fim"),
        ("qwen2_5-coder-7b-instruct", "qwen-fim"),
        ("Qwen/Qwen2.5-7B", "prefix"),
        ("deepseek-ai/deepseek-coder-1.3b-base", "deepseek-fim"),
        ("deepseek-ai/DeepSeek-Coder-V2-Lite-Base", "deepseek-fim"),
        ("bigcode/starcoder2-3b", "starcoder-fim"),
        ("codellama/CodeLlama-7b-hf", "codellama-fim"),
        ("/models/local-thing", "prefix"),
    ],
)
def test_auto_choice_by_model_name(model: str, expected: str) -> None:
    assert choose_template("auto", model).name == expected


def test_named_choice_and_unknown_name() -> None:
    assert (
        choose_template("starcoder-fim", "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B").name == "starcoder-fim"
    )
    with pytest.raises(ConfigError, match="known: auto, codellama-fim"):
        choose_template("gpt-fim", "x")


def test_every_template_is_well_formed() -> None:
    templates = load_templates()
    assert set(templates) == {"prefix", "qwen-fim", "deepseek-fim", "starcoder-fim", "codellama-fim"}
    assert not templates["prefix"].uses_suffix
    for template in templates.values():
        assert template.stop and template.description
        assert ("{suffix}" in template.format) == template.uses_suffix


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('uses_suffix = false\nformat = "{prefix}{oops}"', "unknown placeholder"),
        ('uses_suffix = false\nformat = "{prefix}{suffix}"', "iff uses_suffix"),
        ('format = "{prefix}"', "boolean `uses_suffix`"),
        ('uses_suffix = false\nformat = "{prefix}"\nstop = "x"', "list of strings"),
    ],
)
def test_bad_template_files_are_config_errors(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "bad.toml").write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_templates(tmp_path)


def test_prefix_template_has_no_suffix_and_fim_templates_do() -> None:
    ctx = CompletionContext(prefix="x = ", suffix="  # SUFFIX\n", language="python")
    templates = load_templates()
    assert "SUFFIX" not in render(ctx, templates["prefix"]).prompt
    for name in ("qwen-fim", "deepseek-fim", "starcoder-fim", "codellama-fim"):
        rendered = render(ctx, templates[name])
        assert rendered.uses_suffix and "SUFFIX" in rendered.prompt
        assert rendered.prompt.index("x = ") < rendered.prompt.index("SUFFIX")


def test_signature_order_does_not_change_the_prompt() -> None:
    signatures = (
        Signature("b", "def b():", "z.py"),
        Signature("a", "def a():", ""),
        Signature("c", "def c(x):", "m.py"),
        Signature("d", "def d():", "m.py"),
    )
    ctx = CompletionContext(
        prefix="y = ", suffix="", language="python", file_path="p.py", signatures=signatures
    )
    shuffled = CompletionContext(**{**ctx.__dict__, "signatures": signatures[::-1]})
    for template in load_templates().values():
        assert render(ctx, template).prompt == render(shuffled, template).prompt
    prompt = render(ctx, load_templates()["prefix"]).prompt
    assert prompt.index("From m.py") < prompt.index("From z.py") < prompt.index("Defined in this file")
    assert prompt.index("def c(x):") < prompt.index("def d():")


def test_binary_context_cannot_be_rendered() -> None:
    with pytest.raises(InvalidInput):
        render(CompletionContext("", "", "python", binary=True), load_templates()["prefix"])


def test_stop_list_is_a_copy() -> None:
    template = load_templates()["prefix"]
    render(CompletionContext("a", "", "python"), template).stop.append("mutated")
    assert "mutated" not in template.stop


SOURCE = (
    "import json\n\n\ndef parse(raw: str) -> dict[str, int]:\n    return json.loads(raw)\n\n\n"
    "class Store:\n    def save(self, raw: str) -> None:\n        data = parse(raw)\n        self.items.ap"
)
TAIL = "\n\n    def load(self) -> None:\n        pass\n"
OTHER = OpenDocument("file:///w/src/store_util.py", "def flush(store: object) -> None:\n    ...\n", "python")


@pytest.mark.parametrize("template", sorted(load_templates()))
def test_one_keystroke_changes_only_the_end_of_the_prompt(template: str) -> None:
    """vLLM's prefix cache reuses all but the tail of the previous prompt."""
    chosen = load_templates()[template]
    prompts = []
    for typed in ("", "p"):
        text = SOURCE + typed + TAIL
        request = CompletionRequest(
            text, len(SOURCE) + len(typed), "python", "file:///w/src/store.py", (OTHER,)
        )
        prompts.append(render(build_context(request), chosen).prompt)
    shared = next((i for i, (a, b) in enumerate(zip(*prompts, strict=False)) if a != b), len(prompts[0]))
    if chosen.uses_suffix:  # the suffix and the end markers follow the cursor
        assert shared == prompts[0].index("ap") + 2
        assert len(prompts[0]) - shared <= len(TAIL) + 30
    else:
        assert shared == len(prompts[0]) and prompts[1] == prompts[0] + "p"
