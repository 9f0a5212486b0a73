"""Where a candidate goes, by structure: its definitions onto the target's, its imports into the import
block, a version of the region in place of the region, a fragment only at an unambiguous anchor.

Module-level statements of the answer that the target lacks (examples, prints, test calls) are dropped
unless the target itself is module-level code.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from codepal.assist.extract import SIMILAR, similarity
from codepal.assist.placement import fragment
from codepal.assist.placement.candidate import Candidate
from codepal.assist.placement.definitions import map_definitions, targets
from codepal.assist.placement.diff_answer import apply_diff
from codepal.assist.placement.imports import merge_imports, missing_imports, used_imports
from codepal.assist.placement.indent import convert_indent, indent_unit
from codepal.assist.placement.names import import_key
from codepal.assist.placement.structure import Item, Structure, structure
from codepal.assist.region import Region
from codepal.text.lines import split_lines

CLOSE = 0.8  # characters in common with the region that make broken code a version of it
FRAGMENT_MIN_LINES = 6  # without a grammar: a region this long answered with under a third of it

# How much of the target a placement rewrites, to prefer a full function over a "key change" snippet.
WHOLE, DIFF, FRAGMENT = 3, 2, 1


@dataclass(frozen=True)
class Placed:
    text: str  # the whole new document
    rank: int  # WHOLE, DIFF or FRAGMENT
    how: str  # for logs and tests: "definitions", "region", "document", "diff", "line", "body", "splice"


def place(region: Region, language: str, candidate: Candidate, context: str = "") -> tuple[Placed | None, str]:
    """(the placement, "") or (None, why this candidate has no safe place)."""
    document = region.document
    if candidate.origin == "diff":
        text, reason = apply_diff(document, candidate.code)
        return (Placed(text, DIFF, "diff"), "") if text is not None else (None, reason)
    doc = structure(document, language)
    code = convert_indent(candidate.code.replace("\r\n", "\n"), indent_unit(document))
    answer = structure(code, language)
    if doc is None or answer is None:
        return _without_grammar(region, code)
    imports = [*candidate.imports, *(item.text(code) for item in answer.imports())]
    body = _without_imports(code, answer)
    body_structure = structure(body, language)
    assert body_structure is not None
    scope = targets(doc, region.start, region.end)
    module_level = any(i.kind == "other" and i.start < region.end and i.end > region.start for i in doc.items)
    if (module_level and similarity(body, region.code) >= SIMILAR) or (
            body_structure.errors and _close(body, region.code)):
        # Module-level code, or a version of the region that does not parse (verification then says why,
        # and the retry gets that reason).
        return _region(region, doc, code, answer, context, list(candidate.imports)), ""
    if scope and body_structure.definitions():
        mapping = map_definitions(doc, scope, body_structure, region.newline)
        if mapping.matched:
            text = _apply(document, mapping.replacements)
            used = used_imports(imports, "".join(r[2] for r in mapping.replacements), language)
            return Placed(merge_imports(text, language, used, context), WHOLE, "definitions"), ""
        if mapping.changed_outside:
            names = ", ".join(f"`{n}`" for n in mapping.changed_outside)
            return None, f"the answer changes {names}, outside the code to fix, and not the code to fix"
    if not body.strip():
        if imports and missing_imports(document, language, imports, context):
            return Placed(merge_imports(document, language, imports, context), WHOLE, "imports"), ""
        return None, "the answer has only imports the code already has"
    partial = not module_level and not any(d.start >= region.start and d.end <= region.end for _, d in scope)
    if (module_level or partial or not scope) and similarity(body, region.code) >= SIMILAR:
        return _region(region, doc, code, answer, context, list(candidate.imports)), ""
    if not region.whole_document and similarity(body, document) > max(SIMILAR, similarity(body, region.code)):
        text = region.newline.join(split_lines(code.strip("\n"))) + document[len(document.rstrip("\r\n")):]
        return Placed(text, WHOLE, "document"), ""
    placed, reason = _fragment(region, doc, scope, body)
    if placed is None:
        return None, reason
    used = used_imports(imports, body, language)
    return Placed(merge_imports(placed.text, language, used, context), placed.rank, placed.how), ""


def _region(region: Region, doc: Structure, code: str, answer: Structure, context: str,
            extra_imports: list[str]) -> Placed:
    """The region replaced by the code; the code's imports stay where they are when the region has the
    import block (or the same import), else move to it; one the document or an earlier cell has goes.
    `extra_imports` (a structured answer's) join the import block."""
    document = region.document
    own = {import_key(item.text(document)) for item in doc.imports()
           if item.start >= region.start and item.end <= region.end}
    holds_block = bool(own) or not doc.imports()
    outside = document[:region.start] + document[region.end:]
    drop, move = [], []
    for item in answer.imports():
        text = item.text(code)
        if import_key(text) in own:
            continue
        if not missing_imports(outside, doc.language, [text], context):
            drop.append(item)
        elif not holds_block:
            move.append(item)
    kept = _apply(code, [(i.start, _line_end(code, i.end), "") for i in [*drop, *move]])
    text = region.replaced(kept)
    if move or extra_imports:
        text = merge_imports(text, doc.language, [*extra_imports, *(i.text(code) for i in move)], context)
    return Placed(text, WHOLE, "region")


def _fragment(region: Region, doc: Structure, scope: list[tuple[tuple[str, ...], Item]],
              body: str) -> tuple[Placed | None, str]:
    """One changed line, a body without its header, or a few lines found by their unchanged neighbours."""
    document, newline = region.document, region.newline
    start = min([region.start, *(d.start for _, d in scope)])
    end = max([region.end, *(d.end for _, d in scope)])
    start = max(document.rfind("\n", 0, start), document.rfind("\r", 0, start)) + 1
    lines = [line for line in body.strip("\n").split("\n") if line.strip()]
    if len(lines) == 1:
        text, reason = fragment.one_line(document, start, end, lines[0])
        if text is not None:
            return Placed(text, FRAGMENT, "line"), ""
    functions = [d for _, d in scope if d.def_kind == "function"]
    indented = body.strip("\n")[:1] in (" ", "\t")
    if len(scope) == 1 and len(functions) == 1 and (indented or len(lines) > 1):
        spliced, why = fragment.splice(document, start, end, body, newline)
        if spliced is not None:
            return Placed(spliced, FRAGMENT, "splice"), ""
        if indented:
            text, reason = fragment.body(document, functions[0], body, newline)
            return (Placed(text, FRAGMENT, "body"), "") if text is not None else (None, reason)
        return None, why
    if len(lines) > 1:
        spliced, why = fragment.splice(document, start, end, body, newline)
        return (Placed(spliced, FRAGMENT, "splice"), "") if spliced is not None else (None, why)
    return None, reason


def _without_grammar(region: Region, code: str) -> tuple[Placed | None, str]:
    """No structure to go by: the whole document, a fragment found by line matching, or the region."""
    document = region.document
    if not region.whole_document and similarity(code, document) > similarity(code, region.code):
        text = region.newline.join(split_lines(code.strip("\r\n"))) + document[len(document.rstrip("\r\n")):]
        return Placed(text, WHOLE, "document"), ""
    size, original = len(split_lines(code.strip("\n"))), region.line_count()
    if original >= FRAGMENT_MIN_LINES and size * 3 < original:
        spliced, reason = fragment.splice(document, region.start, region.end, code, region.newline)
        return (Placed(spliced, FRAGMENT, "splice"), "") if spliced is not None else (None, reason)
    return Placed(region.replaced(code), WHOLE, "region"), ""


def _close(a: str, b: str) -> bool:
    """Character-level likeness: a broken version of the region differs from it on most lines."""
    left, right = ("\n".join(line.strip() for line in text.strip().split("\n")) for text in (a, b))
    return difflib.SequenceMatcher(None, left, right, autojunk=False).ratio() >= CLOSE


def _without_imports(code: str, answer: Structure) -> str:
    return _apply(code, [(i.start, _line_end(code, i.end), "") for i in answer.imports()]).strip("\n")


def _apply(text: str, replacements: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(replacements, key=lambda r: (r[0], r[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _line_end(text: str, offset: int) -> int:
    """Past the line break that ends the line at `offset`, so a removed statement leaves no blank line."""
    at = text.find("\n", offset)
    return len(text) if at < 0 else at + 1
