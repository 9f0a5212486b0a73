"""initialize, configuration, status."""

from __future__ import annotations

import gc
import hashlib
import logging
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from ..protocol import CodepalProtocol
from ..server import CodepalServer

log = logging.getLogger(__name__)

STATUS_COMMAND = "codepal.status"
DOCUMENT_STATE_COMMAND = "codepal.documentState"  # for diagnosing sync problems (and the tests)


def register(server: CodepalServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: CodepalServer, params: types.InitializeParams) -> None:
        ls.apply_options(params.initialization_options, "LSP initialization options", initial=True)
        folders = [f.uri for f in params.workspace_folders or []] or ([params.root_uri] if params.root_uri else [])
        ls.workspace_folders = [path for uri in folders if (path := to_fs_path(uri))]

    @server.feature(types.INITIALIZED)
    async def initialized(ls: CodepalServer, params: types.InitializedParams) -> None:
        # Imported and built after `initialize` has answered: the editor is never kept waiting for it.
        from codepal.assistant import Assistant

        if isinstance(ls.protocol, CodepalProtocol):
            ls.protocol.warm_up()
        ls.assistant = Assistant(ls.config, on_state=ls.engine_changed,
                                 workspace_folders=[Path(folder) for folder in ls.workspace_folders])
        await ls.assistant.start()  # returns at once; probing runs in the background
        log.debug("froze %d objects of the start-up", freeze_start_up())

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: CodepalServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and isinstance(settings.get("codepal"), dict):
            settings = settings["codepal"]
        ls.apply_options(settings, "workspace/didChangeConfiguration")

    @server.command(STATUS_COMMAND)
    def status(ls: CodepalServer, *args: Any) -> dict[str, Any]:
        return ls.assistant.status() if ls.assistant else {"state": "stopped"}

    @server.command(DOCUMENT_STATE_COMMAND)
    def document_state(ls: CodepalServer, *args: Any) -> dict[str, Any] | None:
        uri = args[0] if args and isinstance(args[0], str) else None
        doc = ls.documents.get(uri) if uri else None
        if doc is None:
            return None
        data = doc.text.encode("utf-8", "surrogatepass")
        return {"uri": uri, "version": doc.version, "length": len(doc.text),
                "sha256": hashlib.sha256(data).hexdigest()}

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: CodepalServer, *args: Any) -> None:
        if ls.assistant is not None:
            await ls.assistant.close()


def freeze_start_up() -> int:
    """Move what the start-up built (modules, classes, converters, the assistant: about 80,000 objects,
    alive as long as the process) out of the cyclic collector's reach. A full collection walks every
    object it tracks (30-38 ms for these, measured on the busy 2-core test machine), and it comes
    whenever enough new objects have survived, in the middle of a completion request as likely as
    not; after the freeze it walks only what was built since. Only the young generations are
    collected first (0.05 ms measured): a full collection here is the 27-38 ms pause this avoids, and
    it would land on the editor's first requests; old garbage left is frozen with the rest, a few kB
    kept for the life of the process. Returns how many objects are frozen."""
    gc.collect(1)
    gc.freeze()
    return gc.get_freeze_count()
