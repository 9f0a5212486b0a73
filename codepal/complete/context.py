"""What the model sees around the cursor: prefix/suffix plus the enclosing scope, the file's imports and
the signatures of names used near the cursor that are defined elsewhere.

Pure and fast. The document is parsed once per request, incrementally from the previous request's tree
(`TreeCache`: output depends on what is cached only where tree-sitter's error recovery of an incremental
parse differs from a fresh one, on text with syntax errors). The part of the file after
the next definition following the cursor is read separately and memoised by content: Python's
indentation scanner makes tree-sitter reparse everything after an edit, and in any language an
unclosed bracket typed at the cursor would make it re-recover the whole rest of the file.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlparse

from tree_sitter import Node

from codepal.complete.context_facts import FactsCache
from codepal.complete.context_index import Facts, facts_of, scope
from codepal.complete.context_memo import equality_memo
from codepal.languages import lookup, normalize_language
from codepal.syntax import get_language
from codepal.text.lines import LINE_BREAK
from codepal.text.tree_cache import TreeCache
from codepal.types import CompletionRequest

WINDOW_LINES = 30  # "near the cursor": names used in this many lines before it
MAX_SIGNATURES = 8
MAX_FILES = 4
MAX_IMPORTS = 40
# Documents longer than this are parsed only around the cursor (plus their head, for imports); the cut
# points move in coarse steps, not with every keystroke, so the incremental reparse stays cheap.
MAX_PARSE_CHARS = 256_000
_PARSE_BEFORE, _PARSE_AFTER, _PARSE_STEP, _HEAD_CHARS = 192_000, 64_000, 32_000, 32_000
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_TOP_LEVEL = re.compile(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)(?=[A-Za-z_@#])")
_PY_DEFINITION_LINE = re.compile(r"\n([ \t]*)(?:@|(?:async[ \t]+)?def[ \t]|class[ \t])")
_SHALLOWER: dict[int, re.Pattern[str]] = {}  # by indent width: a line indented less than it
_TREES = TreeCache()
_FACTS = FactsCache()


@dataclass(frozen=True)
class Signature:
    """A definition's header line(s). `source` is the path hint of the file it is in ("" = this file)."""

    name: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class CompletionContext:
    """The text around the cursor and what else the model should know. `prefix`/`suffix` include a
    request's extra prefix/suffix (notebook cells); everything else is optional and may be dropped by
    the budget."""

    prefix: str
    suffix: str
    language: str
    file_path: str = ""
    scope: tuple[str, ...] = ()  # enclosing definitions' headers, outermost first
    imports: tuple[str, ...] = ()
    signatures: tuple[Signature, ...] = ()  # most relevant first; rendering sorts them
    kernel: tuple[str, ...] = ()  # a notebook kernel's variables, most relevant first; rendering sorts them
    binary: bool = False  # the document is not text: the caller answers empty


def with_changes(ctx: CompletionContext, **changes: object) -> CompletionContext:
    """`dataclasses.replace(ctx, **changes)` without its walk over the fields (~4 µs a call, six calls a
    prepare): the class has no `__post_init__` and nothing derived from its fields, so a copy of its
    fields with `changes` is the same object `replace` builds."""
    assert changes.keys() <= _CONTEXT_FIELDS, changes.keys() - _CONTEXT_FIELDS
    copy = object.__new__(CompletionContext)
    fields = copy.__dict__
    fields.update(ctx.__dict__)
    fields.update(changes)
    return copy


_CONTEXT_FIELDS = frozenset(field.name for field in dataclasses.fields(CompletionContext))


@lru_cache(maxsize=64)
def path_hint(uri: str) -> str:
    """The last three path components of a URI (`src/pkg/app.py`): enough for the model, stable, and
    free of the user's home directory."""
    if not uri:
        return ""
    parsed = urlparse(uri)
    path = unquote(parsed.path) if parsed.scheme else uri
    return "/".join([part for part in path.replace("\\", "/").split("/") if part][-3:])


