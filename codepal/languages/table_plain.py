"""Registry entries for languages codepal has no grammar for: it knows their names, files and comments,
so prompts and notebook context can still carry notes in the file's own syntax."""

from __future__ import annotations

from codepal.languages.model import Comments, Language

_NO_GRAMMAR = "no tree-sitter grammar wheel is installed for it"
_ONLY_ID = "editors, fences and kernels all use the id"
_NO_BLOCK = "the language has no block comments"


def _plain(id: str, line: str, extensions: tuple[str, ...], aliases: tuple[str, ...] = (),
           block: tuple[str, str] | None = None, no_extension: str = "") -> Language:
    absent = dict.fromkeys(("grammar", "strings", "completion", "structure", "functions"), _NO_GRAMMAR)
    if not aliases:
        absent["aliases"] = _ONLY_ID
    if block is None:
        absent["comments.block"] = _NO_BLOCK
    if not extensions:
        absent["extensions"] = no_extension
    return Language(id=id, aliases=aliases, extensions=extensions, comments=Comments(line, block), grammar=None,
                    strings=None, indent_blocks=False, completion=None, structure=None, functions=None,
                    absent=absent)


_C_BLOCK = ("/*", "*/")

ENTRIES = (
    _plain("shellscript", "#", (".sh", ".bash", ".zsh"), ("bash", "sh", "shell", "zsh")),
    _plain("ruby", "#", (".rb",), ("rb",), ("=begin", "=end")),
    _plain("perl", "#", (".pl", ".pm"), ("pl",)),
    _plain("r", "#", (".r",)),
    _plain("yaml", "#", (".yaml", ".yml"), ("yml",)),
    _plain("toml", "#", (".toml",)),
    _plain("julia", "#", (".jl",), block=("#=", "=#")),
    _plain("dockerfile", "#", (), ("docker",), no_extension="a Dockerfile is known by its name, not a suffix"),
    _plain("makefile", "#", (".mk",), ("make",)),
    _plain("powershell", "#", (".ps1",), ("ps1", "pwsh"), ("<#", "#>")),
    _plain("elixir", "#", (".ex", ".exs")),
    _plain("nim", "#", (".nim",), block=("#[", "]#")),
    _plain("csharp", "//", (".cs",), ("c#", "cs"), _C_BLOCK),
    _plain("kotlin", "//", (".kt", ".kts"), ("kt",), _C_BLOCK),
    _plain("swift", "//", (".swift",), block=_C_BLOCK),
    _plain("scala", "//", (".scala",), block=_C_BLOCK),
    _plain("dart", "//", (".dart",), block=_C_BLOCK),
    _plain("php", "//", (".php",), block=_C_BLOCK),
    _plain("objective-c", "//", (".m",), ("objc",), _C_BLOCK),
    _plain("zig", "//", (".zig",)),
    _plain("lua", "--", (".lua",), block=("--[[", "]]")),
    _plain("sql", "--", (".sql",), block=_C_BLOCK),
    _plain("haskell", "--", (".hs",), ("hs",), ("{-", "-}")),
)
