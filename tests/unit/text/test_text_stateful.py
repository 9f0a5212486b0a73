"""Thousands of random incremental edits, each checked against a plain string and the reference model."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from text_reference import ref_lines, ref_offset_at, ref_position_at

from codepal.text import ENCODINGS, TextDocument

PIECES = ["a", "b", " ", "ä", "a\u0308", "錯誤", "😋", "\r\n", "\r", "\n", "\x0c", "\x85", "\u2028"]
texts = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
positions = st.tuples(st.integers(-1, 12), st.integers(-1, 14))
encodings = st.sampled_from(ENCODINGS)


class EditMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.doc = TextDocument("file:///m.py", "python", 0, "")
        self.model = ""
        self.version = 0

    @rule(start=positions, end=positions, new_text=texts, encoding=encodings)
    def edit(self, start: tuple[int, int], end: tuple[int, int], new_text: str, encoding: str) -> None:
        a = ref_offset_at(self.model, *start, encoding)
        b = ref_offset_at(self.model, *end, encoding)
        a, b = min(a, b), max(a, b)
        self.model = self.model[:a] + new_text + self.model[b:]
        self.version += 1
        self.doc.apply_change(start, end, new_text, self.version, encoding)  # type: ignore[arg-type]

    @rule(new_text=texts)
    def replace_all(self, new_text: str) -> None:
        self.model = new_text
        self.version += 1
        self.doc.apply_change(None, None, new_text, self.version)

    @rule(line=st.integers(-1, 12), character=st.integers(-1, 14), encoding=encodings)
    def check_offset_at(self, line: int, character: int, encoding: str) -> None:
        expected = ref_offset_at(self.model, line, character, encoding)
        assert self.doc.offset_at(line, character, encoding) == expected  # type: ignore[arg-type]

    @rule(data=st.data(), encoding=encodings)
    def check_position_at(self, data: st.DataObject, encoding: str) -> None:
        offset = data.draw(st.integers(-1, len(self.model) + 1))
        expected = ref_position_at(self.model, offset, encoding)
        assert self.doc.position_at(offset, encoding) == expected  # type: ignore[arg-type]

    @invariant()
    def same_text_and_lines(self) -> None:
        assert self.doc.text == self.model
        assert self.doc.version == self.version
        lines = ref_lines(self.model)
        assert self.doc.line_count == len(lines)
        assert [self.doc.line(i) for i in range(len(lines))] == [self.model[s:e] for s, e in lines]


EditMachine.TestCase.settings = settings(max_examples=120, stateful_step_count=50, deadline=None)
TestEdits = EditMachine.TestCase
