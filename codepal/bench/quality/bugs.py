"""Bug injection: one small edit to a correct program, of five kinds users make, found with `ast`.

- `renamed_variable`: one use of a local name misspelt (NameError);
- `missing_import`: an import the function uses deleted (NameError);
- `off_by_one`: a `range`/slice/index bound or a comparison moved by one;
- `wrong_operator`: an arithmetic, comparison or boolean operator swapped;
- `wrong_attribute`: a method of a built-in type or module misnamed (AttributeError).
Edits are text replacements at `ast` positions, so the rest of the file keeps its exact bytes. A mutant
that still passes its check is not a bug and is dropped by the caller.
"""

from __future__ import annotations

import ast
import random
from collections.abc import Mapping
from dataclasses import dataclass

from codepal.bench.quality.programs import Program

BUG_KINDS = ("renamed_variable", "missing_import", "off_by_one", "wrong_operator", "wrong_attribute")

_OPERATORS: dict[type, str] = {
    ast.Add: "-", ast.Sub: "+", ast.Mult: "+", ast.Div: "*", ast.FloorDiv: "/", ast.Mod: "//",
    ast.Eq: "!=", ast.NotEq: "==", ast.Lt: ">", ast.Gt: "<", ast.LtE: ">=", ast.GtE: "<=",
    ast.In: "not in", ast.NotIn: "in", ast.And: "or", ast.Or: "and",
}
_OFF_BY_ONE: dict[type, str] = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">"}
_ATTRIBUTES = {
    "append": "push", "add": "append", "items": "iteritems", "lower": "lowercase", "upper": "uppercase",
    "split": "splits", "splitlines": "split_lines", "strip": "trim", "startswith": "starts_with",
    "join": "joins", "capitalize": "capitalise", "findall": "find_all", "fromisoformat": "from_iso",
    "mean": "average", "floor": "round_down", "reduce": "fold", "islice": "slice", "normpath": "normalize",
    "loads": "parse", "days": "day", "gt": "greater", "Counter": "Counts", "ascii_letters": "letters",
    "nan": "NaN", "path": "paths",
}


@dataclass(frozen=True)
class Edit:
    start: int  # character offsets into the source
    end: int
    text: str


@dataclass(frozen=True)
class Bug:
    id: str
    program: Program
    kind: str
    source: str  # the buggy module
    description: str


def _offsets(source: str) -> list[int]:
    starts = [0]
    for line in source.split("\n")[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    return starts


def _span(node: ast.AST, starts: list[int]) -> tuple[int, int]:
    start = starts[node.lineno - 1] + node.col_offset  # type: ignore[attr-defined]
    end = starts[node.end_lineno - 1] + node.end_col_offset  # type: ignore[attr-defined]
    return start, end


def _function(tree: ast.Module, name: str) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise ValueError(f"no function {name}")


def _renamed_variable(source: str, tree: ast.Module, function: ast.FunctionDef, starts: list[int]) -> list[Edit]:
    stored = {a.arg for a in function.args.args}
    stored |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    edits = []
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in stored and len(node.id) > 3:
            typo = node.id[:-2] + node.id[-1]  # `total` -> `totl`
            if typo not in names:
                start, end = _span(node, starts)
                edits.append(Edit(start, end, typo))
    return edits


def _missing_import(source: str, tree: ast.Module, function: ast.FunctionDef, starts: list[int]) -> list[Edit]:
    used = {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}
    edits = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound = {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            if bound & used:
                start, end = _span(node, starts)
                edits.append(Edit(start, end + 1, ""))  # the line and its line break
    return edits


def _between(source: str, left: ast.AST, right: ast.AST, starts: list[int], token: str) -> Edit | None:
    """The operator token between two operands (parentheses and spaces around it stay)."""
    gap_start = _span(left, starts)[1]
    gap_end = _span(right, starts)[0]
    gap = source[gap_start:gap_end]
    index = gap.find(token)
    if index < 0:
        return None
    return Edit(gap_start + index, gap_start + index + len(token), "")


_TOKENS: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.Gt: ">", ast.LtE: "<=", ast.GtE: ">=", ast.In: "in",
    ast.NotIn: "not in",
}


def _compare_edits(source: str, node: ast.Compare, starts: list[int], table: Mapping[type, str]) -> list[Edit]:
    edits = []
    left: ast.AST = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if type(op) in table:
            found = _between(source, left, right, starts, _TOKENS[type(op)])
            if found is not None:
                edits.append(Edit(found.start, found.end, table[type(op)]))
        left = right
    return edits


def _wrong_operator(source: str, tree: ast.Module, function: ast.FunctionDef, starts: list[int]) -> list[Edit]:
    edits = []
    for node in ast.walk(function):
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS and type(node.op) in _TOKENS:
            found = _between(source, node.left, node.right, starts, _TOKENS[type(node.op)])
            if found is not None:
                edits.append(Edit(found.start, found.end, _OPERATORS[type(node.op)]))
        elif isinstance(node, ast.Compare):
            edits += _compare_edits(source, node, starts, {k: v for k, v in _OPERATORS.items() if k in _TOKENS})
        elif isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            found = _between(source, node.values[0], node.values[1], starts, f" {word} ")
            if found is not None:
                edits.append(Edit(found.start, found.end, f" {_OPERATORS[type(node.op)]} "))
    return edits


def _off_by_one(source: str, tree: ast.Module, function: ast.FunctionDef, starts: list[int]) -> list[Edit]:
    edits = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" and node.args:
            bound = node.args[-1] if len(node.args) <= 2 else node.args[1]
            start, end = _span(bound, starts)
            edits.append(Edit(end, end, " - 1"))
        elif isinstance(node, ast.Slice) and node.upper is not None:
            start, end = _span(node.upper, starts)
            edits.append(Edit(end, end, " + 1"))
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant | ast.UnaryOp):
            start, end = _span(node.slice, starts)
            text = source[start:end]
            if text.lstrip("-").isdigit():
                edits.append(Edit(start, end, str(int(text) + 1)))
        elif isinstance(node, ast.Compare):
            edits += _compare_edits(source, node, starts, _OFF_BY_ONE)
    return edits


