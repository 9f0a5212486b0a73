"""The part of the document a request is about, widened to whole lines and shown to the model dedented.

Spans often start mid-line (a tree-sitter node starts at `def`, after the indentation). Whole lines give
the model a self-contained piece and give the fix a well-defined place to go back to, re-indented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codepal.text.lines import LINE_BREAK, split_lines
from codepal.types import CodeSpan

_INDENT = re.compile(r"[ \t]*")


@dataclass(frozen=True)
class Region:
    document: str
    start: int  # offset of the first line's start
    end: int  # offset just before the last line's break (or the end of the document)
    first_line: int  # 0-based line number of `start`
    indent: str  # common leading whitespace of the non-blank lines
    newline: str  # the document's line break, used for the model's `\n`

    @property
    def text(self) -> str:
        return self.document[self.start:self.end]

    @property
    def code(self) -> str:
        """The region dedented, with `\\n` line breaks: what the model sees."""
        return "\n".join(_strip_prefix(line, self.indent) for line in split_lines(self.text))

    @property
    def whole_document(self) -> bool:
        return self.start == 0 and self.end == len(self.document.rstrip("\r\n"))

    def line_count(self) -> int:
        return len(split_lines(self.text))

    def replaced(self, code: str) -> str:
        """The whole document with this region replaced by `code` (dedented, `\\n`), re-indented."""
        lines = split_lines(dedent(code.strip("\r\n")))
        body = self.newline.join(self.indent + line if line.strip() else "" for line in lines)
        return self.document[:self.start] + body + self.document[self.end:]


def region_of(span: CodeSpan) -> Region:
    doc = span.text
    start = max(0, min(span.start, len(doc)))
    end = max(start, min(span.end, len(doc)))
    line_start = max(doc.rfind("\n", 0, start), doc.rfind("\r", 0, start)) + 1
    # A selection that ends right after a line break does not include the next line.
    while end > line_start and doc[end - 1] in "\r\n":
        end -= 1
    match = LINE_BREAK.search(doc, end)
    line_end = match.start() if match else len(doc)
    text = doc[line_start:line_end]
    first_line = len(LINE_BREAK.findall(doc, 0, line_start))
    return Region(doc, line_start, line_end, first_line, common_indent(text), _newline(doc))


def common_indent(text: str) -> str:
    indents = [_INDENT.match(line).group() for line in split_lines(text) if line.strip()]  # type: ignore[union-attr]
    if not indents:
        return ""
    prefix = indents[0]
    for indent in indents[1:]:
        while not indent.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


def dedent(text: str) -> str:
    indent = common_indent(text)
    return "\n".join(_strip_prefix(line, indent) for line in split_lines(text))


def _strip_prefix(line: str, prefix: str) -> str:
    return line[len(prefix):] if line.startswith(prefix) else line.lstrip(" \t")


def _newline(doc: str) -> str:
    match = LINE_BREAK.search(doc)
    return match.group() if match else "\n"
