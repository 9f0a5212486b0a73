"""The fix works on the user's code instead of removing or sidestepping it. A small model "fixes" a failing
line by deleting it (`count = lenght(prices)` gone, an `assert` gone, an unclosed line gone) or by changing
a line next to it (`print(table.shape)` → `print(table.dtype)` beside the untouched `table.reshepe(...)`).

Deleted: a code line of the target with no counterpart in the fix. A modified, split, joined, re-indented
or moved line has one (a similar added line), and so has a variable inlined into an added line
(`total = sum(xs)` gone, `return sum(xs) / ...` added); blank lines, comments and `pass` may go. A function
rewritten whole (none of its lines kept, e.g. a loop turned into a one-line arrow function) is a rewrite,
judged by the other checks (it must still define the function).
Sidestepped: the error names lines of the target and the fix changes none of them, unless it binds the
name the error calls undefined (`import math` above, `total = 0` before the loop)."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from codepal.assist.placement.names import name_uses
from codepal.assist.placement.structure import structure
from codepal.assist.verification.undefined import undefined_names
from codepal.complete.postprocess.lexer import without_line_comment
from codepal.languages import lookup
from codepal.text.lines import split_lines

SIMILAR = 0.6  # difflib ratio above which an added line is the old one modified
_NO_OP = frozenset({"pass", "...", ";"})
_UNBOUND_LOCAL = re.compile(r"local variable '(\w+)'")  # UnboundLocalError, both wordings
_CHECK = re.compile(r"^assert\b")  # a check line (Python's assert statement)
_ASSIGNMENT = re.compile(r"^(?:let |const |var )?\w+\s*(?::[^=]*)?=(?!=)\s*(.+?);?$")


def deleted_line(original: str, fixed: str, language: str, start: int, end: int) -> str | None:
    """The first code line of `original[start:end]` that `fixed` drops, stripped; None when none is."""
    old = [line.strip() for line in split_lines(original)]
    new = [line.strip() for line in split_lines(fixed)]
    first, last = _line_of(original, start), _line_of(original, max(start, end - 1))
    comments = _comment_openers(language)
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    kept = {i for tag, i1, i2, _, _ in ops if tag == "equal" for i in range(i1, i2)}
    if not any(i in kept for i in range(first, last + 1) if _is_code(old[i], comments)) \
            and _one_function(original, language, start, end):
        return None
    changed_old = [i for tag, i1, i2, _, _ in ops if tag != "equal" for i in range(i1, i2)
                   if _is_code(old[i], comments)]
    added = [j for tag, _, _, j1, j2 in ops if tag != "equal" for j in range(j1, j2) if _is_code(new[j], comments)]
    matched_old, matched_new = _match(old, new, changed_old, added)
    for tag, i1, i2, j1, j2 in ops:
        if tag not in ("delete", "replace"):
            continue
        lost = [i for i in range(i1, i2) if i in changed_old and i not in matched_old]
        spare = [j for j in range(j1, j2) if j in added and j not in matched_new]
        inside = [old[i] for i in lost if first <= i <= last]
        # A replace with as many spare new lines as lost old ones rewrote them: a modification. But a
        # check is not rewritten into something else: a lost `assert` needs an `assert` among the spares.
        if inside and len(lost) > len(spare):
            return inside[0]
        checks = [line for line in inside if _CHECK.match(line)]
        if checks and not any(_CHECK.match(new[j]) for j in spare):
            return checks[0]
    return None


def _match(old: list[str], new: list[str], olds: list[int], news: list[int]) -> tuple[set[int], set[int]]:
    """Old lines with a counterpart among the added lines, and the added lines used. Similar lines pair
    one to one, best first (so a dropped `assert x == 1` does not pair with `x = 1` already paired with
    its own original); a line joined into another or inlined may share it."""
    matched_old: set[int] = set()
    matched_new: set[int] = set()
    pairs = sorted(((SequenceMatcher(None, old[i], new[j], autojunk=False).ratio(), i, j)
                    for i in olds for j in news), reverse=True)
    for ratio, i, j in pairs:
        if ratio >= SIMILAR and i not in matched_old and j not in matched_new:
            matched_old.add(i)
            matched_new.add(j)
    for i in olds:
        if i not in matched_old and any(_part_of(old[i], new[j]) for j in news):
            matched_old.add(i)
            matched_new.update(j for j in news if _part_of(old[i], new[j]))
    return matched_old, matched_new


def unchanged_failing_line(original: str, fixed: str, language: str, failing: frozenset[int], start: int,
                           end: int, problem: str) -> str | None:
    """The failing line (stripped) when the error names lines of the target and `fixed` changes none of
    them; None when it changes one, binds the undefined name the error names, or nothing applies."""
    first, last = _line_of(original, start), _line_of(original, max(start, end - 1))
    # Compared without trailing comments: `x.splt(' ')  # <-- error here` still fails the same way.
    old = [without_line_comment(line, language).rstrip() for line in split_lines(original)]
    lines = sorted(i for i in failing if first <= i <= last and i < len(old) and old[i].strip())
    if not lines:
        return None
    new = [without_line_comment(line, language).rstrip() for line in split_lines(fixed)]
    kept: set[int] = set()
    for tag, i1, i2, _, _ in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            kept.update(range(i1, i2))
    if not all(i in kept for i in lines):
        return None
    names = [*undefined_names(problem), *_UNBOUND_LOCAL.findall(problem)]
    if any(name_uses(fixed, language, n)[0] > name_uses(original, language, n)[0] for n in names):
        return None  # the fix defines or imports the name elsewhere: the failing line may stay
    return old[lines[0]].strip()


def _part_of(old: str, new: str) -> bool:
    """`old` joined into `new`, split into it (`new` in `old`), or `old` assigned a value that `new` now
    uses in place of the variable."""
    if old in new or new in old:
        return True
    assigned = _ASSIGNMENT.match(old)
    return assigned is not None and len(assigned.group(1)) >= 3 and assigned.group(1) in new


def _one_function(original: str, language: str, start: int, end: int) -> bool:
    """The target is one function definition."""
    found = structure(original, language)
    if found is None:
        return False
    inside = [i for i in found.items if i.kind != "import" and i.end > start and i.start < end]
    return len(inside) == 1 and inside[0].kind == "def" and inside[0].def_kind == "function"


def _is_code(line: str, comments: tuple[str, ...]) -> bool:
    return bool(line) and line not in _NO_OP and not line.startswith(comments)


def _comment_openers(language: str) -> tuple[str, ...]:
    found = lookup(language)
    if found is None:
        return ("#", "//")
    openers = [found.comments.line] if found.comments.line else []
    if found.comments.block:
        openers += [found.comments.block[0], "*"]  # `*` continues a `/* ... */` block
    return tuple(openers)


def _line_of(text: str, offset: int) -> int:
    return len(split_lines(text[:offset])) - 1 if offset > 0 else 0
