"""Per-language tree-sitter tables for context collection: what a definition, an import and an
enclosing scope look like in each grammar. Data only; `context.py` interprets it.

Definition queries capture the whole definition as `@def` and its name either directly as `@name` or,
for C-family declarators (`*f(int)`, `Cls::m`), as `@decl`, which `context.py` follows to the name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageTable:
    definitions: str
    imports: str
    scopes: frozenset[str]
    line_comment: str
    indent_scoped: bool = False  # Python: a block ends where the indentation does, not at a brace
    # How deep definitions/imports may start (root = 0): methods of top-level classes, and no deeper,
    # because walking the whole tree of a large file costs more than the rest of the context together.
    definition_depth: int = 4
    import_depth: int = 2


_JS_DEFINITIONS = """
(function_declaration name: (_) @name) @def
(generator_function_declaration name: (_) @name) @def
(class_declaration name: (_) @name) @def
(method_definition name: (_) @name) @def
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @def
"""
_JS_IMPORTS = """
(import_statement) @import
(lexical_declaration (variable_declarator value: (call_expression
  function: (identifier) @_fn (#eq? @_fn "require")))) @import
"""
_JS_SCOPES = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "method_definition",
        "arrow_function",
        "function_expression",
    }
)
_TS_DEFINITIONS = (
    _JS_DEFINITIONS
    + """
(abstract_class_declaration name: (_) @name) @def
(interface_declaration name: (_) @name) @def
(type_alias_declaration name: (_) @name) @def
(enum_declaration name: (_) @name) @def
(function_signature name: (_) @name) @def
(method_signature name: (_) @name) @def
(abstract_method_signature name: (_) @name) @def
"""
)
_TS_SCOPES = _JS_SCOPES | {"abstract_class_declaration", "interface_declaration", "enum_declaration"}

_C_DEFINITIONS = """
(function_definition declarator: (_) @decl) @def
(declaration declarator: [(function_declarator) (pointer_declarator)] @decl) @def
(struct_specifier name: (_) @name body: (_)) @def
(union_specifier name: (_) @name body: (_)) @def
(enum_specifier name: (_) @name body: (_)) @def
(type_definition declarator: (_) @decl) @def
(preproc_function_def name: (_) @name) @def
"""
_C_SCOPES = frozenset({"function_definition", "struct_specifier", "union_specifier", "enum_specifier"})

TABLES: dict[str, LanguageTable] = {
    "python": LanguageTable(
        definitions="""
            (function_definition name: (identifier) @name) @def
            (class_definition name: (identifier) @name) @def
        """,
        imports="[(import_statement) (import_from_statement) (future_import_statement)] @import",
        scopes=frozenset({"function_definition", "class_definition"}),
        line_comment="#",
        indent_scoped=True,
    ),
    "javascript": LanguageTable(_JS_DEFINITIONS, _JS_IMPORTS, _JS_SCOPES, "//"),
    "typescript": LanguageTable(_TS_DEFINITIONS, _JS_IMPORTS, _TS_SCOPES, "//"),
    "go": LanguageTable(
        definitions="""
            (function_declaration name: (_) @name) @def
            (method_declaration name: (_) @name) @def
            (type_spec name: (_) @name) @def
        """,
        imports="[(package_clause) (import_declaration)] @import",
        scopes=frozenset({"function_declaration", "method_declaration", "func_literal", "type_declaration"}),
        line_comment="//",
        definition_depth=2,
    ),
    "rust": LanguageTable(
        definitions="""
            (function_item name: (_) @name) @def
            (function_signature_item name: (_) @name) @def
            (struct_item name: (_) @name) @def
            (enum_item name: (_) @name) @def
            (union_item name: (_) @name) @def
            (trait_item name: (_) @name) @def
            (type_item name: (_) @name) @def
            (macro_definition name: (_) @name) @def
        """,
        imports="[(use_declaration) (extern_crate_declaration)] @import",
        scopes=frozenset(
            {"function_item", "impl_item", "trait_item", "mod_item", "struct_item", "enum_item"}
        ),
        line_comment="//",
    ),
    "java": LanguageTable(
        definitions="""
            (class_declaration name: (_) @name) @def
            (interface_declaration name: (_) @name) @def
            (enum_declaration name: (_) @name) @def
            (record_declaration name: (_) @name) @def
            (annotation_type_declaration name: (_) @name) @def
            (method_declaration name: (_) @name) @def
            (constructor_declaration name: (_) @name) @def
        """,
        imports="[(package_declaration) (import_declaration)] @import",
        scopes=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "enum_declaration",
                "record_declaration",
                "method_declaration",
                "constructor_declaration",
            }
        ),
        line_comment="//",
    ),
    "c": LanguageTable(_C_DEFINITIONS, "(preproc_include) @import", _C_SCOPES, "//", definition_depth=2),
    "cpp": LanguageTable(
        definitions=_C_DEFINITIONS
        + """
            (class_specifier name: (_) @name body: (_)) @def
            (field_declaration declarator: (function_declarator) @decl) @def
            (alias_declaration name: (_) @name) @def
        """,
        imports="[(preproc_include) (using_declaration) (namespace_alias_definition)] @import",
        scopes=_C_SCOPES | {"class_specifier", "namespace_definition", "lambda_expression"},
        line_comment="//",
        definition_depth=5,
        import_depth=3,
    ),
}
TABLES["javascriptreact"] = TABLES["javascript"]
TABLES["typescriptreact"] = TABLES["typescript"]

# Where a definition's header ends: its `body` field, else the first child of one of these types.
BODY_TYPES = frozenset(
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
