"""A fix asked for as JSON: the schema sent as `response_format`, and the answer read back.

vLLM constrains the answer to the schema (with a reasoning parser on, only the answer after the
thinking), so there is one candidate and no prose to strip. Servers that ignore `response_format`
answer in free text: an answer that is not a JSON object of this shape is left to the free-text path
(code blocks). The answer is untrusted either way: placement and verification judge the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codepal.text.fences import whole_block
from codepal.text.reasoning import strip_reasoning

SCHEMA_NAME = "codepal_fix"
# Bounds keep even a model that never stops (the random test model) inside the answer's token budget:
# a string ends at its maxLength, so the object always closes. The code may grow to twice the target.
MIN_CODE_CHARS = 400
MAX_IMPORTS = 4
IMPORT_CHARS = 120
EXPLANATION_CHARS = 160


@dataclass(frozen=True)
class StructuredFix:
    code: str  # the corrected target
    imports: tuple[str, ...]  # import statements it needs
    explanation: str  # one line


def fix_schema(target_code: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "code": {"type": "string", "maxLength": max(MIN_CODE_CHARS, 2 * len(target_code))},
            "imports": {"type": "array", "maxItems": MAX_IMPORTS,
                        "items": {"type": "string", "maxLength": IMPORT_CHARS}},
            "explanation": {"type": "string", "maxLength": EXPLANATION_CHARS},
        },
        "required": ["code", "imports", "explanation"],
        "additionalProperties": False,
    }


def response_format(target_code: str) -> dict[str, Any]:
    """The request field (OpenAI's structured outputs, which vLLM implements)."""
    return {"type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": fix_schema(target_code), "strict": True}}


def parse_fix(answer: str) -> StructuredFix | None:
    """The answer as a StructuredFix, or None when it is not a JSON object of the schema's shape. A model
    that wrapped the object in a fence (a server that ignored the schema) is read too."""
    text = strip_reasoning(answer).strip()
    fenced = whole_block(text)
    if fenced:
        text = fenced.code.strip()
    try:
        data = json.loads(text, strict=False)  # strict=False: raw line breaks inside strings
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        return None
    imports = data.get("imports", [])
    explanation = data.get("explanation", "")
    if not isinstance(imports, list) or not all(isinstance(i, str) for i in imports):
        return None
    if not isinstance(explanation, str):
        return None
    clean = tuple(line.strip() for line in imports if line.strip())
    return StructuredFix(data["code"], clean, " ".join(explanation.split()))
