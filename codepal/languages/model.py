"""What codepal knows about one language, as frozen dataclasses. Data only: the table files fill them,
`registry.py` looks them up, and the modules that parse, prompt, filter and place code read them.

A field is None (or an empty set) only where the language lacks the thing; `Language.absent` then says
why, and a test holds every entry to that.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Grammar:
    """A tree-sitter grammar shipped as a wheel (`tree-sitter-python`, …; never downloaded)."""

    module: str  # the wheel's import name
    function: str = "language"  # the module's function returning the grammar pointer


@dataclass(frozen=True)
class Comments:
    line: str | None  # `#`, `//`, `--`
    block: tuple[str, str] | None = None  # (opener, closer); the completion scanner knows `/* */` only


@dataclass(frozen=True)
class Strings:
    """String delimiters as the completion filters' scanner (`complete/postprocess/lexer.py`) reads them."""

    quotes: tuple[str, ...]  # longest first
    multiline: frozenset[str]  # delimiters whose strings may span lines
    raw: frozenset[str] = frozenset()  # delimiters without escapes (Go's backquote)
    char_literal_quote: bool = False  # Rust: `'` is a lifetime unless a char literal follows
    prefixed_fstrings: bool = False  # Python: `f"…{x}…"` interpolates
    dollar_interpolation: frozenset[str] = frozenset()  # delimiters whose strings interpolate `${x}`


@dataclass(frozen=True)
class CompletionNodes:
    """Tree-sitter queries and node types for completion context (`complete/context_index.py`).

    The definition query captures the whole definition as `@def` and its name either directly as `@name`
    or, for C-family declarators (`*f(int)`, `Cls::m`), as `@decl`, which the reader follows to the name.
    """

    definitions: str  # query
    imports: str  # query capturing `@import`
    scopes: frozenset[str]  # node types whose headers show the cursor's enclosing scope
    # How deep definitions/imports may start (root = 0): methods of top-level classes, and no deeper,
    # because walking the whole tree of a large file costs more than the rest of the context together.
    definition_depth: int = 4
    import_depth: int = 2


@dataclass(frozen=True)
class StructureNodes:
    """Top-level node types a fix is placed by (`assist/placement/structure.py`)."""

    functions: frozenset[str]
    types: frozenset[str]  # classes, structs, impls, namespaces: containers of functions
    imports: frozenset[str]
    headers: frozenset[str]  # `package …` lines that stay first


@dataclass(frozen=True)
class FunctionNodes:
    """What an Explain or Fix without a selection is about (`assist/scope.py`)."""

    named: frozenset[str]
    anonymous: frozenset[str]  # lambdas and callbacks: chosen only when no named function encloses them


@dataclass(frozen=True)
class Language:
    id: str  # the canonical id: VS Code's languageId where it has one
    aliases: tuple[str, ...]  # other names for it: LSP languageIds, code-fence tags, Jupyter kernel languages
    extensions: tuple[str, ...]  # lower-case, with the dot
    comments: Comments
    grammar: Grammar | None
    strings: Strings | None  # None: the completion scanner reads the language with JavaScript's rules
    indent_blocks: bool  # Python: a block ends where the indentation does, not at a brace
    completion: CompletionNodes | None
    structure: StructureNodes | None
    functions: FunctionNodes | None
    family: str = ""  # whose structure rules it follows (`typescriptreact` → `typescript`); "" means its own
    absent: dict[str, str] = field(default_factory=dict, hash=False, compare=False)  # field → why it is empty

    def __post_init__(self) -> None:
        if not self.family:
            object.__setattr__(self, "family", self.id)

