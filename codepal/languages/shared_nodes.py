"""Node types read the same way in every grammar that has them, so they are one set, not one per
language (a type missing from a grammar never matches there)."""

from __future__ import annotations

# Completion context (`complete/context_index.py`): where a definition's header ends, its `body` field
# else the first child of one of these types.
HEADER_BODY_TYPES = frozenset(
    {
        "block",
        "statement_block",
        "class_body",
        "compound_statement",
        "field_declaration_list",
        "declaration_list",
        "interface_body",
        "enum_body",
        "enum_variant_list",
        "constructor_body",
    }
)
# A header starts at the declaration that names or exports it (`export const f = (x) => …`).
HEADER_FROM_PARENT = frozenset(
    {"variable_declarator", "lexical_declaration", "variable_declaration", "export_statement"}
)
# Words placed before a header the grammar keeps outside the captured node (Go's `type` keyword).
HEADER_PREFIX = {"type_spec": "type "}

# Fix placement (`assist/placement/structure.py`): wrappers whose inner definition is what is placed,
# and the bodies a type's methods are found in when the grammar names no `body` field.
PLACEMENT_WRAPPERS = frozenset({"decorated_definition", "export_statement"})
PLACEMENT_BODIES = frozenset({"block", "class_body", "declaration_list", "field_declaration_list", "statement_block"})

# The function an action is about (`assist/scope.py`): parents that are part of the definition they wrap.
ACTION_WRAPPERS = frozenset({
    "decorated_definition", "export_statement", "variable_declarator", "lexical_declaration",
    "variable_declaration", "template_declaration",
})