def build_context(
    request: CompletionRequest, *, max_signatures: int = MAX_SIGNATURES, max_files: int = MAX_FILES
) -> CompletionContext:
    language = normalize_language(request.language)
    file_path = path_hint(request.uri)
    if "\0" in request.text or "\0" in request.extra_prefix or "\0" in request.extra_suffix:
        return CompletionContext("", "", language, file_path, binary=True)
    offset = min(max(request.offset, 0), len(request.text))
    prefix = request.extra_prefix + request.text[:offset]
    suffix = request.text[offset:] + request.extra_suffix
    spec = lookup(language)
    if spec is None or spec.completion is None or get_language(language) is None:
        return CompletionContext(prefix, suffix, language, file_path)

    skipped, kept = _parse_window(prefix, suffix)
    cut, wrap = _cut(suffix, kept, spec.indent_blocks)
    window = _window(prefix)
    # Python: the definitions above the window (top-level ones, whole) are read apart from the part
    # around the cursor, memoised by content, so a keystroke reparses only the code around the cursor.
    local = _local_start(prefix, skipped, len(prefix) - len(window)) if spec.indent_blocks else skipped
    above = facts_of.of_slice(prefix, skipped, local, language) if local > skipped else Facts({}, ())
    head = prefix[local:].encode("utf-8", "surrogatepass")
    source = head + suffix[:cut].encode("utf-8", "surrogatepass")
    cursor = len(head)
    parsed = _TREES.parse_with_changes(request.uri, language, source)
    assert parsed is not None
    root = parsed[0].root_node
    facts = _FACTS.facts(request.uri, language, root, source, parsed[1])
    found_imports = above.imports + facts.import_texts
    after = facts_of.of_slice(suffix, cut, kept, language, wrap) if cut < kept else Facts({}, ())
    if skipped:  # the imports of a huge document are at its top, outside the parsed window
        found_imports = facts_of(prefix[: min(skipped, _HEAD_CHARS)], language).imports + found_imports

    window_start = cursor - len(window.encode("utf-8", "surrogatepass"))
    near = _near_names(window, suffix[: _line_end(suffix)])
    defined_above = above.definitions
    here: dict[str, str] = {name: defined_above[name] for name in near if name in defined_above}
    being_written: set[tuple[int, str]] | None = None  # walked up to only when a definition needs it
    for definition in facts.definitions:
        name = definition.name
        if name not in near or name in here:
            continue
        if window_start <= definition.start <= cursor:
            continue  # visible right there
        if being_written is None:
            being_written = _around(root, cursor)
        if (definition.start, definition.kind) in being_written:
            continue  # the definition being written
        here[name] = definition.header
    others = [
        (path_hint(doc.uri), facts_of(text, normalize_language(doc.language)).definitions)
        for doc in request.other_documents
        for text in [doc.text[:MAX_PARSE_CHARS]]  # of a huge file, only its beginning
        if doc.uri != request.uri and _has_completion_nodes(doc.language) and "\0" not in text
    ]
    sources = [("", after.definitions), *others[:max_files]]
    signatures: list[Signature] = []
    # Of the ~100 names near the cursor, the few defined somewhere, picked out without a call per name.
    first = sources[0][1]
    if len(sources) == 1:
        found = [name for name in near if name in here or name in first]
    else:
        found = [name for name in near if name in here or any(name in defined for _, defined in sources)]
    for name in found[:max_signatures]:
        text = here.get(name)
        if text is not None:
            signatures.append(Signature(name, text))
            continue
        for hint, defined in sources:  # the first source that defines it
            text = defined.get(name)
            if text is not None:
                signatures.append(Signature(name, text, hint))
                break

    cursor_line = prefix[max(prefix.rfind("\n"), prefix.rfind("\r")) + 1 :]
    return CompletionContext(
        prefix=prefix,
        suffix=suffix,
        language=language,
        file_path=file_path,
        scope=scope(root, source, cursor, cursor_line, spec, facts.headers),
        imports=tuple(dict.fromkeys(found_imports + after.imports))[:MAX_IMPORTS],
        signatures=tuple(signatures),
        kernel=request.kernel.for_completion(near) if request.kernel else (),
    )


_PY_TOP_LEVEL = re.compile(r"^(?:@|(?:async[ \t]+)?def[ \t]|class[ \t])", re.MULTILINE)
_LOCAL_STEP = 4096


def _has_completion_nodes(language: str) -> bool:
    found = lookup(language)
    return found is not None and found.completion is not None


def _local_start(prefix: str, start: int, limit: int) -> int:
    """Where the code around the cursor starts: a top-level definition at or before `limit` (the
    window's first line), found from a coarse point so it moves rarely; `start` when there is none."""
    if limit - start < 2 * _LOCAL_STEP:
        return start
    coarse = (limit - _LOCAL_STEP) // _LOCAL_STEP * _LOCAL_STEP
    return start + _top_level_before.of_slice(prefix, start, coarse)


