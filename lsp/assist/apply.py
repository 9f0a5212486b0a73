"""A fix's minimal edits → a versioned WorkspaceEdit, applied with `workspace/applyEdit` only if the
document is still the version the fix was made for.

The edits carry a change annotation with `needsConfirmation` where the client supports annotations
(`workspace.workspaceEdit.changeAnnotationSupport`), so VS Code shows its refactor preview (a diff with
Apply / Discard) before anything changes; `assist.apply_fix_without_confirmation` turns that off.

`codepal.fix` answers `{applied, message, edit?, version}`: `edit` is the WorkspaceEdit (present when a
fix was found for the current text), `version` the document version it is for.
"""

from __future__ import annotations

import logging
from typing import Any

from lsprotocol import types
from lsprotocol.converters import get_converter

from codepal.types import FixResult

from ..convert import range_of
from ..server import CodepalServer
from .show import tell
from .target import Target

log = logging.getLogger(__name__)
_CONVERTER = get_converter()
LABEL = "codepal: fix"
ANNOTATION = "codepal.fix"


def fix_edit(ls: CodepalServer, target: Target, result: FixResult) -> types.WorkspaceEdit:
    """A TextDocumentEdit carrying the version (plain `changes` for a client without versioned edits),
    its edits annotated as needing confirmation when `needs_confirmation(ls)`."""
    ranges = [(range_of(ls, target.document, edit.start, edit.end), edit.new_text) for edit in result.edits]
    workspace = ls.client_capabilities.workspace
    versioned = bool(workspace and workspace.workspace_edit and workspace.workspace_edit.document_changes)
    if not versioned:  # annotations exist only in TextDocumentEdits
        plain = [types.TextEdit(range=range_, new_text=text) for range_, text in ranges]
        return types.WorkspaceEdit(changes={target.uri: plain})
    document = types.OptionalVersionedTextDocumentIdentifier(uri=target.uri, version=target.version)
    edits: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit]
    if not needs_confirmation(ls):
        edits = [types.TextEdit(range=range_, new_text=text) for range_, text in ranges]
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)])
    edits = [types.AnnotatedTextEdit(range=range_, new_text=text, annotation_id=ANNOTATION) for range_, text in ranges]
    annotation = types.ChangeAnnotation(label=LABEL, needs_confirmation=True,
                                        description=f"{target.title}: {result.message}")
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)],
                               change_annotations={ANNOTATION: annotation})


def needs_confirmation(ls: CodepalServer) -> bool:
    """Ask the editor to confirm (refactor preview) unless the user turned it off or it cannot."""
    if ls.config.assist.apply_fix_without_confirmation:
        return False
    workspace = ls.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes and edit.change_annotation_support is not None)


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
    confirm = bool(edit.change_annotations)
    outcome["confirmation"] = confirm  # the editor asked the user (refactor preview) before applying
    response = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=LABEL))
    outcome["applied"] = bool(response.applied)
    if response.applied:
        tell(ls, types.MessageType.Info, f"fixed {target.title}: {result.message}")
    elif confirm and not response.failure_reason:
        outcome["message"] = "the fix was discarded in the preview; nothing changed"
        tell(ls, types.MessageType.Info, outcome["message"])
    else:
        outcome["message"] = f"the editor did not apply the fix: {response.failure_reason or 'no reason given'}"
        tell(ls, types.MessageType.Warning, outcome["message"])
    return outcome
