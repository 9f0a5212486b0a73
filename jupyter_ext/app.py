"""The server extension: one Assistant per Jupyter server, started with it and closed on shutdown."""

from __future__ import annotations

from typing import Any

from jupyter_server.extension.application import ExtensionApp

from codepal.assistant import Assistant
from codepal.engine import EngineState

from .handlers import ROUTES
from .kernel.context import KernelContext
from .options import Codepal, resolve_config


class CodepalApp(ExtensionApp):
    name = "codepal"
    description = "codepal: fix, explain and inline completions on a local model server"
    load_other_extensions = True
    classes: list[Any] = [Codepal]  # noqa: RUF012 (traitlets' own convention)
    assistant: Assistant  # set in initialize_settings
    kernel_context: KernelContext  # summaries of the notebooks' kernels
    _started = False

    def initialize_settings(self) -> None:
        config = resolve_config(Codepal(parent=self), self.log)
        self.assistant = Assistant(config, on_state=self._state_changed)
        # jupyter_server links its ServerApp before it initializes an extension's settings; a host that
        # did not would leave no kernels to summarise, so that is an error here rather than None later.
        if self.serverapp is None:
            raise RuntimeError("codepal: the server extension was initialized without a Jupyter server")
        self.kernel_context = KernelContext(self.serverapp.kernel_manager)

    def initialize_handlers(self) -> None:
        self.handlers.extend(ROUTES)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        await self.ensure_started()

    async def ensure_started(self) -> None:
        """Begin watching for the engine (returns at once; idempotent). Also called by the first request,
        for hosts that never run the server's post-start hook."""
        if not self._started:
            self._started = True
            await self.assistant.start()

    async def stop_extension(self) -> None:
        if hasattr(self, "kernel_context"):
            self.kernel_context.close()
        if hasattr(self, "assistant"):
            await self.assistant.close()

    def _state_changed(self, state: EngineState, message: str) -> None:
        self.log.info("codepal: engine %s: %s", state.value, message)
