"""The fix-answer corpus (tests/unit/assist/corpus): R1-shaped answers with the document each must produce,
or the refusal it must end in, and a damage check that does not use the code under test.

A case file is a header of `key: value` lines, then sections opened by `=== name` lines:
`reasoning` (streamed as thinking), `answer` (streamed as the answer), `answer2` (the retry's answer;
default: the same answer again) and `expected-edit` (blocks `<<<` old `===` new `>>>` applied to the
source), or `refused` (a fragment of the expected refusal message). `newline: crlf` converts the source,
and the expectation to CRLF (answers keep LF, as models write them); `finish: length` ends each answer
as one that ran out of tokens.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from codepal.syntax import parse
from tests.support.fake_openai import Behaviour

CORPUS = Path(__file__).resolve().parents[1] / "unit" / "assist" / "corpus"
_DEFINITIONS = {
    "function_definition", "class_definition", "decorated_definition", "function_declaration",
    "class_declaration", "method_declaration", "type_declaration", "function_item", "impl_item",
    "struct_item", "export_statement", "interface_declaration", "lexical_declaration", "method_definition",
}
_DECLARED = re.compile(r"^(?:export\s+)?(?:const|let|class|function)\s+(\w+)", re.MULTILINE)
_IMPORTS = {"import_statement", "import_from_statement", "import_declaration", "use_declaration",
            "package_clause", "comment", "line_comment"}


@dataclass(frozen=True)
class Case:
    name: str
    shape: str
    language: str
    source_name: str
    source: str
    lines: str
    error: str
    expected: str | None  # None: a refusal
    refusal: str = ""
    reasoning: str = ""
    answers: tuple[str, ...] = ()
    module_target: bool = False
    finish_reason: str = "stop"  # "length": each answer ran out of tokens where it ends

    @property
    def first_last(self) -> tuple[int, int]:
        first, _, last = self.lines.partition("-")
        return int(first), int(last or first)

    def behaviours(self) -> list[Behaviour]:
        """The scripted stream for each request: thinking, then the answer in a few pieces."""
        out = []
        for answer in self.answers:
            third = max(1, len(answer) // 3)
            pieces = [answer[i:i + third] for i in range(0, len(answer), third)]
            # Thinking comes in the server's reasoning field (vLLM with a reasoning parser), so the answer
            # reaches placement as the model wrote it, leftover `</think>` and all.
            thinking = self.reasoning or "Let me read the code and the error first."
            out.append(Behaviour(chunks=[(thinking, ""), *(("", p) for p in pieces)],
                                 finish_reason=self.finish_reason))
        return out


def load_cases() -> list[Case]:
    return [_load(path) for path in sorted((CORPUS / "cases").glob("*.txt"))]


def _load(path: Path) -> Case:
    header, sections = _sections(path.read_text(encoding="utf-8"))
    crlf = header.get("newline") == "crlf"
    source = (CORPUS / "sources" / header["source"]).read_text(encoding="utf-8")
    expected = _edited(source, sections["expected-edit"]) if "expected-edit" in sections else None
    answers = [sections["answer"], sections.get("answer2", sections["answer"])]
    if crlf:
        source = source.replace("\n", "\r\n")
        expected = expected.replace("\n", "\r\n") if expected is not None else None
    return Case(
        name=path.stem, shape=header["shape"], language=header["language"], source_name=header["source"],
        source=source, lines=header["lines"], error=header.get("error", ""), expected=expected,
        refusal=sections.get("refused", "").strip(), reasoning=sections.get("reasoning", "").rstrip("\n"),
        answers=tuple(answers), module_target=header.get("target") == "module",
        finish_reason=header.get("finish", "stop"),
    )


def _sections(text: str) -> tuple[dict[str, str], dict[str, str]]:
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.split("\n"):
        if line.startswith("=== "):
            current = sections.setdefault(line[4:].strip(), [])
        elif current is not None:
            current.append(line)
        elif line.strip():
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
    return header, {k: "\n".join(v).strip("\n") for k, v in sections.items()}


def _edited(source: str, edits: str) -> str:
    """Apply `<<<` old `===` new `>>>` blocks (whole lines); each old text must occur exactly once."""
    text = source
    state = ""
    old: list[str] = []
    new: list[str] = []
    for line in edits.split("\n"):
        if line == "<<<":
            state, old, new = "old", [], []
        elif line == "===" and state == "old":
            state = "new"
        elif line == ">>>" and state == "new":
            before, after = "\n".join(old), "\n".join(new)
            assert text.count(before) == 1, f"the expected edit's old text occurs {text.count(before)} times"
            text, state = text.replace(before, after), ""
        elif state:
            (old if state == "old" else new).append(line)
    return text


def damage(case: Case, new: str) -> list[str]:
    """Why `new` is a damaged version of the case's source (empty when it is not): it does not compile or
    parse, a definition outside the target changed or went, a module-level statement was added."""
    old = case.source
    if new == old:
        return []
    problems = []
    if case.language == "python":
        if _compiles(old) and not _compiles(new):
            problems.append("does not compile")
    else:
        old_tree, new_tree = parse(old, case.language), parse(new, case.language)
        assert old_tree is not None and new_tree is not None
        if new_tree.root_node.has_error and not old_tree.root_node.has_error:
            problems.append("does not parse")
        if case.language in ("javascript", "typescript"):  # a second `const fs` stops the module loading
            before, after = Counter(_DECLARED.findall(old)), Counter(_DECLARED.findall(new))
            problems += [f"declares {n} twice" for n, c in after.items() if c > 1 and before[n] < 2]
    first, last = case.first_last
    old_defs, old_other = _top_level(old, case.language, (first - 1, last - 1))
    _, new_other = _top_level(new, case.language, None)
    for text in old_defs:
        if text not in new:
            problems.append(f"a definition outside the target changed or went: {text.splitlines()[0]!r}")
    if not case.module_target and Counter(new_other) - Counter(old_other):
        problems.append(f"module-level code added: {list(Counter(new_other) - Counter(old_other))}")
    return problems


def _top_level(text: str, language: str, target: tuple[int, int] | None) -> tuple[list[str], list[str]]:
    """(definitions not touching the target lines, down to methods; other top-level statements)."""
    tree = parse(text, language)
    assert tree is not None
    source = text.encode()
    defs: list[str] = []
    other: list[str] = []

    def visit(node: object, depth: int) -> None:
        for child in node.named_children:  # type: ignore[attr-defined]
            start, end = child.start_point[0], child.end_point[0]
            if child.type in _IMPORTS:
                continue
            if child.type not in _DEFINITIONS:
                if depth == 0:
                    other.append(source[child.start_byte:child.end_byte].decode())
                continue
            touches = target is not None and start <= target[1] and end >= target[0]
            if not touches:
                defs.append(source[child.start_byte:child.end_byte].decode())
            elif depth < 2:
                body = child.child_by_field_name("body") or _last_named(child)
                if body is not None and body.type in ("block", "class_body", "declaration_list"):
                    visit(body, depth + 1)
    visit(tree.root_node, 0)
    return defs, other


def _last_named(node: object) -> object | None:
    children = node.named_children  # type: ignore[attr-defined]
    return children[-1] if children else None


def _compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<corpus>", "exec", dont_inherit=True)  # not only parse: `return` outside a function
    except SyntaxError:
        return False
    return True