@equality_memo(8)
def _top_level_before(text: str) -> int:
    """Offset of the last top-level definition in the final stretch of `text` (outside triple-quoted
    strings, by the parity of their quotes), or 0. Memoised: typing below it leaves `text` as it was."""
    found = 0
    for match in _PY_TOP_LEVEL.finditer(text, max(0, len(text) - 4 * _LOCAL_STEP)):
        found = match.start()
    if found and text.count('"""', 0, found) % 2 == 0 and text.count("\'\'\'", 0, found) % 2 == 0:
        return found
    return 0


def _around(root: Node, cursor: int) -> set[tuple[int, str]]:
    """(start, type) of the nodes the cursor is strictly inside."""
    found: set[tuple[int, str]] = set()
    node: Node | None = root.descendant_for_byte_range(cursor, cursor)
    while node is not None:
        if node.start_byte < cursor < node.end_byte:
            found.add((node.start_byte, node.type))
        node = node.parent
    return found


def _parse_window(prefix: str, suffix: str) -> tuple[int, int]:
    """(characters of the prefix to skip, characters of the suffix to keep) for parsing."""
    if len(prefix) + len(suffix) <= MAX_PARSE_CHARS:
        return 0, len(suffix)
    skip = max(0, len(prefix) - _PARSE_BEFORE) // _PARSE_STEP * _PARSE_STEP
    if skip:
        match = LINE_BREAK.search(prefix, skip)
        skip = match.end() if match else skip
    keep = len(suffix)
    if keep > _PARSE_AFTER:
        match = LINE_BREAK.search(suffix, _PARSE_AFTER)
        keep = match.end() if match else keep
    return skip, keep


@equality_memo(16)
def _cut(suffix: str, kept: int, python: bool) -> tuple[int, bool]:
    """Memoised: typing at the cursor leaves the suffix as it was.
    Where the parsed part of the suffix ends, so that an edit at the cursor reparses little and the
    rest is read once (memoised). (cut, whether the rest needs the synthetic class to parse)."""
    start = _line_end(suffix)
    if not python:  # a top-level declaration after a blank line; nothing inside blocks
        match = _TOP_LEVEL.search(suffix, start, kept)
        return (match.end(), False) if match else (kept, False)
    # Python: the first definition after the cursor line that parses on its own: top level, or a method
    # wrapped in a class when nothing before the next top-level definition is indented less. (`^` of a
    # multi-line pattern is tried at every character; a pattern that starts with the line break before it
    # skips to each break at C speed. The cursor's line has no break, so no match starts before `start`.)
    candidates: list[re.Match[str]] = []
    for match in _PY_DEFINITION_LINE.finditer(suffix, start, kept):
        if not match.group(1):
            top = match.start() + 1
            break
        if len(candidates) < 8:
            candidates.append(match)
    else:
        top = kept
    for match in candidates:
        width = len(match.group(1))
        if width <= 1:
            return match.start() + 1, True
        shallower = _SHALLOWER.get(width)
        if shallower is None:
            shallower = _SHALLOWER[width] = re.compile(rf"\n[ \t]{{1,{width - 1}}}[^ \t\r\n#]")
        if shallower.search(suffix, match.start(), top) is None:
            return match.start() + 1, True
    return top, False


def _window(prefix: str) -> str:
    """The last WINDOW_LINES lines of the prefix (the cursor line counts)."""
    tail = prefix[-200 * WINDOW_LINES :]
    if "\r" not in tail:  # the common case, without a match object per line
        parts = tail.rsplit("\n", WINDOW_LINES - 1)  # parts[0]: what is before the lines wanted
        return tail[len(parts[0]) + 1 :] if len(parts) == WINDOW_LINES else tail
    breaks = [m.end() for m in LINE_BREAK.finditer(tail)]
    return tail[breaks[-WINDOW_LINES + 1] :] if len(breaks) >= WINDOW_LINES - 1 else tail


def _line_end(text: str) -> int:
    match = LINE_BREAK.search(text)
    return match.start() if match else len(text)


def _near_names(window: str, line_rest: str) -> dict[str, None]:
    """Identifiers in `window + line_rest` (the window, then the rest of the cursor's line), the
    last-used first (a dict as an ordered set). No identifier spans a line break, so the window's lines
    above the cursor's line are read apart, memoised: typing changes only the cursor's line."""
    cut = max(window.rfind("\n"), window.rfind("\r")) + 1
    found = dict.fromkeys(reversed(_IDENTIFIER.findall(window[cut:] + line_rest)))
    found.update(_names_last_first(window[:cut]))  # keeps the ones already found where they are
    return found


@equality_memo(4)
def _names_last_first(text: str) -> dict[str, None]:
    return dict.fromkeys(reversed(_IDENTIFIER.findall(text)))
