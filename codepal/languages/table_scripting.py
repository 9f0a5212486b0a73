"""Registry entries: Python, JavaScript and TypeScript (with their React dialects)."""

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

NO_PACKAGE_LINE = "the language has no `package` line"

PYTHON = Language(
    id="python",
    aliases=("py", "python3", "ipython"),
    extensions=(".py", ".pyi"),
    comments=Comments("#"),
    grammar=Grammar("tree_sitter_python"),
    strings=Strings(('"""', "'''", '"', "'"), frozenset({'"""', "'''"}), prefixed_fstrings=True),
    indent_blocks=True,
    completion=CompletionNodes(
        definitions="""
            (function_definition name: (identifier) @name) @def
            (class_definition name: (identifier) @name) @def
        """,
        imports="[(import_statement) (import_from_statement) (future_import_statement)] @import",
        scopes=frozenset({"function_definition", "class_definition"}),
    ),
    structure=StructureNodes(
        functions=frozenset({"function_definition"}),
        types=frozenset({"class_definition"}),
        imports=frozenset({"import_statement", "import_from_statement", "future_import_statement"}),
        headers=frozenset(),
    ),
    functions=FunctionNodes(named=frozenset({"function_definition"}), anonymous=frozenset()),
    absent={
        "comments.block": "Python has no block comments (a docstring is a string)",
        "structure.headers": NO_PACKAGE_LINE,
        "functions.anonymous": "a lambda is an expression: the statement around it is what an action is about",
    },
)

_JS_STRINGS = Strings(('"', "'", "`"), frozenset({"`"}), dollar_interpolation=frozenset({"`"}))
_JS_COMPLETION = CompletionNodes(
    definitions="""
(function_declaration name: (_) @name) @def
(generator_function_declaration name: (_) @name) @def
(class_declaration name: (_) @name) @def
(method_definition name: (_) @name) @def
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @def
""",
    imports="""
(import_statement) @import
(lexical_declaration (variable_declarator value: (call_expression
  function: (identifier) @_fn (#eq? @_fn "require")))) @import
""",
    scopes=frozenset({
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "method_definition",
        "arrow_function",
        "function_expression",
    }),
)
_JS_STRUCTURE = StructureNodes(
    functions=frozenset({"function_declaration", "generator_function_declaration", "method_definition"}),
    types=frozenset({"class_declaration", "abstract_class_declaration", "interface_declaration",
                     "type_alias_declaration", "enum_declaration"}),
    imports=frozenset({"import_statement"}),  # `const x = require(…)` is recognised by placement's code
    headers=frozenset(),
)
_JS_FUNCTIONS = FunctionNodes(
    named=frozenset({"function_declaration", "generator_function_declaration", "method_definition"}),
    anonymous=frozenset({"arrow_function", "function_expression", "generator_function", "function"}),
)
_JS_ABSENT = {"structure.headers": NO_PACKAGE_LINE}

JAVASCRIPT = Language(
    id="javascript",
    aliases=("js", "node"),
    extensions=(".js", ".mjs", ".cjs"),
    comments=Comments("//", ("/*", "*/")),
    grammar=Grammar("tree_sitter_javascript"),
    strings=_JS_STRINGS,
    indent_blocks=False,
    completion=_JS_COMPLETION,
    structure=_JS_STRUCTURE,
    functions=_JS_FUNCTIONS,
    absent=_JS_ABSENT,
)
JAVASCRIPTREACT = Language(
    id="javascriptreact",
    aliases=("jsx",),
    extensions=(".jsx",),
    comments=JAVASCRIPT.comments,
    grammar=JAVASCRIPT.grammar,  # the JavaScript grammar parses JSX
    strings=_JS_STRINGS,
    indent_blocks=False,
    completion=_JS_COMPLETION,
    structure=_JS_STRUCTURE,
    functions=_JS_FUNCTIONS,
    family="javascript",
    absent=_JS_ABSENT,
)

_TS_COMPLETION = CompletionNodes(
    definitions=_JS_COMPLETION.definitions
    + """
(abstract_class_declaration name: (_) @name) @def
(interface_declaration name: (_) @name) @def
(type_alias_declaration name: (_) @name) @def
(enum_declaration name: (_) @name) @def
(function_signature name: (_) @name) @def
(method_signature name: (_) @name) @def
(abstract_method_signature name: (_) @name) @def
""",
    imports=_JS_COMPLETION.imports,
    scopes=_JS_COMPLETION.scopes | {"abstract_class_declaration", "interface_declaration", "enum_declaration"},
)

TYPESCRIPT = Language(
    id="typescript",
    aliases=("ts",),
    extensions=(".ts",),
    comments=JAVASCRIPT.comments,
    grammar=Grammar("tree_sitter_typescript", "language_typescript"),
    strings=_JS_STRINGS,
    indent_blocks=False,
    completion=_TS_COMPLETION,
    structure=_JS_STRUCTURE,
    functions=_JS_FUNCTIONS,
    absent=_JS_ABSENT,
)
TYPESCRIPTREACT = Language(
    id="typescriptreact",
    aliases=("tsx",),
    extensions=(".tsx",),
    comments=JAVASCRIPT.comments,
    grammar=Grammar("tree_sitter_typescript", "language_tsx"),
    strings=_JS_STRINGS,
    indent_blocks=False,
    completion=_TS_COMPLETION,
    structure=_JS_STRUCTURE,
    functions=_JS_FUNCTIONS,
    family="typescript",  # placement parses it with the TypeScript grammar, as it always has
    absent=_JS_ABSENT,
)

ENTRIES = (PYTHON, JAVASCRIPT, JAVASCRIPTREACT, TYPESCRIPT, TYPESCRIPTREACT)
