"""A document's top-level structure by tree-sitter: imports, definitions (with their nested methods) and
other statements, each with its code-point range. What placement maps an answer onto, and what
verification compares before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tree_sitter import Node, Tree

from codepal.languages import StructureNodes, family_of, lookup
from codepal.languages.shared_nodes import PLACEMENT_BODIES, PLACEMENT_WRAPPERS
from codepal.syntax import parse

Kind = Literal["import", "def", "other", "comment", "header"]

def _nodes(lang: str) -> StructureNodes:
    found = lookup(lang)
    assert found is not None and found.structure is not None, lang
    return found.structure


def _function_values(lang: str) -> frozenset[str]:
    """Values that make `const f = …` a function definition: the language's anonymous functions."""
    found = lookup(lang)
    return found.functions.anonymous if found is not None and found.functions is not None else frozenset()


@dataclass(frozen=True)
class Item:
    kind: Kind
    start: int  # code-point offsets in the text
    end: int
    name: str = ""  # a definition's name ("Type.method" for a Go method)
    def_kind: str = ""  # "function" or "type"
    body: tuple[int, int] | None = None  # a function's body block
    children: tuple[Item, ...] = field(default=())

    def text(self, source: str) -> str:
        return source[self.start:self.end]


@dataclass(frozen=True)
class Structure:
    text: str
    language: str
    items: tuple[Item, ...]
    errors: bool  # the parse has ERROR or MISSING nodes

    def definitions(self) -> list[tuple[tuple[str, ...], Item]]:
        """Every definition with its path of names (a method: (class, method)), outermost first."""
        out: list[tuple[tuple[str, ...], Item]] = []

        def walk(items: tuple[Item, ...], path: tuple[str, ...]) -> None:
            for item in items:
                if item.kind == "def":
                    out.append(((*path, item.name), item))
                    walk(item.children, (*path, item.name))
        walk(self.items, ())
        return out

    def imports(self) -> list[Item]:
        return [item for item in self.items if item.kind == "import"]


def structure(text: str, language: str) -> Structure | None:
    """None when the language has no grammar with structure tables."""
    lang = family_of(language)  # `typescriptreact` follows `typescript`'s rules, parsed by its own (TSX) grammar
    found = lookup(lang)
    if found is None or found.structure is None:
        return None
    tree: Tree | None = parse(text, language)
    if tree is None:
        return None
    offsets = _Offsets(text)
    items = tuple(_item(child, lang, offsets) for child in tree.root_node.children if child.type != ";")
    return Structure(text, lang, items, tree.root_node.has_error)


class _Offsets:
    """Byte → code-point offsets (identity for ASCII text; else one table, built once)."""

    def __init__(self, text: str) -> None:
        self.table: list[int] | None = None
        if not text.isascii():
            self.table = []
            for index, char in enumerate(text):
                self.table.extend([index] * len(char.encode("utf-8", "surrogatepass")))
            self.table.append(len(text))

    def __call__(self, byte: int) -> int:
        return byte if self.table is None else self.table[min(byte, len(self.table) - 1)]


def _item(node: Node, lang: str, offsets: _Offsets) -> Item:
    start, end = offsets(node.start_byte), offsets(node.end_byte)
    text = node.text or b""
    end -= len(text) - len(text.rstrip(b"\r\n"))  # `#include` nodes own their line break
    nodes = _nodes(lang)
    if node.type in nodes.imports or _is_require(node, lang):
        return Item("import", start, end)
    if node.type in nodes.headers:
        return Item("header", start, end)
    if node.type == "comment" or node.type == "line_comment" or node.type == "block_comment":
        return Item("comment", start, end)
    definition = _definition(node, lang)
    if definition is None:
        return Item("other", start, end)
    core, def_kind = definition
    body = core.child_by_field_name("body")
    children: tuple[Item, ...] = ()
    if def_kind == "type":
        container = body if body is not None else _first(core, PLACEMENT_BODIES)
        if container is None and core.type == "type_declaration":
            container = None
        if container is not None:
            children = tuple(c for c in (_item(n, lang, offsets) for n in container.named_children)
                             if c.kind == "def")
    body_range = (offsets(body.start_byte), offsets(body.end_byte)) if body is not None else None
    return Item("def", start, end, _name(core, lang), def_kind, body_range if def_kind == "function" else None,
                children)


def _definition(node: Node, lang: str) -> tuple[Node, str] | None:
    """The definition a top-level or class-body node is (through decorators, `export`, `const f = () =>`)."""
    core = node
    while core.type in PLACEMENT_WRAPPERS:
        inner = core.child_by_field_name("definition") or core.child_by_field_name("declaration")
        if inner is None:
            return None
        core = inner
    nodes = _nodes(lang)
    if core.type in nodes.functions:
        return core, "function"
    if core.type in nodes.types:
        return core, "type"
    if core.type in ("lexical_declaration", "variable_declaration") and lang in ("javascript", "typescript"):
        declarators = [c for c in core.named_children if c.type == "variable_declarator"]
        if len(declarators) == 1:
            value = declarators[0].child_by_field_name("value")
            if value is not None and value.type in _function_values(lang):
                return declarators[0], "function"
    return None


def _name(core: Node, lang: str) -> str:
    if core.type == "impl_item":
        trait, kind = core.child_by_field_name("trait"), core.child_by_field_name("type")
        own = _text(kind)
        return f"{_text(trait)} for {own}" if trait is not None else own
    if core.type == "type_declaration":
        spec = _first(core, frozenset({"type_spec", "type_alias"}))
        return _text(spec.child_by_field_name("name")) if spec is not None else ""
    if core.type == "method_declaration" and lang == "go":
        receiver = core.child_by_field_name("receiver")
        owner = _first_named_leaf(receiver, "type_identifier") if receiver is not None else None
        return f"{_text(owner)}.{_text(core.child_by_field_name('name'))}"
    name = core.child_by_field_name("name")
    if name is not None:
        return _text(name)
    declarator = core.child_by_field_name("declarator")  # C/C++: int *f(int a)
    while declarator is not None and declarator.child_by_field_name("declarator") is not None:
        declarator = declarator.child_by_field_name("declarator")
    return _text(declarator)


def _is_require(node: Node, lang: str) -> bool:
    """`const fs = require('fs')` (and `let`/`var`) is an import."""
    if lang not in ("javascript", "typescript") or node.type not in ("lexical_declaration", "variable_declaration"):
        return False
    declarators = [c for c in node.named_children if c.type == "variable_declarator"]
    if not declarators:
        return False
    for declarator in declarators:
        value = declarator.child_by_field_name("value")
        function = value.child_by_field_name("function") if value is not None and value.type == "call_expression" \
            else None
        if function is None or _text(function) != "require":
            return False
    return True


def _first(node: Node, types: frozenset[str]) -> Node | None:
    return next((c for c in node.named_children if c.type in types), None)


def _first_named_leaf(node: Node, type_: str) -> Node | None:
    stack = [node]
    while stack:
        current = stack.pop(0)
        if current.type == type_:
            return current
        stack.extend(current.named_children)
    return None


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""
