"""What a live notebook kernel holds, as plain data: names, types and shapes, never values.

The Jupyter extension asks the kernel for these (jupyter_ext/kernel/) and passes them in; the core puts
them into fix and explain prompts, and, ranked by the names used near the cursor, into completion
context. The kernel's answer is untrusted input like a model's: it is validated and capped here, and
names that look like secrets are dropped again whatever the kernel sent.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# `*key*`, `*token*`, `*password*`, `*secret*` (and their usual spellings), in any case.
SECRET_NAME = re.compile(r"key|token|passw|pwd|secret|credential", re.IGNORECASE)
MAX_VARIABLES = 400
MAX_NAME_CHARS = 80
MAX_TYPE_CHARS = 80
MAX_DETAIL_CHARS = 400
MAX_PROMPT_CHARS = 1_500  # fix/explain share a 4k-token window with thinking and the answer
MAX_COMPLETION_FACTS = 12
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_WORD = re.compile(r"[\w.]+")
_QUOTED = re.compile(r"""(['"])((?:(?!\1)[^\\\n]){1,80})\1""")
_MISSING_NAME = re.compile(r"""name ['"]([^'"]+)['"] is not defined""")
_OBJECT_TYPE = re.compile(r"""['"]?([\w.]+)['"]? object has no attribute ['"]?(\w+)""")
_KEYS = re.compile(r"(?:columns|entries): ([^;]*)")
_KEY_ERROR = re.compile(r"""^\s*['"](.+)['"]\s*$""")


def is_secret_name(name: str) -> bool:
    return SECRET_NAME.search(name) is not None


@dataclass(frozen=True)
class KernelVariable:
    """One name in the user's namespace. `detail` tells its shape (DataFrame columns and dtypes, array
    shape and dtype, dict keys, list length and element type, a callable's signature without default
    values), never its value."""

    name: str
    type: str
    detail: str = ""

    def line(self) -> str:
        return f"{self.name}: {self.type}" + (f" — {self.detail}" if self.detail else "")

    def words(self) -> set[str]:
        """Column names, keys, attribute and parameter names mentioned in the detail."""
        return set(_WORD.findall(self.detail))

    def keys(self) -> set[str]:
        """What indexing with `[...]` finds: the words of the detail's `columns:` or `entries:` part."""
        match = _KEYS.search(self.detail)
        return set(_WORD.findall(match.group(1))) if match else set()


@dataclass(frozen=True)
class KernelFacts:
    """The kernel's namespace at one moment, most recently bound names first where the kernel knows."""

    variables: tuple[KernelVariable, ...] = ()
    truncated: bool = False  # the kernel had more than fit its time budget or size cap

    @classmethod
    def from_wire(cls, data: object) -> KernelFacts:
        """Facts from the kernel's JSON `{"variables": [[name, type, detail], ...], "truncated": bool}`;
        anything malformed is skipped, secret-like names and details are dropped, sizes are capped."""
        if not isinstance(data, dict):
            return cls()
        rows = data.get("variables")
        variables: list[KernelVariable] = []
        seen: set[str] = set()
        for row in rows if isinstance(rows, list) else ():
            if len(variables) >= MAX_VARIABLES:
                break
            if not (isinstance(row, list) and len(row) == 3 and all(isinstance(part, str) for part in row)):
                continue
            name, kind, detail = row
            if not name.isidentifier() or len(name) > MAX_NAME_CHARS or name in seen or is_secret_name(name):
                continue
            seen.add(name)
            detail = "" if is_secret_name(detail) else _one_line(detail, MAX_DETAIL_CHARS)
            variables.append(KernelVariable(name, _one_line(kind, MAX_TYPE_CHARS) or "object", detail))
        truncated = bool(data.get("truncated")) or (isinstance(rows, list) and len(rows) > len(variables))
        return cls(tuple(variables), truncated)

    def by_name(self) -> dict[str, KernelVariable]:
        return {variable.name: variable for variable in self.variables}

    def ranked(self, names: Iterable[str]) -> list[KernelVariable]:
        """Variables named in `names` first (in that order), then the rest in the kernel's order."""
        known = self.by_name()
        first = [known[name] for name in dict.fromkeys(names) if name in known]
        chosen = {variable.name for variable in first}
        return first + [variable for variable in self.variables if variable.name not in chosen]

    def used_in(self, code: str) -> list[KernelVariable]:
        """The variables `code` names, in the order it first names them (what Explain shows)."""
        known = self.by_name()
        return [known[name] for name in dict.fromkeys(_IDENTIFIER.findall(code)) if name in known]

    def for_completion(self, near_names: Iterable[str], limit: int = MAX_COMPLETION_FACTS) -> tuple[str, ...]:
        """Lines for the completion context: the names used near the cursor, then the most recent others."""
        return tuple(variable.line() for variable in self.ranked(near_names)[:limit])

    def for_problem(self, code: str, message: str = "") -> list[KernelVariable]:
        """Most relevant first for a fix: what the error points at (a name close to the undefined one, a
        DataFrame holding a column close to the missing key, variables of the type that lacks an
        attribute), then the names the code uses, then the rest."""
        wanted: list[str] = []
        missing = _MISSING_NAME.search(message)
        if missing:
            names = [variable.name for variable in self.variables]
            wanted += difflib.get_close_matches(missing.group(1), names, n=3, cutoff=0.6)
        attribute = _OBJECT_TYPE.search(message)
        if attribute:
            short = attribute.group(1).rsplit(".", 1)[-1]
            wanted += [v.name for v in self.variables if v.type.rsplit(".", 1)[-1] == short]
        key = _KEY_ERROR.match(message.split(":", 1)[-1]) if message.startswith("KeyError") else None
        if key:
            wanted += [v.name for v in self.variables
                       if difflib.get_close_matches(key.group(1), list(v.keys()), n=1, cutoff=0.6)]
        return self.ranked([*wanted, *_IDENTIFIER.findall(code)])


def prompt_lines(variables: Sequence[KernelVariable], limit_chars: int = MAX_PROMPT_CHARS) -> list[KernelVariable]:
    """The first variables whose lines fit in `limit_chars` (what a prompt shows)."""
    shown: list[KernelVariable] = []
    used = 0
    for variable in variables:
        size = len(variable.line()) + 3
        if used + size > limit_chars:
            break
        shown.append(variable)
        used += size
    return shown


def used_by_fix(shown: Sequence[KernelVariable], old: str, new: str) -> tuple[str, ...]:
    """The facts a fix relied on: variables whose name the changed lines use, or whose detail holds a
    name or key the fix brought in (the column `Total` for `df["total"]` → `df["Total"]`)."""
    old_lines = set(old.split("\n"))
    changed = "\n".join(line for line in new.split("\n") if line not in old_lines)
    if not changed.strip():
        return ()
    before = set(_IDENTIFIER.findall(old)) | {m.group(2) for m in _QUOTED.finditer(old)}
    used_names = set(_IDENTIFIER.findall(changed))
    brought_in = (used_names | {m.group(2) for m in _QUOTED.finditer(changed)}) - before
    return tuple(variable.line() for variable in shown
                 if variable.name in used_names or brought_in & variable.words())


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
