"""Code actions (Explain, Fix this bug, Fix with codepal per diagnostic) and their commands.

Listing is instant (no model call, no parsing): each action carries its command with `{uri, range,
version, diagnostics?}`. `codeAction/resolve` widens an empty range to the code the action is about
(the enclosing function), so a client that resolves can show it; the command widens it too otherwise.
With an empty selection and an automatic request (a lightbulb on every cursor move), only the
diagnostics' fixes are offered; explicitly asked, all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from codepal.text.lines import split_lines

from ..assist import commands
from ..assist.target import action_arguments, resolve_arguments
from ..server import CodepalServer

EXPLAIN_COMMAND = "codepal.explain"
FIX_COMMAND = "codepal.fix"
KIND_FIX_DIAGNOSTIC = types.CodeActionKind.QuickFix
KIND_FIX = "refactor.rewrite.codepal.fix"
KIND_EXPLAIN = "codepal.explain"  # not `source.*`: VS Code keeps source actions out of the Ctrl+. menu
TITLE_CHARS = 60


def register(server: CodepalServer) -> None:
    options = types.CodeActionOptions(
        code_action_kinds=[KIND_FIX_DIAGNOSTIC, KIND_FIX, KIND_EXPLAIN], resolve_provider=True)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
    def code_action(ls: CodepalServer, params: types.CodeActionParams) -> list[types.Command | types.CodeAction]:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return []
        uri, context = doc.uri, params.context
        actions = [_action(f"Fix with codepal: {_short(d.message)}", KIND_FIX_DIAGNOSTIC, FIX_COMMAND,
                           action_arguments(uri, _diagnostic_target(d), doc.version, [d]), [d])
                   for d in context.diagnostics]
        selected = params.range.start != params.range.end
        if selected or context.trigger_kind != types.CodeActionTriggerKind.Automatic:
            args = action_arguments(uri, params.range, doc.version, list(context.diagnostics))
            actions.append(_action("Fix this bug with codepal", KIND_FIX, FIX_COMMAND, args))
            actions.append(_action("Explain with codepal", KIND_EXPLAIN, EXPLAIN_COMMAND,
                                   action_arguments(uri, params.range, doc.version)))
        wanted = [a for a in actions if _wanted(a.kind, context.only)]
        return [a if _literals(ls) else a.command for a in wanted if a.command is not None]

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(ls: CodepalServer, action: types.CodeAction) -> types.CodeAction:
        if action.command and action.command.arguments:  # the parse runs in a worker thread
            action.command.arguments = [await resolve_arguments(ls, action.command.arguments[0])]
        return action

    @server.command(EXPLAIN_COMMAND)
    async def explain(ls: CodepalServer, *args: Any) -> dict[str, Any]:
        return await commands.explain(ls, args)

    @server.command(FIX_COMMAND)
    async def fix(ls: CodepalServer, *args: Any) -> dict[str, Any]:
        return await commands.fix(ls, args)

    @server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def progress_cancel(ls: CodepalServer, params: types.WorkDoneProgressCancelParams) -> None:
        ls.tasks.cancel_token(params.token)


def _literals(ls: CodepalServer) -> bool:
    """Clients without code action literals (LSP < 3.8) get the bare commands."""
    text_document = ls.client_capabilities.text_document
    code_action = text_document.code_action if text_document else None
    return bool(code_action and code_action.code_action_literal_support)


def _action(title: str, kind: str, command: str, args: dict[str, Any],
            diagnostics: list[types.Diagnostic] | None = None) -> types.CodeAction:
    return types.CodeAction(title=title, kind=kind, diagnostics=diagnostics,
                            command=types.Command(title=title, command=command, arguments=[args]))


def _diagnostic_target(diagnostic: types.Diagnostic) -> types.Range:
    """A one-line diagnostic points at the code around it (empty range: widened to the function)."""
    start, end = diagnostic.range.start, diagnostic.range.end
    return diagnostic.range if end.line > start.line else types.Range(start=start, end=start)


def _short(message: str) -> str:
    first = split_lines(message.strip())[0]
    return first if len(first) <= TITLE_CHARS else first[:TITLE_CHARS - 1] + "…"


def _wanted(kind: str | None, only: Sequence[str] | None) -> bool:
    if not only or kind is None:
        return True
    return any(kind == want or kind.startswith(want + ".") for want in only)
