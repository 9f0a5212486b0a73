"""The change stays inside the target plus the import block: every item before and after the target is
byte-identical, no import and no definition is lost, and no module-level statement appears around a
target that has none."""

from __future__ import annotations

from codepal.assist.placement.names import import_bindings, import_key
from codepal.assist.placement.structure import Item, structure


def outside_change(original: str, fixed: str, language: str, start: int, end: int) -> str | None:
    """Why `fixed` changes `original` outside `original[start:end]`, or None when it does not."""
    old, new = structure(original, language), structure(fixed, language)
    if old is None or new is None:
        return None
    new_keys = {import_key(i.text(fixed)) for i in new.imports()}
    new_names: set[str] = set()
    for item in new.imports():
        new_names |= import_bindings(item.text(fixed), language)
    for item in old.imports():  # gone unless the same statement, or all it binds, is still imported
        text = item.text(original)
        names = import_bindings(text, language)
        if import_key(text) not in new_keys and not (names and names <= new_names):
            return f"the fix removes the import `{import_key(text)}`"
    old_paths = {p for p, _ in old.definitions()}
    new_paths = {p for p, _ in new.definitions()}
    missing = sorted(old_paths - new_paths)
    if missing and not old.errors:
        return f"the fix removes or renames `{'.'.join(missing[0])}`, which the rest of the code may use"
    return _sequence(list(old.items), list(new.items), original, fixed, start, end)


def _sequence(old_items: list[Item], new_items: list[Item], original: str, fixed: str,
              start: int, end: int) -> str | None:
    old_seq = [i for i in old_items if i.kind != "import"]
    new_seq = [i for i in new_items if i.kind != "import"]
    before = [i for i in old_seq if i.end <= start]
    after = [i for i in old_seq if i.start >= end]
    target = [i for i in old_seq if i not in before and i not in after]
    if len(new_seq) < len(before) + len(after):
        return "the fix removes code outside the code to fix"
    middle = new_seq[len(before):len(new_seq) - len(after)]
    pairs = [*zip(before, new_seq[:len(before)], strict=True),
             *zip(after, new_seq[len(new_seq) - len(after):], strict=True)]
    for old_item, new_item in pairs:
        if old_item.text(original) != new_item.text(fixed):
            what = f"`{old_item.name}`" if old_item.name else "code"
            return f"the fix changes {what} outside the code to fix"
    if not any(i.kind == "other" for i in target) and any(i.kind == "other" for i in middle):
        return "the fix adds module-level statements (an example or a test?) around the code to fix"
    if len(target) == 1 and target[0].children and target[0].start < start and end < target[0].end:
        same = [i for i in middle if i.name == target[0].name]
        if len(same) == 1:  # a method of a class: its sibling methods stay as they were
            return _sequence(list(target[0].children), list(same[0].children), original, fixed, start, end)
    return None
