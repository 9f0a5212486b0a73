"""Names: what an import binds (for merging without duplicates), what a document declares at the top
level (JS/TS duplicate declarations), and whether a name is bound or still referenced (undefined names).
"""

from __future__ import annotations

import re
from collections import Counter

from tree_sitter import Node

from codepal.languages import family_of, lookup
from codepal.syntax import parse

_IDENTIFIERS = frozenset({
    "identifier", "type_identifier", "field_identifier", "package_identifier", "property_identifier",
    "shorthand_property_identifier_pattern", "shorthand_property_identifier",
})
_BINDING_FIELDS = ("name", "alias", "left", "pattern")
_SPACE = re.compile(r"\s+")
_RUST_USE = re.compile(r"(\w+)\s*(?=[,};])")


def import_key(text: str) -> str:
    """An import's text with whitespace normalised and a trailing `;` dropped."""
    return _SPACE.sub(" ", text.strip()).rstrip(";").strip()


def import_bindings(text: str, language: str) -> set[str]:
    """Names the import statement(s) in `text` bind; a Go import binds its package (path) as `"path"`."""
    lang = family_of(language)
    if lang == "rust":  # `use a::b::{C, D as E};` binds C and E
        return {m for m in _RUST_USE.findall(text) if m not in ("self", "super", "crate")}
    tree = parse(text, lang)
    if tree is None:
        return set()
    names: set[str] = set()
    for node in _walk(tree.root_node):
        if lang == "python" and node.type == "dotted_name" and node.parent is not None:
            parent = node.parent
            if parent.type == "import_statement":
                names.add(_text(node).split(".")[0])
            elif parent.type == "import_from_statement" and parent.child_by_field_name("module_name") != node:
                names.add(_text(node).split(".")[-1])
        elif lang == "python" and node.type == "aliased_import":
            names.add(_text(node.child_by_field_name("alias")))
        elif lang == "go" and node.type == "import_spec":
            names.add(_text(node.child_by_field_name("path")).strip('"`'))
        elif lang in ("javascript", "typescript"):
            if node.type in ("import_specifier",):
                names.add(_text(node.child_by_field_name("alias") or node.child_by_field_name("name")))
            elif node.type == "identifier" and node.parent is not None and node.parent.type in (
                    "import_clause", "namespace_import"):
                names.add(_text(node))
            elif node.type == "variable_declarator":
                names |= _pattern_names(node.child_by_field_name("name"))
    return {n for n in names if n}


def top_level_declarations(text: str, language: str) -> Counter[str]:
    """JS/TS: how often each name is declared at the top level by let/const/class/function/import
    (`var` may repeat itself, so it is left out)."""
    tree = parse(text, family_of(language))
    counts: Counter[str] = Counter()
    if tree is None:
        return counts
    for node in tree.root_node.named_children:
        if node.type == "export_statement":
            node = node.child_by_field_name("declaration") or node
        if node.type == "lexical_declaration":
            for declarator in node.named_children:
                if declarator.type == "variable_declarator":
                    counts.update(_pattern_names(declarator.child_by_field_name("name")))
        elif node.type in ("function_declaration", "generator_function_declaration", "class_declaration"):
            counts[_text(node.child_by_field_name("name"))] += 1
        elif node.type == "import_statement":
            counts.update(import_bindings(_text(node), language))
    return counts


def name_uses(text: str, language: str, name: str) -> tuple[int, int]:
    """(binding occurrences, other occurrences) of identifier `name` in `text`. An identifier inside an
    import, a definition's name, a parameter or an assignment target binds it."""
    lang = family_of(language)
    if parse(text, lang) is None:
        hits = len(re.findall(rf"\b{re.escape(name)}\b", text))
        return (hits, 0)
    counts = identifier_uses(text, lang).get(name, [0, 0])
    return counts[0], counts[1]


def identifier_uses(text: str, language: str) -> dict[str, list[int]]:
    """Every identifier of `text` → [binding occurrences, other occurrences] (fields like `x.name` and
    keywords like `f(name=1)` are neither)."""
    lang = family_of(language)
    tree = parse(text, lang)
    uses: dict[str, list[int]] = {}
    if tree is None:
        return uses
    found = lookup(lang)
    imports = found.structure.imports if found is not None and found.structure is not None else frozenset()
    for node in _walk(tree.root_node):
        if node.type in ("interpreted_string_literal", "string") and node.parent is not None \
                and node.parent.type == "import_spec":  # Go: `import "net/http"` binds http
            uses.setdefault(_text(node).strip('"`').split("/")[-1], [0, 0])[0] += 1
            continue
        if node.type not in _IDENTIFIERS or _is_member(node):
            continue
        uses.setdefault(_text(node), [0, 0])[0 if _binds(node, imports) else 1] += 1
    return uses


def _is_member(node: Node) -> bool:
    """`x.name`, `f(name=1)`: a field or keyword, not the name itself."""
    parent = node.parent
    if parent is None:
        return False
    return any(parent.child_by_field_name(f) == node for f in ("attribute", "property", "field")) or (
        parent.type == "keyword_argument" and parent.child_by_field_name("name") == node)


def _binds(node: Node, imports: frozenset[str]) -> bool:
    child, parent = node, node.parent
    while parent is not None:
        if parent.type in imports or "parameter" in parent.type:
            return True
        if any(parent.child_by_field_name(f) == child for f in _BINDING_FIELDS):
            return parent.type not in ("call", "call_expression", "attribute", "member_expression",
                                       "selector_expression", "field_expression", "keyword_argument")
        if parent.type not in ("pattern_list", "tuple_pattern", "list_pattern", "object_pattern",
                               "array_pattern", "expression_list", "dotted_name", "aliased_import",
                               "as_pattern_target", "list_splat_pattern", "dictionary_splat_pattern"):
            return False
        child, parent = parent, parent.parent
    return False


def _pattern_names(node: Node | None) -> set[str]:
    if node is None:
        return set()
    if node.type == "identifier":
        return {_text(node)}
    names: set[str] = set()
    for child in _walk(node):
        if child.type in ("identifier", "shorthand_property_identifier_pattern") and not (
                child.parent is not None and child.parent.type == "pair_pattern"
                and child.parent.child_by_field_name("key") == child):
            names.add(_text(child))
    return names


def _walk(root: Node) -> list[Node]:
    out, stack = [], [root]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""
