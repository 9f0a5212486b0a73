"""A subset of the fix-answer corpus through the language server's `codepal.fix` command: the edit the
server returns (and has the editor apply) turns the document into the expected one; a refusal returns no
edit and applies nothing. Same core as `codepal fix`, so the same documents."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.actions_helpers import EditRecorder, applied, execute, text_edits
from tests.lsp.conftest import PROFILES, open_doc
from tests.lsp.test_actions_scripted import make_client
from tests.support.fake_openai import FakeOpenAI
from tests.support.fix_corpus import Case, load_cases

SUBSET = ("py04-usage-in-block", "py20-crlf", "py23-dedented-method", "py19-fix-elsewhere",
          "js01-require-and-example", "ts06-dedented-method", "go02-imports-and-function", "rs03-use-list")


def lsp_range(case: Case) -> types.Range:
    first, last = case.first_last
    end_line = case.source.split("\n")[last - 1].rstrip("\r")
    return types.Range(start=types.Position(line=first - 1, character=0),
                       end=types.Position(line=last - 1, character=len(end_line)))


async def run_case(client: LanguageClient, fake: FakeOpenAI, case: Case, version: int) -> str | None:
    """The document after the fix, or None when the server refused."""
    uri = f"file:///ws/{case.name}/{case.source_name}"
    open_doc(client, uri, case.source, case.language, version)
    fake.script.clear()
    fake.push(*case.behaviours())
    args = {"uri": uri, "range": client.protocol._converter.unstructure(lsp_range(case)), "version": version}
    diagnostic = {"range": args["range"], "message": case.error, "severity": 1}
    _, future = execute(client, types.Command(title="fix", command="codepal.fix",
                                              arguments=[{**args, "diagnostics": [diagnostic]}]))
    result = await asyncio.wait_for(future, 30)
    if not result["applied"]:
        assert "edit" not in result and result["message"].startswith("no safe fix found"), result
        return None
    edit = client.protocol._converter.structure(result["edit"], types.WorkspaceEdit)
    edits, _ = text_edits(edit, uri)
    return applied(case.source, edits)


async def test_the_corpus_subset_through_codepal_fix(fake_openai: FakeOpenAI, tmp_path: Path) -> None:
    client = await make_client(fake_openai, tmp_path, PROFILES["vscode"]())
    recorder = EditRecorder(client)
    try:
        cases = {c.name: c for c in load_cases()}
        for number, name in enumerate(SUBSET, start=1):
            case = cases[name]
            before = len(recorder.edits)
            fixed = await run_case(client, fake_openai, case, number)
            assert fixed == case.expected, name
            assert len(recorder.edits) - before == (0 if case.expected is None else 1), name
    finally:
        await client.shutdown_session()
