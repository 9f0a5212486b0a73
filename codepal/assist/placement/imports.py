"""Merge an answer's imports into the document's import block, never adding one the document (or an earlier
notebook cell) already has: same statement, or every name it binds already bound by an import there.
"""

from __future__ import annotations

import re

from codepal.assist.placement.names import import_bindings, import_key, top_level_declarations
from codepal.assist.placement.structure import Item, Structure, structure
from codepal.text.lines import LINE_BREAK

_BRACES = re.compile(r"^(.*?)\{([^{}]*)\}(.*)$", re.DOTALL)
_GO_SPEC = re.compile(r"""(?:(\w+|\.|_)\s+)?("[^"\n]+"|`[^`\n]+`)""")


def missing_imports(document: str, language: str, imports: list[str], context: str = "") -> list[str]:
    """The imports (one statement each, `\\n` breaks) the document and `context` lack, in order."""
    doc = structure(document, language)
    if doc is None:
        return []
    present = [item.text(document) for item in doc.imports()]
    ctx = structure(context, language) if context.strip() else None
    if ctx is not None:
        present += [item.text(context) for item in ctx.imports()]
    keys = {import_key(text) for text in present}
    bound: set[str] = set()
    for text in present:
        bound |= import_bindings(text, language)
    if doc.language in ("javascript", "typescript"):
        bound |= set(top_level_declarations(document, language))
    bound |= {item.name for item in doc.items if item.kind == "def"}  # `import { Item }` of its own Item
    out: list[str] = []
    for text in _split(imports, doc.language):
        names = import_bindings(text, language)
        if import_key(text) in keys or (names and names <= bound):
            continue
        if names & bound and doc.language != "python":  # rebinding a name is an error there
            trimmed = _without_bound(text, bound, doc.language)
            if trimmed is None:
                continue
            text, names = trimmed, import_bindings(trimmed, language)
        out.append(text)
        keys.add(import_key(text))
        bound |= names
    return out


def merge_imports(document: str, language: str, imports: list[str], context: str = "") -> str:
    """`document` with the missing ones of `imports` added to its import block."""
    new = missing_imports(document, language, imports, context)
    doc = structure(document, language)
    if not new or doc is None:
        return document
    newline = _newline(document)
    if doc.language == "go":
        return _merge_go(document, doc, new, newline)
    lines = newline.join(line for text in new for line in text.split("\n"))
    block = doc.imports()
    first_def = next((item.start for item in doc.items if item.kind in ("def", "other")), len(document))
    leading = [item for item in block if item.start < first_def] or block
    if leading:
        at = leading[-1].end
        return document[:at] + newline + lines + document[at:]
    at = _top(document, doc)
    head, rest = document[:at], document[at:]
    if head and not head.endswith(("\n", "\r")):
        head += newline
    gap = newline if rest.strip() and not rest.startswith(("\n", "\r")) else ""
    return head + lines + newline + gap + rest


def used_imports(imports: list[str], code: str, language: str) -> list[str]:
    """The imports that `code` uses (or whose names cannot be told): an answer's import for its example
    or its tests is not merged."""
    out = []
    for text in imports:
        names = {n.split("/")[-1] for n in import_bindings(text, language)}
        if not names or any(re.search(rf"\b{re.escape(n)}\b", code) for n in names):
            out.append(text)
    return out


def _without_bound(text: str, bound: set[str], language: str) -> str | None:
    """`use a::{B, C};` / `import { B, C } from "a"` without the names already bound; None if none is left."""
    match = _BRACES.match(text)
    if match is None:
        return None
    items = [i.strip() for i in match.group(2).split(",") if i.strip()]
    keep = [i for i in items if i.split()[-1] not in bound]
    if not keep:
        return None
    if language == "rust" and len(keep) == 1:
        return match.group(1) + keep[0] + match.group(3)
    inner = ", ".join(keep)
    return match.group(1) + ("{" + inner + "}" if language == "rust" else "{ " + inner + " }") + match.group(3)


def _split(imports: list[str], language: str) -> list[str]:
    """Go: one `import "path"` per spec, so each is checked (and placed) on its own."""
    if language != "go":
        return [text.strip("\n") for text in imports if text.strip()]
    out = []
    for text in imports:
        for name, path in _GO_SPEC.findall(re.sub(r"\bimport\b", " ", text)):
            out.append(f"import {name + ' ' if name else ''}{path}")
    return out


def _merge_go(document: str, doc: Structure, new: list[str], newline: str) -> str:
    specs = [text[len("import "):] for text in new]
    block = doc.imports()
    grouped = [item for item in block if item.text(document).rstrip().endswith(")")]
    if grouped:
        item = grouped[-1]
        close = item.start + item.text(document).rindex(")")
        indent = "\t"
        lines = "".join(f"{indent}{spec}{newline}" for spec in specs)
        line_start = max(document.rfind("\n", 0, close), document.rfind("\r", 0, close)) + 1
        if document[line_start:close].strip():  # `import ("fmt")` on one line
            return document[:close] + newline + lines + document[close:]
        return document[:line_start] + lines + document[line_start:]
    lines = newline.join(new)
    if block:
        return document[:block[-1].end] + newline + lines + document[block[-1].end:]
    header = next((item for item in doc.items if item.kind == "header"), None)
    at = header.end if header is not None else 0
    return document[:at] + newline + newline + lines + document[at:]


def _top(document: str, doc: Structure) -> int:
    """Where a first import goes: after a package clause, a Python module docstring, `#!`/leading comments."""
    at = 0
    for item in doc.items:
        if item.kind in ("header", "comment") or _is_docstring(item, document, doc.language, at):
            at = _line_end(document, item.end)
            if item.kind == "header":  # `package p;` then a blank line, then the imports
                while document[at:at + 1] in ("\n", "\r") and at < len(document):
                    at = _line_end(document, at)
            continue
        break
    return at


def _is_docstring(item: Item, document: str, language: str, at: int) -> bool:
    text = item.text(document).lstrip()
    return language == "python" and item.kind == "other" and at == 0 and text.startswith(('"', "'"))


def _line_end(document: str, offset: int) -> int:
    match = LINE_BREAK.search(document, offset)
    return match.end() if match else len(document)


def _newline(document: str) -> str:
    match = LINE_BREAK.search(document)
    return match.group() if match else "\n"
