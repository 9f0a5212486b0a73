"""Registry entries: Go, Rust, Java, C and C++."""

from __future__ import annotations

from codepal.languages.model import (
    Comments,
    CompletionNodes,
    FunctionNodes,
    Grammar,
    Language,
    Strings,
    StructureNodes,
)
from codepal.languages.table_scripting import NO_PACKAGE_LINE

_C_COMMENTS = Comments("//", ("/*", "*/"))

GO = Language(
    id="go",
    aliases=("golang",),
    extensions=(".go",),
    comments=_C_COMMENTS,
    grammar=Grammar("tree_sitter_go"),
    strings=Strings(('"', "'", "`"), frozenset({"`"}), raw=frozenset({"`"})),
    indent_blocks=False,
    completion=CompletionNodes(
        definitions="""
            (function_declaration name: (_) @name) @def
            (method_declaration name: (_) @name) @def
            (type_spec name: (_) @name) @def
        """,
        imports="[(package_clause) (import_declaration)] @import",
        scopes=frozenset({"function_declaration", "method_declaration", "func_literal", "type_declaration"}),
        definition_depth=2,
    ),
    structure=StructureNodes(
        functions=frozenset({"function_declaration", "method_declaration"}),
        types=frozenset({"type_declaration"}),
        imports=frozenset({"import_declaration"}),
        headers=frozenset({"package_clause"}),
    ),
    functions=FunctionNodes(named=frozenset({"function_declaration", "method_declaration"}),
                            anonymous=frozenset({"func_literal"})),
)

RUST = Language(
    id="rust",
    aliases=("rs",),
    extensions=(".rs",),
    comments=_C_COMMENTS,
    grammar=Grammar("tree_sitter_rust"),
    strings=Strings(('"', "'"), frozenset({'"'}), char_literal_quote=True),
    indent_blocks=False,
    completion=CompletionNodes(
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
        scopes=frozenset({"function_item", "impl_item", "trait_item", "mod_item", "struct_item", "enum_item"}),
    ),
    structure=StructureNodes(
        functions=frozenset({"function_item"}),
        types=frozenset({"impl_item", "struct_item", "enum_item", "trait_item", "mod_item"}),
        imports=frozenset({"use_declaration", "extern_crate_declaration"}),
        headers=frozenset(),
    ),
    functions=FunctionNodes(named=frozenset({"function_item"}), anonymous=frozenset({"closure_expression"})),
    absent={"structure.headers": NO_PACKAGE_LINE},
)

JAVA = Language(
    id="java",
    aliases=(),
    extensions=(".java",),
    comments=_C_COMMENTS,
    grammar=Grammar("tree_sitter_java"),
    strings=Strings(('"""', '"', "'"), frozenset({'"""'})),
    indent_blocks=False,
    completion=CompletionNodes(
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
        scopes=frozenset({
            "class_declaration",
            "interface_declaration",
            "enum_declaration",
            "record_declaration",
            "method_declaration",
            "constructor_declaration",
        }),
    ),
    structure=StructureNodes(
        functions=frozenset({"method_declaration", "constructor_declaration"}),
        types=frozenset({"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"}),
        imports=frozenset({"import_declaration"}),
        headers=frozenset({"package_declaration"}),
    ),
    functions=FunctionNodes(named=frozenset({"method_declaration", "constructor_declaration"}),
                            anonymous=frozenset({"lambda_expression"})),
    absent={"aliases": "editors, fences and kernels all say `java`"},
)

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
_C_STRINGS = Strings(('"', "'"), frozenset())
_ONE_LINE_STRINGS = "a string ends with its line (raw strings `R\"(…)\"` are not scanned)"

C = Language(
    id="c",
    aliases=("h",),
    extensions=(".c", ".h"),
    comments=_C_COMMENTS,
    grammar=Grammar("tree_sitter_c"),
    strings=_C_STRINGS,
    indent_blocks=False,
    completion=CompletionNodes(_C_DEFINITIONS, "(preproc_include) @import", _C_SCOPES, definition_depth=2),
    structure=StructureNodes(
        functions=frozenset({"function_definition"}),
        types=frozenset({"struct_specifier"}),
        imports=frozenset({"preproc_include"}),
        headers=frozenset(),
    ),
    functions=FunctionNodes(named=frozenset({"function_definition"}), anonymous=frozenset()),
    absent={
        "strings.multiline": _ONE_LINE_STRINGS,
        "structure.headers": NO_PACKAGE_LINE,
        "functions.anonymous": "C has no anonymous functions",
    },
)

CPP = Language(
    id="cpp",
    aliases=("c++", "cc", "cxx", "hpp"),
    extensions=(".cc", ".cpp", ".cxx", ".hpp", ".hh"),
    comments=_C_COMMENTS,
    grammar=Grammar("tree_sitter_cpp"),
    strings=_C_STRINGS,
    indent_blocks=False,
    completion=CompletionNodes(
        definitions=_C_DEFINITIONS
        + """
            (class_specifier name: (_) @name body: (_)) @def
            (field_declaration declarator: (function_declarator) @decl) @def
            (alias_declaration name: (_) @name) @def
        """,
        imports="[(preproc_include) (using_declaration) (namespace_alias_definition)] @import",
        scopes=_C_SCOPES | {"class_specifier", "namespace_definition", "lambda_expression"},
        definition_depth=5,
        import_depth=3,
    ),
    structure=StructureNodes(
        functions=frozenset({"function_definition"}),
        types=frozenset({"class_specifier", "struct_specifier", "namespace_definition"}),
        imports=frozenset({"preproc_include"}),
        headers=frozenset(),
    ),
    functions=FunctionNodes(named=frozenset({"function_definition"}), anonymous=frozenset({"lambda_expression"})),
    absent={"strings.multiline": _ONE_LINE_STRINGS, "structure.headers": NO_PACKAGE_LINE},
)

ENTRIES = (GO, RUST, JAVA, C, CPP)
