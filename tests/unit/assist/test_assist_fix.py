"""Fix against the scripted fake server: extraction, verification, one retry, refusal, minimal edits."""

from __future__ import annotations

from typing import Any

import pytest

from codepal.assist import fix
from codepal.assist.diff import apply_edits
from codepal.client import ModelClient
from codepal.config import AssistConfig
from codepal.errors import BackendProtocolError
from codepal.types import AnswerDelta, AssistEvent, CodeSpan, FixResult, Problem, ThinkingDelta
from tests.support.fake_openai import Behaviour, FakeOpenAI

# 30 lines; line 25 (0-based 24) has the bug.
HELPERS = "".join(f"def helper_{i}(x):\n    return x * {i}\n\n" for i in range(7))
DOC = ("import math\n\n" + HELPERS
       + "def area(r):\n    return math.pi * r * 2\n\n\ndef end():\n    pass\n# end\n")
BUG = "    return math.pi * r * 2\n"
assert len(DOC.splitlines()) == 30 and DOC.splitlines()[24] == BUG.rstrip()


def r1_answer(code: str, note: str = "I squared the radius.") -> Behaviour:
    """An R1-style stream: reasoning deltas, then the answer with a fenced block."""
    return Behaviour(chunks=[
        ("Okay, so the user wants me to fix `area`.", ""),
        (" The area of a circle is pi r squared,", ""),
        (" but the code multiplies by 2.", ""),
        ("", "Here is the corrected code:\n\n```python\n"),
        ("", code + "\n"),
        ("", f"```\n\n{note}"),
    ])


async def run(client: ModelClient, span: CodeSpan, config: AssistConfig,
              problem: Problem | None = None) -> tuple[list[AssistEvent], FixResult]:
    events = [event async for event in fix(client, span, problem, config)]
    results = [e for e in events if isinstance(e, FixResult)]
    assert len(results) == 1 and events[-1] is results[0]
    return events, results[0]


def area_span(doc: str = DOC) -> CodeSpan:
    start = doc.index("def area")
    return CodeSpan(doc, start, doc.index("\n\n\ndef end"), "python")


def only_the_bug_line_changed(result: FixResult, doc: str = DOC) -> None:
    assert result.ok and result.new_text is not None
    assert len(result.edits) == 1
    edit = result.edits[0]
    assert doc[edit.start:edit.end] == BUG
    assert edit.new_text == "    return math.pi * r ** 2\n"
    assert apply_edits(doc, result.edits) == result.new_text


