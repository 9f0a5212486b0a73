"""A fix's minimal edits → a versioned WorkspaceEdit, applied with `workspace/applyEdit` only if the
document is still the version the fix was made for.

`codepal.fix` answers `{applied, message, edit?, version}`: `edit` is the WorkspaceEdit (present when a
fix was found for the current text), `version` the document version it is for.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter

from codepal.types import FixResult
from lsp.assist.show import tell
from lsp.assist.target import Target
from lsp.convert import range_of
from lsp.server import CodepalServer

log = logging.getLogger(__name__)
_CONVERTER = get_converter()
LABEL = "codepal: fix"


def fix_edit(ls: CodepalServer, target: Target, result: FixResult) -> types.WorkspaceEdit:
    """A TextDocumentEdit carrying the version (plain `changes` for a client without versioned edits)."""
    edits: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit] = [
        types.TextEdit(range=range_of(ls, target.document, edit.start, edit.end), new_text=edit.new_text)
        for edit in result.edits
    ]
    workspace = ls.client_capabilities.workspace
    versioned = bool(workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes)
    if not versioned:
        return types.WorkspaceEdit(changes={target.uri: edits})  # type: ignore[dict-item]
    document = types.OptionalVersionedTextDocumentIdentifier(uri=target.uri, version=target.version)
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])


async def apply_fix(ls: CodepalServer, target: Target, result: FixResult) -> dict[str, Any]:
    outcome: dict[str, Any] = {"applied": False, "message": result.message, "version": target.version}
    if not result.ok or not result.edits:
        outcome["message"] = result.message if not result.ok else "the model changed nothing"
        tell(ls, types.MessageType.Warning, f"{target.title}: {outcome['message']}")
        return outcome
    doc = ls.documents.get(target.uri)
    if doc is None or doc.version != target.version:
        outcome["message"] = (f"{target.title} changed while the fix was being made, so it was not applied; "
                              "run the fix again")
        tell(ls, types.MessageType.Warning, outcome["message"])
        return outcome
    edit = fix_edit(ls, target, result)
    outcome["edit"] = _CONVERTER.unstructure(edit)
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.apply_edit):
        outcome["message"] = f"{result.message} (this editor cannot apply edits from the server)"
        return outcome
    response = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=LABEL))
    outcome["applied"] = bool(response.applied)
    if response.applied:
        tell(ls, types.MessageType.Info, f"fixed {target.title}: {result.message}")
    else:
        outcome["message"] = f"the editor did not apply the fix: {response.failure_reason or 'no reason given'}"
        tell(ls, types.MessageType.Warning, outcome["message"])
    return outcome
