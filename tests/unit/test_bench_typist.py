"""The scripted typist and the layout replay's request states: pure and deterministic."""

from __future__ import annotations

import ast

from codepal.bench.layout import context_on_top, live_states, request_states, stable_only
from codepal.bench.typist import (
    big_file,
    blank_lines,
    fast_script,
    human_script,
    line_offset,
    sample_text,
    target_lines,
)
from codepal.complete.context import CompletionContext, Signature
from codepal.complete.prompt import choose_template, render
from codepal.text.lines import split_lines


def _replay(script_text: str, lines: tuple[int, ...], bursts: list[tuple[int, str]]) -> str:
    text = script_text
    at: dict[int, int] = {}
    for index, typed in bursts:
        offset = at.get(index, line_offset(text, lines[index]))
        text = text[:offset] + typed + text[offset:]
        at[index] = offset + len(typed)
    return text


def test_sample_ships_with_the_package_and_parses() -> None:
    text = sample_text()
    assert len(split_lines(text)) > 150
    ast.parse(text)


def test_chosen_lines_are_body_lines_and_the_blanked_file_still_parses() -> None:
    text = sample_text()
    for count in (1, 3, 4, 8):
        numbers = target_lines(text, count)
        assert len(numbers) == count and list(numbers) == sorted(set(numbers))
        lines = split_lines(text)
        assert all(lines[n].startswith("        ") and not lines[n].strip().endswith(":") for n in numbers)
        ast.parse(blank_lines(text, numbers))


def test_fast_script_types_every_character_40_ms_apart_and_restores_the_file() -> None:
    text = sample_text()
    script = fast_script(text, 3)
    assert all(key.delay_ms == 40.0 for burst in script.bursts for key in burst.keys)
    assert len(script.bursts) == 3
    typed = [(b.line, "".join(k.char for k in b.keys)) for b in script.bursts]
    assert _replay(script.initial_text, script.lines, typed) == text


def test_human_script_is_seeded_bounded_and_pauses_mid_line() -> None:
    text = sample_text()
    script = human_script(text, 4, seed=7)
    assert script == human_script(text, 4, seed=7)
    assert script != human_script(text, 4, seed=8)
    delays = [key.delay_ms for burst in script.bursts for key in burst.keys]
    assert all(30.0 <= d <= 400.0 for d in delays)
    assert 80 < sum(delays) / len(delays) < 160
    assert len(script.bursts) > len(script.lines)  # some lines are typed in more than one burst
    typed = [(b.line, "".join(k.char for k in b.keys)) for b in script.bursts]
    assert _replay(script.initial_text, script.lines, typed) == text


def test_request_states_follow_the_script_and_end_each_burst() -> None:
    script = human_script(sample_text(), 3, seed=7)
    states = request_states(script)
    assert len(states) >= len(script.bursts)
    assert states[-1][0] == sample_text()
    for text, offset in states:
        assert 0 < offset <= len(text)


def test_live_states_are_the_debounced_requests_one_per_pause_at_least() -> None:
    scripts = {"fast": fast_script(sample_text(), 3), "human": human_script(sample_text(), 3, seed=7)}
    live = live_states(scripts, 40)
    assert len(live["fast"]) == len(scripts["fast"].bursts)  # 40 ms keys: one request per line, at its end
    assert len(scripts["human"].bursts) <= len(live["human"]) < len(request_states(scripts["human"]))
    assert live["human"][-1][0] == sample_text()


def test_big_file_renames_copies_and_parses() -> None:
    text = big_file(sample_text(), 2000)
    assert len(split_lines(text)) >= 2000
    tree = ast.parse(text)
    names = [node.name for node in tree.body if isinstance(node, ast.ClassDef)]
    assert len(names) == len(set(names)) > 1


def test_layout_variants_keep_the_cursor_line_last_and_move_the_moving_parts() -> None:
    ctx = CompletionContext(
        prefix="import os\n\n\nclass A:\n    def f(self):\n        x = 1\n        y = g",
        suffix="\n", language="python", file_path="pkg/a.py", scope=("class A:", "def f(self):", "def h():"),
        imports=("import os",), signatures=(Signature("g", "def g(z):"),))
    template = choose_template("prefix", "any")
    moved = render(ctx, template).prompt  # codepal's layout: what moves with the cursor sits above its line
    assert moved.startswith("# File: pkg/a.py\n")
    assert moved.endswith("        # Inside:\n        #   def h():\n        y = g")  # not what the code shows
    assert "        #   def g(z):\n" in moved
    on_top = context_on_top(ctx, template)
    assert on_top.startswith("# File: pkg/a.py\n# Defined in this file:\n#   def g(z):\n# Inside:\n")
    assert on_top.endswith("\n        y = g")
    stable = stable_only(ctx, template)
    assert "def g(z)" not in stable and stable.endswith("        y = g")
