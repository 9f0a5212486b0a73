"""Where the model's code goes: in place of the region, the whole document, or the part it rewrote.

Asked for the corrected region, a model may instead return the whole document, or only the function
it changed out of a larger region. Both are recognised by line matching (indentation ignored).
"""

from __future__ import annotations

import difflib

from codepal.assist.extract import similarity
from codepal.assist.region import Region, common_indent, dedent
from codepal.text.lines import split_lines

FRAGMENT_MIN_LINES = 6  # a region this long answered with under a third of its lines: a fragment


def place(region: Region, code: str) -> tuple[str | None, str]:
    """(the new document, "") or (None, why the code cannot be placed)."""
    document = region.document
    if not region.whole_document and similarity(code, document) > similarity(code, region.code):
        lines = split_lines(code.strip("\r\n"))
        tail = document[len(document.rstrip("\r\n")):]
        return region.newline.join(lines) + tail, ""
    size, original = len(split_lines(dedent(code).strip("\n"))), region.line_count()
    if original >= FRAGMENT_MIN_LINES and size * 3 < original:
        spliced = splice(region.code, code)
        if spliced is None:
            return None, f"the answer's code is only a fragment ({size} of {original} lines) of unclear place"
        code = spliced
    return region.replaced(code), ""


def splice(whole: str, fragment: str) -> str | None:
    """`whole` with the lines `fragment` is a new version of replaced by it, or None when fewer than
    half of the fragment's lines are found in `whole`."""
    old = split_lines(whole)
    new = split_lines(dedent(fragment.strip("\r\n")))
    keys_old = [line.strip() for line in old]
    keys_new = [line.strip() for line in new]
    matcher = difflib.SequenceMatcher(None, keys_old, keys_new, autojunk=False)
    # Anchors are matches with some text in them: a lone blank line may match anywhere.
    blocks = [b for b in matcher.get_matching_blocks() if any(keys_new[b.b:b.b + b.size])]
    matched = sum(b.size for b in blocks)
    if not blocks or matched * 2 < len(new):
        return None
    first, last = blocks[0], blocks[-1]
    start = max(0, first.a - first.b)
    end = min(len(old), last.a + last.size + (len(new) - last.b - last.size))
    # Indent the fragment like the lines it replaces (a method out of a class comes back dedented).
    have, want = common_indent(new[first.b]), common_indent(old[first.a])
    prefix = want[len(have):] if want.startswith(have) else ""
    return "\n".join([*old[:start], *(prefix + line if line.strip() else line for line in new), *old[end:]])
