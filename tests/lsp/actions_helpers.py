"""Helpers for the code-action tests: list actions, run their commands, record the client's side."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Union, cast

from lsprotocol import types
from pytest_lsp import LanguageClient

from codepal.text.document import TextDocument

DOC = "import math\n\n\ndef area(r):\n    return math.pi * r * 2\n\n\ndef name():\n    return 'circle'\n"
BUG_LINE = 4  # 0-based: `    return math.pi * r * 2`
FIXED_LINE = "    return math.pi * r ** 2\n"


def pos(line: int, character: int = 0) -> types.Position:
    return types.Position(line=line, character=character)


def cursor(line: int, character: int = 0) -> types.Range:
    return types.Range(start=pos(line, character), end=pos(line, character))


def diagnostic(line: int, message: str = "area is wrong for r=2") -> types.Diagnostic:
    return types.Diagnostic(range=types.Range(start=pos(line, 4), end=pos(line, 30)), message=message,
                            source="tests", severity=types.DiagnosticSeverity.Error)


def read_code_actions_correctly(client: LanguageClient) -> None:
    """lsprotocol reads any `Command | CodeAction` with a `command` key as a Command, so a CodeAction that
    carries a command would arrive as a Command (with the command object as its name): not here."""
    converter = client.protocol._converter

    def hook(value: Any, _: Any) -> types.Command | types.CodeAction:
        kind = types.Command if isinstance(value.get("command"), str) else types.CodeAction
        return cast(types.Command | types.CodeAction, converter.structure(value, kind))

    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


async def code_actions(
    client: LanguageClient, uri: str, range_: types.Range, diagnostics: list[types.Diagnostic] | None = None,
    trigger: types.CodeActionTriggerKind = types.CodeActionTriggerKind.Invoked, only: list[str] | None = None,
) -> tuple[list[types.CodeAction], float]:
    """The actions and the round trip in ms."""
    started = time.monotonic()
    result = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=range_,
        context=types.CodeActionContext(diagnostics=diagnostics or [], only=only, trigger_kind=trigger)))
    ms = (time.monotonic() - started) * 1000
    # A client without code action literals gets bare commands: wrapped here to look the same.
    actions = [a if isinstance(a, types.CodeAction) else types.CodeAction(title=a.title, command=a)
               for a in result or []]
    return actions, ms


def by_title(actions: list[types.CodeAction], prefix: str) -> types.CodeAction:
    found = [a for a in actions if a.title.startswith(prefix)]
    assert len(found) == 1, [a.title for a in actions]
    return found[0]


def execute(client: LanguageClient, command: types.Command, token: str | None = None,
            msg_id: str | None = None) -> tuple[str, asyncio.Future[Any]]:
    """Send `workspace/executeCommand` for an action's command; (request id, future of the result)."""
    msg_id = msg_id or str(uuid.uuid4())
    if token is not None:
        client.progress_reports.setdefault(token, [])  # client-initiated progress (VS Code)
    params = types.ExecuteCommandParams(command=command.command, arguments=command.arguments,
                                        work_done_token=token)
    future = asyncio.wrap_future(client.protocol.send_request(types.WORKSPACE_EXECUTE_COMMAND, params,
                                                              msg_id=msg_id))
    return msg_id, future


class EditRecorder:
    """The client's `workspace/applyEdit`: records each edit and answers `applied`."""

    def __init__(self, client: LanguageClient, applied: bool = True) -> None:
        self.edits: list[types.ApplyWorkspaceEditParams] = []
        self.applied = applied

        @client.feature(types.WORKSPACE_APPLY_EDIT)  # type: ignore[untyped-decorator]
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.edits.append(params)
            return types.ApplyWorkspaceEditResult(applied=self.applied)


AnyTextEdit = types.TextEdit | types.AnnotatedTextEdit


def text_edits(edit: types.WorkspaceEdit, uri: str) -> tuple[list[AnyTextEdit], int | None]:
    """The text edits for `uri` and the version they carry (None for unversioned `changes`)."""
    if edit.document_changes:
        changes = [c for c in edit.document_changes if isinstance(c, types.TextDocumentEdit)]
        assert len(changes) == 1 and changes[0].text_document.uri == uri
        edits = [e for e in changes[0].edits if isinstance(e, types.TextEdit | types.AnnotatedTextEdit)]
        return edits, changes[0].text_document.version
    assert edit.changes is not None
    return list(edit.changes[uri]), None


def applied(text: str, edits: list[AnyTextEdit]) -> str:
    doc = TextDocument("file:///x", "python", 1, text)
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        doc.apply_change((edit.range.start.line, edit.range.start.character),
                         (edit.range.end.line, edit.range.end.character), edit.new_text)
    return doc.text


def progress_kinds(client: LanguageClient, token: Any) -> list[str]:
    return [getattr(value, "kind", "?") for value in client.progress_reports.get(token, [])]


def report_messages(client: LanguageClient, token: Any) -> list[str]:
    return [getattr(v, "message", None) or "" for v in client.progress_reports.get(token, [])
            if getattr(v, "kind", None) == "report"]


def server_tokens(client: LanguageClient, before: set[Any]) -> list[Any]:
    return [token for token in client.progress_reports if token not in before]