def _wrong_attribute(source: str, tree: ast.Module, function: ast.FunctionDef, starts: list[int]) -> list[Edit]:
    edits = []
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute) and _ATTRIBUTES.get(node.attr):
            end = _span(node, starts)[1]
            edits.append(Edit(end - len(node.attr), end, _ATTRIBUTES[node.attr]))
    return edits


_FINDERS = {
    "renamed_variable": _renamed_variable, "missing_import": _missing_import, "off_by_one": _off_by_one,
    "wrong_operator": _wrong_operator, "wrong_attribute": _wrong_attribute,
}


def candidate_bugs(program: Program, kind: str) -> list[Bug]:
    """Every bug of `kind` this program admits, in source order."""
    tree = ast.parse(program.source)
    starts = _offsets(program.source)
    function = _function(tree, program.function)
    bugs = []
    edits = sorted(set(_FINDERS[kind](program.source, tree, function, starts)), key=lambda e: (e.start, e.end))
    for edit in edits:
        before = program.source[edit.start:edit.end]
        source = program.source[:edit.start] + edit.text + program.source[edit.end:]
        line = program.source[:edit.start].count("\n") + 1
        what = f"line {line}: {before.strip()!r} -> {edit.text.strip()!r}" if before else \
            f"line {line}: inserted {edit.text.strip()!r}"
        bugs.append(Bug(f"{program.name}:{kind}:{line}:{edit.start}", program, kind, source, what))
    return bugs


def pick_bugs(programs: tuple[Program, ...], count: int, seed: int) -> list[Bug]:
    """Up to `count` bugs in candidate order: kinds take turns, each from the next program that has one,
    the program's bug of that kind drawn with `seed`. Callers drop those that still pass their check."""
    rng = random.Random(seed)
    order = list(programs)
    rng.shuffle(order)
    picked: list[Bug] = []
    cursor = {kind: 0 for kind in BUG_KINDS}
    exhausted: set[str] = set()
    while len(picked) < count and len(exhausted) < len(BUG_KINDS):
        for kind in BUG_KINDS:
            if len(picked) >= count or kind in exhausted:
                continue
            while cursor[kind] < len(order):
                program = order[cursor[kind]]
                cursor[kind] += 1
                options = candidate_bugs(program, kind)
                if options:
                    picked.append(rng.choice(options))
                    break
            else:
                exhausted.add(kind)
    return picked
