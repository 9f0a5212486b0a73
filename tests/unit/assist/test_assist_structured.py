"""JSON fix answers: the schema asked for, the answer read back, the free-text fallback, token counts."""

from __future__ import annotations

import json

from codepal.assist import fix
from codepal.assist.structured import StructuredFix, fix_schema, parse_fix, response_format
from codepal.assist.tally import TokenTally
from codepal.client import ChatDelta, ModelClient
from codepal.config import AssistConfig
from codepal.types import FixResult, Problem
from tests.support.fake_openai import Behaviour, FakeOpenAI
from tests.unit.assist.test_assist_fix import DOC, area_span, only_the_bug_line_changed, r1_answer

FIXED = "def area(r):\n    return math.pi * r ** 2"


def json_answer(code: str = FIXED, imports: list[str] | None = None, note: str = "Squared the radius.") -> Behaviour:
    body = json.dumps({"code": code, "imports": imports or [], "explanation": note})
    return Behaviour(chunks=[("The area is pi r squared.", ""), ("", body[:20]), ("", body[20:])])


def test_the_schema_bounds_every_string_so_the_object_always_closes() -> None:
    schema = fix_schema("x" * 1000)
    assert schema["required"] == ["code", "imports", "explanation"]
    assert schema["properties"]["code"]["maxLength"] == 2000
    assert schema["properties"]["imports"]["maxItems"] > 0
    assert response_format("x")["type"] == "json_schema"


def test_parse_reads_the_object_and_refuses_other_shapes() -> None:
    parsed = parse_fix('{"code": "x = 1", "imports": ["import os", " "], "explanation": "one\\nline"}')
    assert parsed == StructuredFix("x = 1", ("import os",), "one line")
    assert parse_fix('```json\n{"code": "y", "imports": [], "explanation": ""}\n```') is not None
    assert parse_fix('{"code": "a\nb", "imports": [], "explanation": ""}') is not None  # raw line break
    for text in ("Here is the fix:\n```python\nx = 1\n```", '{"code": 3}', '{"code": "x", "imports": "os"}',
                 '["code"]', '{"code": "x", "imports": [], "explanation": "cut'):
        assert parse_fix(text) is None, text


async def test_a_json_answers_imports_join_the_import_block(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    code = "def area(r):\n    return math.pi * r ** 2 + len(os.sep) * 0"
    fake_openai.push(json_answer(code, imports=["import os", "import math"]))
    result = [e async for e in fix(client, area_span(), None, config)][-1]
    assert isinstance(result, FixResult) and result.ok and result.answer_format == "json", result
    assert result.new_text is not None and result.new_text.startswith("import math\nimport os\n")
    assert result.new_text.count("import math") == 1


async def test_a_json_answer_is_placed_and_the_result_says_so(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(json_answer())
    events = [e async for e in fix(client, area_span(), Problem("area is wrong", line=24), config)]
    result = events[-1]
    assert isinstance(result, FixResult) and result.answer_format == "json", result
    only_the_bug_line_changed(result)
    assert result.message == "Squared the radius."
    body = fake_openai.generation_requests()[0].body
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["code", "imports", "explanation"]
    assert "JSON object" in body["messages"][0]["content"]


async def test_a_free_text_answer_falls_back_and_later_requests_ask_in_free_text(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(r1_answer(FIXED), r1_answer(FIXED))
    for _ in range(2):
        result = [e async for e in fix(client, area_span(), None, config)][-1]
        assert isinstance(result, FixResult) and result.answer_format == "text"
        only_the_bug_line_changed(result)
    first, second = (r.body for r in fake_openai.generation_requests())
    assert "response_format" in first and "response_format" not in second
    assert "JSON object" not in second["messages"][0]["content"]


async def test_a_server_that_refuses_the_schema_is_asked_again_in_free_text(
    fake_openai: FakeOpenAI, client: ModelClient, config: AssistConfig
) -> None:
    fake_openai.push(Behaviour(kind="status", status=400), r1_answer(FIXED))
    result = [e async for e in fix(client, area_span(), None, config)][-1]
    assert isinstance(result, FixResult) and result.ok and result.answer_format == "text"
    assert result.attempts == 1
    bodies = [r.body for r in fake_openai.generation_requests()]
    assert len(bodies) == 2 and "response_format" in bodies[0] and "response_format" not in bodies[1]
    assert DOC == area_span().text


def ids(count: int) -> tuple[int, ...]:
    return tuple(range(100, 100 + count))


def test_tally_counts_each_piece_by_its_kind() -> None:
    tally = TokenTally()
    pieces = [ChatDelta(), ChatDelta("Hmm", token_ids=ids(1)), ChatDelta(" so", token_ids=ids(2)),
              ChatDelta(token_ids=ids(1)),  # </think>: no text
              ChatDelta(content="{", token_ids=ids(1)), ChatDelta(content='"a"}', token_ids=ids(2)),
              ChatDelta(finish_reason="stop", token_ids=ids(1)),  # the end token
              ChatDelta(completion_tokens=8, reasoning_tokens=0)]
    counted = [tally.add(piece) for piece in pieces]
    assert counted == [None, (1, 0), (2, 0), (1, 0), (0, 1), (0, 2), (0, 1), None]
    assert (tally.thinking, tally.answer, tally.exact) == (4, 4, True)


async def test_a_merged_piece_is_split_at_the_end_of_thinking(
    fake_openai: FakeOpenAI, client: ModelClient
) -> None:
    end = (await client.tokenize("</think>"))[-1]  # the fake server's vocabulary
    tally = TokenTally()
    tally.add(ChatDelta("Hmm", token_ids=(7, 8)))
    tally.add(ChatDelta(" ok", content="{}", token_ids=(9, end, 11, 12)))  # merged steps across </think>
    tally.add(ChatDelta(completion_tokens=6))
    assert (tally.thinking_ids, tally.answer_ids) == (2, 4)
    await tally.settle(client)
    assert (tally.thinking, tally.answer) == (4, 2)


def test_tally_without_ids_estimates() -> None:
    tally = TokenTally()
    tally.add(ChatDelta("x" * 40))
    tally.add(ChatDelta(content="y"))
    assert (tally.thinking, tally.exact) == (10, False)
    reported = TokenTally()
    reported.add(ChatDelta("x" * 40))
    reported.add(ChatDelta(completion_tokens=30, reasoning_tokens=25))
    assert (reported.thinking, reported.answer, reported.exact) == (25, 5, True)
