"""Definition mode: the answer's functions, methods and classes mapped onto the document's by kind and name.

Only the target's definitions are replaced; a definition of the answer that the document has outside the
target is ignored (its change is reported), a renamed target keeps the name the rest of the code uses,
and a new helper goes in before the target only if the new code calls it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from codepal.assist.extract import similarity
from codepal.assist.placement.indent import leading, move_block
from codepal.assist.placement.structure import Item, Structure

Path = tuple[str, ...]
RENAME_SIMILAR = 0.4  # a new function this much like the target is the target renamed
_DECORATED = re.compile(r"^[ \t]*(?:async[ \t]+def|def|class)\b", re.MULTILINE)
_EXPORT = re.compile(r"(?:export[ \t]+(?:default[ \t]+)?)")


@dataclass
class Mapping:
    replacements: list[tuple[int, int, str]] = field(default_factory=list)  # document offsets, new text
    changed_outside: list[str] = field(default_factory=list)  # names the answer changed outside the target
    matched: int = 0
    anchor: int = -1  # start of the first replaced definition (helpers go in before it)

    def replace(self, item: Item, replacement: tuple[int, int, str]) -> None:
        self.matched += 1
        self.replacements.append(replacement)
        self.anchor = item.start if self.anchor < 0 else min(self.anchor, item.start)


def targets(doc: Structure, start: int, end: int) -> list[tuple[Path, Item]]:
    """The definitions a region is about: the outermost ones inside it, else the innermost one around
    it, else the top-level ones it overlaps."""
    defs = doc.definitions()
    inside = [(p, d) for p, d in defs if d.start >= start and d.end <= end]
    outer = [(p, d) for p, d in inside if not any(q != p and p[:len(q)] == q for q, _ in inside)]
    if outer:
        return outer
    around = [(p, d) for p, d in defs if d.start <= start + _indent_len(doc.text, start) and d.end >= end]
    if around:
        return [max(around, key=lambda pd: len(pd[0]))]
    return [(p, d) for p, d in defs if len(p) == 1 and d.start < end and d.end > start]


def map_definitions(doc: Structure, scope: list[tuple[Path, Item]], answer: Structure,
                    newline: str) -> Mapping:
    """Replacements for the targets in `scope` (with their descendants) from `answer`'s definitions."""
    mapping = Mapping()
    in_scope = [(p, d) for p, d in doc.definitions() if any(p[:len(t)] == t for t, _ in scope)]
    candidates = answer.definitions()
    used: set[int] = set()
    done: list[Path] = []
    for path, item in in_scope:
        if any(path[:len(q)] == q for q in done):
            continue
        match = _match(path, item, candidates, used)
        if match is None:
            continue
        used.add(match[1].start)
        done.append(path)
        mapping.replace(item, _replacement(doc, item, answer, match[1], newline))
    all_doc = doc.definitions()
    new: list[Item] = []
    for path, item in candidates:
        if item.start in used or any(item.start >= u.start and item.end <= u.end
                                     for _, u in candidates if u.start in used):
            continue
        outside = [(p, d) for p, d in all_doc if _suffix(path, p) and d.def_kind == item.def_kind]
        if outside:
            if not any(_norm(d.text(doc.text)) == _norm(item.text(answer.text)) for _, d in outside):
                mapping.changed_outside.append(".".join(path))
        elif len(path) == 1:
            new.append(item)
    unmatched = [(p, d) for p, d in scope if d.def_kind == "function" and p not in done
                 and not any(p[:len(q)] == q for q in done)]
    renamed = _rename(doc, unmatched, new, answer)
    if renamed is not None:
        (path, item), candidate = renamed
        new.remove(candidate)
        start, end, text = _replacement(doc, item, answer, candidate, newline)
        old_name = path[-1].split(".")[-1]  # a Go method's own name, without its receiver type
        new_name = candidate.name.split(".")[-1]
        mapping.replace(item, (start, end, re.sub(rf"\b{re.escape(new_name)}\b", old_name, text)))
    _add_helpers(doc, mapping, new, answer, newline)
    return mapping


def _match(path: Path, item: Item, candidates: list[tuple[Path, Item]],
           used: set[int]) -> tuple[Path, Item] | None:
    found = [(p, c) for p, c in candidates
             if c.start not in used and c.def_kind == item.def_kind and _suffix(p, path)]
    if not found:
        return None
    best_len = max(len(p) for p, _ in found)
    path_c, candidate = next((p, c) for p, c in found if len(p) == best_len)
    if item.children and not {c.name for c in item.children} <= {c.name for c in candidate.children}:
        return None  # a class returned with only some of its methods: map the methods one by one
    return path_c, candidate


def _suffix(short: Path, long: Path) -> bool:
    return len(short) <= len(long) and long[len(long) - len(short):] == short


def _replacement(doc: Structure, item: Item, answer: Structure, candidate: Item,
                 newline: str) -> tuple[int, int, str]:
    start = item.start
    old = item.text(doc.text)
    new = candidate.text(answer.text)
    if old.startswith("@") and not new.startswith("@"):  # keep the document's decorators
        keyword = _DECORATED.search(old)
        if keyword is not None:
            start += keyword.start() + len(leading(old[keyword.start():]))
    old_export = _EXPORT.match(old)
    new_export = _EXPORT.match(new)
    if old_export and not new_export:  # keep `export`
        start += old_export.end()
    elif new_export and not old_export:
        new = new[new_export.end():]
    from_indent = leading(_line_of(answer.text, candidate.start))
    to_indent = leading(_line_of(doc.text, item.start))
    return start, item.end, move_block(new, from_indent, to_indent, newline)


def _rename(doc: Structure, unmatched: list[tuple[Path, Item]], new: list[Item],
            answer: Structure) -> tuple[tuple[Path, Item], Item] | None:
    functions = [c for c in new if c.def_kind == "function"]
    if len(unmatched) != 1 or not functions:
        return None
    path, item = unmatched[0]
    scored = [(similarity(_body(c, answer.text), _body(item, doc.text)), c) for c in functions]
    score, best = max(scored, key=lambda sc: sc[0])
    return ((path, item), best) if score >= RENAME_SIMILAR else None


def _body(item: Item, text: str) -> str:
    return text[item.body[0]:item.body[1]] if item.body else item.text(text)


def _add_helpers(doc: Structure, mapping: Mapping, new: list[Item], answer: Structure, newline: str) -> None:
    """New definitions the replaced code calls go in before the first target; others are dropped."""
    if not mapping.replacements:
        return
    code = "".join(text for _, _, text in mapping.replacements)
    helpers = [c for c in new if re.search(rf"\b{re.escape(c.name)}\b", code) and c.name]
    if not helpers:
        return
    indent = leading(_line_of(doc.text, mapping.anchor))
    gap = newline * (3 if doc.language == "python" and not indent else 2)
    text = "".join(move_block(h.text(answer.text), leading(_line_of(answer.text, h.start)), indent, newline)
                   + gap + indent for h in helpers)
    mapping.replacements.append((mapping.anchor, mapping.anchor, text))


def _line_of(text: str, offset: int) -> str:
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    end = text.find("\n", offset)
    return text[start:end if end >= 0 else len(text)]


def _indent_len(text: str, start: int) -> int:
    return len(leading(_line_of(text, start)))


def _norm(code: str) -> str:
    return "\n".join(line.strip() for line in code.strip().splitlines() if line.strip())
