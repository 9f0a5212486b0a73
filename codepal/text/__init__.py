"""The text model: LSP line splitting, positions in any encoding, incremental edits, open documents.

Beside it, the text that comes from elsewhere, imported by module: `reasoning` (thinking tags and special
tokens in a model's output), `fences` (code fences and prose in a model's answer), `terminal` (escape
sequences in text written for a terminal).
"""

from codepal.text.document import Position, TextDocument
from codepal.text.encoding import ENCODINGS, PositionEncoding, index_to_units, units_to_index
from codepal.text.lines import LineIndex, split_lines
from codepal.text.store import DocumentStore, TextChange

__all__ = [
    "ENCODINGS",
    "DocumentStore",
    "LineIndex",
    "Position",
    "PositionEncoding",
    "TextChange",
    "TextDocument",
    "index_to_units",
    "split_lines",
    "units_to_index",
]
