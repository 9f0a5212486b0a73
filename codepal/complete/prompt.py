"""Render a completion context as a prompt. Templates are data: `templates/<name>.toml`.

Stable parts come first (file path, imports), then the code before the cursor, with what depends on
the cursor (signatures of names used near it, the enclosing scope) as comments just above the cursor's
line, so that typing and moving the cursor change only the end of the prompt and vLLM's prefix cache
keeps hitting. Everything that could vary in order is sorted, so one context always renders to the
same bytes.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from codepal.complete.context import CompletionContext, Signature
from codepal.errors import ConfigError, InvalidInput
from codepal.languages import line_comment
from codepal.text import split_lines

TEMPLATE_DIR = Path(__file__).parent / "templates"
DEFAULT_TEMPLATE = "prefix"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_FORMAT_KEYS = {
    "format": {"files", "context", "prefix", "suffix"},
    "file_block": {"entries", "path"},
    "file_entry": {"path", "content"},
}


@dataclass(frozen=True)
class Template:
    name: str
    description: str
    format: str
    stop: tuple[str, ...]
    uses_suffix: bool
    file_block: str = ""  # other files' signatures as file sections instead of comments
    file_entry: str = ""
    auto: tuple[str, ...] = ()  # model-name fragments that select this template under "auto"


@dataclass(frozen=True)
class RenderedPrompt:
    prompt: str
    stop: list[str] = field(default_factory=list)
    uses_suffix: bool = False


def _fill(template: str, values: dict[str, str]) -> str:
    """Substitute `{name}` placeholders in one pass (code in the values may contain braces)."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _parse_template(name: str, data: dict[str, object]) -> Template:
    def strings(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ConfigError(f"prompt template {name!r}: {key} must be a list of strings")
        return tuple(value)

    if not isinstance(data.get("format"), str) or not isinstance(data.get("uses_suffix"), bool):
        raise ConfigError(f"prompt template {name!r}: needs a string `format` and a boolean `uses_suffix`")
    template = Template(
        name=name,
        description=str(data.get("description", "")),
        format=str(data["format"]),
        stop=strings("stop"),
        uses_suffix=bool(data["uses_suffix"]),
        file_block=str(data.get("file_block", "")),
        file_entry=str(data.get("file_entry", "")),
        auto=tuple(fragment.lower() for fragment in strings("auto")),
    )
    for key, allowed in _FORMAT_KEYS.items():
        unknown = set(_PLACEHOLDER.findall(getattr(template, key))) - allowed
        if unknown:
            raise ConfigError(f"prompt template {name!r}: unknown placeholder(s) in {key}: {sorted(unknown)}")
    if "{prefix}" not in template.format or template.uses_suffix != ("{suffix}" in template.format):
        raise ConfigError(f"prompt template {name!r}: needs {{prefix}}, and {{suffix}} iff uses_suffix")
    return template


@lru_cache(maxsize=4)
def load_templates(directory: Path = TEMPLATE_DIR) -> dict[str, Template]:
    """Every `*.toml` template in `directory`, by name (the file's stem)."""
    templates = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as handle:
            templates[path.stem] = _parse_template(path.stem, tomllib.load(handle))
    return templates


def choose_template(name_or_auto: str, model_name: str) -> Template:
    """The named template, or under `auto` the one whose `auto` fragments occur in the model name
    (`Qwen/Qwen2.5-Coder-1.5B` → qwen-fim), else plain prefix continuation."""
    templates = load_templates()
    if name_or_auto != "auto":
        if name_or_auto not in templates:
            raise ConfigError(
                f"unknown completion template {name_or_auto!r} (known: auto, {', '.join(sorted(templates))})"
            )
        return templates[name_or_auto]
    model = model_name.lower().replace("_", "-").replace(" ", "-")
    for template in templates.values():  # sorted by name, so the choice is deterministic
        if any(fragment in model for fragment in template.auto):
            return template
    return templates[DEFAULT_TEMPLATE]


def render(ctx: CompletionContext, template: Template, *, layout: str = "at_cursor") -> RenderedPrompt:
    """The prompt. `layout`: `at_cursor` (the default) puts what depends on the cursor — signatures of
    names used near it and the enclosing scope — in a comment block just above the cursor's line, and
    only the file path and imports on top; `on_top` puts all of it on top (what codepal did before:
    every move of the cursor changed the prompt's first lines, so vLLM's prefix cache missed)."""
    if ctx.binary:
        raise InvalidInput("cannot build a prompt for a binary document")
    by_file: dict[str, list[Signature]] = {}
    for signature in sorted(ctx.signatures, key=lambda s: (s.source, s.text, s.name)):
        by_file.setdefault(signature.source, []).append(signature)
    files = ""
    if template.file_block and any(source for source in by_file):
        entries = "".join(
            _fill(template.file_entry, {"path": source, "content": "\n".join(s.text for s in signatures)})
            for source, signatures in by_file.items()
            if source
        )
        files = _fill(template.file_block, {"entries": entries, "path": ctx.file_path or "untitled"})
        by_file = {"": by_file.get("", [])}
    mark = line_comment(ctx.language)
    stable = _stable_lines(ctx, with_path=not files)
    local = _local_lines(ctx, by_file)
    prefix = ctx.prefix
    if layout == "on_top":
        stable, local = stable + local, []
    elif local and mark is not None:
        prefix = _above_cursor_line(prefix, _comments(local, mark))
    values = {
        "files": files,
        "context": _comments(stable, mark) if mark is not None else "",
        "prefix": prefix,
        "suffix": ctx.suffix if template.uses_suffix else "",
    }
    return RenderedPrompt(_fill(template.format, values), list(template.stop), template.uses_suffix)


def _stable_lines(ctx: CompletionContext, with_path: bool) -> list[str]:
    """What does not move with the cursor: the file path and the imports the code does not show."""
    lines: list[str] = []
    if with_path and ctx.file_path:
        lines.append(f"File: {ctx.file_path}")
    shown = _ShownIn(ctx.prefix)
    lines += [text for text in ctx.imports if not shown(text)]
    return lines


def _local_lines(ctx: CompletionContext, by_file: dict[str, list[Signature]]) -> list[str]:
    """What moves with the cursor: signatures of names used near it, and the enclosing scope."""
    lines: list[str] = []
    shown = _ShownIn(ctx.prefix)
    for source, signatures in sorted(by_file.items(), key=lambda item: (item[0] == "", item[0])):
        if not source:  # definitions of this file that the prompt already shows need no repeating
            signatures = [s for s in signatures if not shown(s.text)]
        if signatures:
            lines.append(f"From {source}:" if source else "Defined in this file:")
            lines += [f"  {text}" for s in signatures for text in split_lines(s.text)]
    if ctx.kernel:  # sorted: the same variables render the same bytes wherever the cursor is
        lines.append("In the kernel:")
        lines += [f"  {text}" for text in sorted(ctx.kernel)]
    scope = [text for text in ctx.scope if not shown(text)]
    if scope:
        lines.append("Inside:")
        lines += [f"  {text}" for header in scope for text in split_lines(header)]
    return lines


def _comments(lines: list[str], mark: str) -> str:
    """Context lines as comments in the file's own syntax, each ending in a line break."""
    body = "\n".join(f"{mark} {line}".rstrip() for text in lines for line in split_lines(text))
    return body + "\n" if body else ""


def _above_cursor_line(prefix: str, block: str) -> str:
    """`block` inserted before the cursor's line, indented like it."""
    start = max(prefix.rfind("\n"), prefix.rfind("\r")) + 1
    line = prefix[start:]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if indent:
        block = "".join(indent + comment + "\n" for comment in block.split("\n")[:-1])
    return prefix[:start] + block + line


class _ShownIn:
    """Whether the first line of a text already appears in the prompt's code (`prefix`), asked for each
    import, signature and scope header (~10 kB searched for each). A line has no line break, so it
    appears in the prefix iff it appears before the prefix's last line break or after it. What is before
    the break is, at almost every request, the start of the text before an earlier request's break
    (typing on a line, or a cursor moved up in the same document: the warm-up renders at the document's
    end), so the end of each line's first occurrence in the longest such text is remembered: the line
    is above the break iff that end is not past it."""

    _last: tuple[str, dict[str, int]] = ("", {})  # (a prefix up to its last line break, line -> first end or -1)

    def __init__(self, prefix: str) -> None:
        cut = max(prefix.rfind("\n"), prefix.rfind("\r")) + 1
        above, found = _ShownIn._last
        if len(above) < cut or not prefix.startswith(above[:cut]):  # (all of it: no copy)
            above, found = prefix[:cut], {}
            if cut:  # (the budget's renders without code would only push the last one out)
                _ShownIn._last = (above, found)  # swapped whole: a thread still reading the old pair keeps it
        self._above, self._found, self._cut, self._line = above, found, cut, prefix[cut:]

    def __call__(self, text: str) -> bool:
        line = split_lines(text)[0]
        end = self._found.get(line)
        if end is None:
            at = self._above.find(line)
            end = self._found[line] = -1 if at < 0 else at + len(line)
        return 0 <= end <= self._cut or line in self._line
