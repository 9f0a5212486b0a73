"""Verification that can fail: a fixed document is offered only if it parses (Python: compiles), adds no
duplicate top-level declaration (JS/TS), changes nothing outside the target and the import block, deletes
no code line of the target, changes the failing line (or binds the undefined name it uses), and defines or
imports a name the problem says is undefined."""

from __future__ import annotations

from codepal.assist.placement.names import top_level_declarations
from codepal.assist.verification.compiled import compile_error
from codepal.assist.verification.confined import outside_change
from codepal.assist.verification.kept import deleted_line, unchanged_failing_line
from codepal.assist.verification.undefined import new_unbound, still_undefined
from codepal.assist.verify import Verdict, syntax_errors, verify
from codepal.languages import family_of

__all__ = ["Verdict", "verify_fix"]


def verify_fix(original: str, fixed: str, language: str, start: int, end: int, first_line: int = 0,
               problem: str = "", context: str = "", failing: frozenset[int] = frozenset()) -> Verdict:
    """`start..end`: the target in `original`; `first_line`: its first line (so a reported line is the
    model's); `problem`: the error text; `context`: earlier notebook cells (their imports count);
    `failing`: the 0-based lines of `original` the error points at."""
    verdict = verify(original, fixed, language, first_line)
    if not verdict.ok:
        return verdict
    lang = family_of(language)
    if lang == "python":
        reason = _python(original, fixed, first_line)
        if reason:
            return Verdict(False, reason)
    if lang in ("javascript", "typescript"):
        before = top_level_declarations(original, lang)
        duplicated = [n for n, c in top_level_declarations(fixed, lang).items() if c > 1 and before[n] < 2]
        if duplicated:
            return Verdict(False, f"the fix declares `{duplicated[0]}` twice at the top level")
    outside = outside_change(original, fixed, language, start, end)
    if outside:
        return Verdict(False, outside)
    name = still_undefined(fixed, language, problem, context) if problem else None
    if name:
        return Verdict(False, f"`{name}` is still used but neither defined nor imported")
    name = new_unbound(original, fixed, language, context)
    if name:
        return Verdict(False, f"the fix uses `{name}`, which is neither defined nor imported")
    gone = deleted_line(original, fixed, language, start, end)
    if gone:
        return Verdict(False, f"the answer deletes code instead of fixing it: `{gone}`")
    # A syntax error's reported line is often not the one to edit (an unclosed bracket is closed later).
    if failing and not syntax_errors(original, language) and not (lang == "python" and compile_error(original)):
        line = unchanged_failing_line(original, fixed, language, failing, start, end, problem)
        if line:
            return Verdict(False, f"the answer leaves the failing line unchanged: `{line}`")
    return Verdict(True)


def _python(original: str, fixed: str, first_line: int) -> str:
    after = compile_error(fixed)
    if after is None:
        return ""
    before = compile_error(original)
    message, line = after
    if before is not None and before[0] == message:
        return ""  # the error the original has already (elsewhere): not the fix's doing
    where = f"line {line - first_line + 1}" if line >= first_line else f"line {line + 1} of the file"
    return f"the fixed code does not compile: {message} ({where})"