async def test_r1_thinking_then_fenced_fix_is_one_minimal_edit(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(r1_answer("def area(r):\n    return math.pi * r ** 2"))
    events, result = await run(client, area_span(), config, Problem("area is wrong for r=2", line=24))
    only_the_bug_line_changed(result)
    assert (result.attempts, result.message) == (1, "I squared the radius.")
    assert any(isinstance(e, ThinkingDelta) for e in events)
    assert any(isinstance(e, AnswerDelta) for e in events)
    body: dict[str, Any] = fake_openai.generation_requests()[0].body
    assert [m["role"] for m in body["messages"]] == ["user"]  # R1: no system prompt
    prompt = body["messages"][0]["content"]
    assert "def area(r):\n    return math.pi * r * 2\n```" in prompt and "line 2 of the code below" in prompt
    assert (body["temperature"], body["top_p"]) == (0.6, 0.95)
    assert body["thinking_token_budget"] == config.thinking_budget_fix


async def test_whole_file_span_and_whole_file_answer(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(r1_answer(DOC.replace(BUG, "    return math.pi * r ** 2\n").rstrip("\n")))
    _, result = await run(client, CodeSpan(DOC, 0, len(DOC), "python"), config)
    only_the_bug_line_changed(result)


async def test_whole_document_answer_for_a_function_span(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(r1_answer(DOC.replace(BUG, "    return math.pi * r ** 2\n")))
    _, result = await run(client, area_span(), config)
    only_the_bug_line_changed(result)


async def test_method_indentation_and_crlf_are_kept(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    doc = "\r\n".join(["class Shape:", "    def area(self, r):", "        return r * 2", "",
                        "    def name(self):", "        return 's'", ""])
    fake_openai.push(r1_answer("def area(self, r):\n    return r ** 2"))
    span = CodeSpan(doc, doc.index("def area"), doc.index("\r\n\r\n"), "python")
    _, result = await run(client, span, config)
    assert result.ok and len(result.edits) == 1
    assert result.new_text == doc.replace("        return r * 2", "        return r ** 2")
    prompt = fake_openai.generation_requests()[0].body["messages"][0]["content"]
    assert "```python\ndef area(self, r):\n    return r * 2\n```" in prompt  # dedented for the model


async def test_a_fix_with_a_syntax_error_gets_one_retry_then_ok(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(r1_answer("def area(r):\n    return math.pi * (r ** 2"),
                     r1_answer("def area(r):\n    return math.pi * r ** 2"))
    events, result = await run(client, area_span(), config)
    requests = fake_openai.generation_requests()
    assert len(requests) == 2
    retry_prompt = requests[1].body["messages"][0]["content"]
    assert "rejected" in retry_prompt and "syntax error" in retry_prompt
    only_the_bug_line_changed(result)
    assert result.attempts == 2
    assert any(isinstance(e, ThinkingDelta) and "rejected" in e.text for e in events)


async def test_a_fix_with_a_syntax_error_twice_is_refused(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    broken = r1_answer("def area(r):\n    return math.pi * (r ** 2")
    fake_openai.push(broken, broken)
    _, result = await run(client, area_span(), config)
    assert len(fake_openai.generation_requests()) == 2
    assert not result.ok and result.message.startswith("no safe fix found: ")
    assert "syntax error" in result.message
    assert result.new_text is None and result.edits == () and result.attempts == 2


async def test_an_answer_with_no_code_is_refused_after_one_retry(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    prose = Behaviour(chunks=[("Hmm.", ""), ("", "The function multiplies by two. It should square r.")])
    fake_openai.push(prose, prose)
    span = area_span()
    _, result = await run(client, span, config)
    assert len(fake_openai.generation_requests()) == 2
    assert not result.ok and "no safe fix found" in result.message and "no code" in result.message
    assert result.edits == () and span.text == DOC


async def test_an_unchanged_answer_is_not_a_fix(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    same = r1_answer("def area(r):\n    return math.pi * r * 2")
    fake_openai.push(same, same)
    _, result = await run(client, area_span(), config)
    assert not result.ok and "identical" in result.message


async def test_a_fragment_of_a_long_span_is_refused(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fragment = r1_answer("return x * 7")
    fake_openai.push(fragment, fragment)
    _, result = await run(client, CodeSpan(DOC, 0, len(DOC), "python"), config)
    assert not result.ok and "place is unclear" in result.message


async def test_backend_errors_propagate(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(Behaviour(kind="status", status=500))
    with pytest.raises(BackendProtocolError):
        await run(client, area_span(), config)
    assert len(fake_openai.generation_requests()) == 1


async def test_traceback_goes_into_the_prompt_without_colours(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(r1_answer("def area(r):\n    return math.pi * r ** 2"))
    problem = Problem("name 'pi' is not defined", line=3, error_name="NameError",
                      traceback="\x1b[0;31mTraceback\x1b[0m (most recent call last):\n  File x, line 4")
    await run(client, area_span(), config, problem)
    prompt = fake_openai.generation_requests()[0].body["messages"][0]["content"]
    assert "NameError: name 'pi' is not defined (line 4 of the file)" in prompt
    assert "Traceback (most recent call last):" in prompt and "\x1b" not in prompt


async def test_language_without_grammar(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    doc = "SELECT name\nFROM users\nWHERE id = '1\n"
    answer = "```sql\nSELECT name\nFROM users\nWHERE id = '1'\n```"
    fake_openai.push(Behaviour(chunks=[("hm", ""), ("", answer)]))
    _, result = await run(client, CodeSpan(doc, 0, len(doc), "sql"), config)
    assert result.ok and result.new_text == "SELECT name\nFROM users\nWHERE id = '1'\n"
    assert len(result.edits) == 1
