"""Terminal escape sequences in text written for a terminal (IPython's coloured tracebacks, a tool's output):
the one place that takes them out before the text reaches a prompt or a message.

The ECMA-48 shapes (the table of wcwidth and blessed), in their 7-bit form:
- CSI: colours, cursor moves, erasing (`ESC [ 0;31 m`, `ESC [ ? 25 l`);
- OSC: window titles and hyperlinks (`ESC ] 8 ; ; url ST text ESC ] 8 ; ; ST`), and the DCS, SOS, PM and
  APC strings (`ESC P`, `ESC X`, `ESC ^`, `ESC _`), ended by BEL or ST (`ESC \\`);
- the rest: ESC, intermediate bytes, a final byte (`ESC ( B`, `ESC =`, `ESC 7`).
A string that never ends (a cut stream) ends at the line's end, so the lines after it stay; a lone ESC
goes. The 8-bit C1 forms are left alone: UTF-8 terminals do not read them, and U+0080–U+009F in text is
more likely mis-decoded bytes than an escape.
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: parameters, intermediates, a final byte
    r"|\x1b[\]PX^_][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC, DCS, SOS, PM, APC: a string up to BEL or ST
    r"|\x1b[ -/]*[0-~]"  # every other escape
    r"|\x1b"  # a lone ESC
)


def strip_escapes(text: str) -> str:
    """`text` without terminal escape sequences; all else, tabs, newlines and carriage returns included,
    stays."""
    return _ESCAPES.sub("", text) if "\x1b" in text else text
