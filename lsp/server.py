"""The codepal language server: state shared by the feature modules, and `create_server()`."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from codepal import __version__
from codepal.config import CodepalConfig, load_config
from codepal.errors import ConfigError
from codepal.text import DocumentStore
from codepal.text.encoding import PositionEncoding

from .protocol import CodepalProtocol
from .stdio import start_io
from .tasks import TaskMap

if TYPE_CHECKING:
    from codepal.assistant import Assistant
    from codepal.engine import EngineState

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "codepal/status"
# A file that gets the server's whole log, DEBUG included (each completion request and its answer):
# the editor's output channel shows INFO and up only. For diagnosing, and for the end-to-end tests.
LOG_FILE_ENV = "CODEPAL_LSP_LOG_FILE"
_ENCODINGS: dict[str, PositionEncoding] = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-32": "utf-32"}


class CodepalServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("codepal", __version__, protocol_cls=CodepalProtocol)
        self.documents = DocumentStore()
        self.assistant: Assistant | None = None
        self.config = CodepalConfig()
        self.init_options: dict[str, Any] = {}
        self.workspace_folders: list[str] = []
        self.recent: list[str] = []  # document URIs, most recently edited first
        self.tasks = TaskMap()  # running explain/fix commands, cancellable by request id

    @property
    def encoding(self) -> PositionEncoding:
        try:
            value = str(self.workspace.position_encoding or "utf-16")
        except RuntimeError:  # before initialize
            value = "utf-16"
        return _ENCODINGS.get(value, "utf-16")

    def apply_options(self, options: Any, source: str, initial: bool = False) -> None:
        """Validate editor options with the one config model, key by key: a bad value gets one warning
        and keeps its default; the good ones still apply. Settings from `didChangeConfiguration` go on
        top of the initialization options, not in place of them."""
        if initial:
            self.init_options = options if isinstance(options, dict) else {}
        try:
            config = load_config()
        except ConfigError as exc:
            self.warn(str(exc))
            config = CodepalConfig()
        problems: list[str] = []
        layers: list[tuple[Any, str]] = [(self.init_options, "LSP initialization options")]
        if not initial:
            layers.append((options, source))
        for layer, layer_source in layers:
            for key, value in flatten_options(layer) if isinstance(layer, dict) else []:
                try:
                    config = config.merged({key: value}, layer_source)
                except ConfigError as exc:
                    problems.append(str(exc))
        if problems:
            self.warn("; ".join(problems) + " (defaults kept for these)")
        self.config = config
        if self.assistant is not None:
            self.assistant.update_config(self.config)

    def warn(self, message: str) -> None:
        log.warning("%s", message)
        self.window_show_message(types.ShowMessageParams(types.MessageType.Warning, f"codepal: {message}"))

    def engine_changed(self, state: EngineState, message: str) -> None:
        status = self.assistant.status() if self.assistant else {"state": state.value}
        status["message"] = message
        log.debug("engine %s: %s", state.value, message)
        self.protocol.notify(STATUS_NOTIFICATION, status)
        self.window_log_message(types.LogMessageParams(types.MessageType.Info, f"engine {state.value}: {message}"))

    def touch(self, uri: str) -> None:
        if uri in self.recent:
            self.recent.remove(uri)
        self.recent.insert(0, uri)
        del self.recent[64:]

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Out-of-band errors (malformed messages, notifications that failed) are logged, never popped
        # up: protocol noise must not interrupt the user.
        log.error("protocol error (%s): %s", getattr(source, "__name__", source), error)


def flatten_options(options: dict[str, Any]) -> list[tuple[str, Any]]:
    """`{"completion": {"debounce_ms": 5}}` and `{"completion.debounce_ms": 5}` alike → dotted pairs."""
    pairs: list[tuple[str, Any]] = []
    for key, value in options.items():
        if isinstance(value, dict):
            pairs += [(f"{key}.{inner}", v) for inner, v in value.items()]
        else:
            pairs.append((str(key), value))
    return pairs


def create_server() -> CodepalServer:
    server = CodepalServer()
    from .features import actions, completion, lifecycle, sync

    for module in (lifecycle, sync, completion, actions):
        module.register(server)
    return server


def log_to_file(path: str) -> None:
    """The whole log (DEBUG) also into `path`, when one is given; stderr keeps its own level."""
    if not path:
        return
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for existing in root.handlers:  # stderr stays at the level it had
        if existing.level == logging.NOTSET:
            existing.setLevel(root.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for noisy in ("httpcore", "asyncio", "filelock", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.INFO)


def run_stdio() -> None:
    # stdout is the protocol: everything else goes to stderr (and the editor's log).
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # pygls logs every message at INFO: that would put the user's code into the editor's log.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    # The CLI has usually configured logging already (WARNING; DEBUG with -v): the server logs INFO
    # either way, but not one line per HTTP request.
    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
        logging.getLogger("httpx").setLevel(logging.WARNING)
    log_to_file(os.environ.get(LOG_FILE_ENV, ""))
    server = create_server()
    try:
        start_io(server)
    finally:
        if server.assistant is not None:  # `exit` without `shutdown`, or stdin closed: no orphans
            server.assistant.release()
