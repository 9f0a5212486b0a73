"""The codepal routes: each converts the request to core types, calls one core coroutine, converts back.

Model calls run in a task of their own that is cancelled when the browser disconnects, so the HTTP stream
to the model server closes and generation stops. Explain and fix stream server-sent events.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_server.base.handlers import APIHandler
from pydantic import BaseModel
from tornado import web
from tornado.iostream import StreamClosedError

from codepal.notebook import completion_request, explain_inputs, fix_inputs
from codepal.types import AssistEvent

from .errors import ApiError, to_api_error
from .protocol import (
    CompleteIn,
    ExplainIn,
    FixIn,
    KernelIn,
    completion_json,
    event_json,
    parse,
    to_index,
)

if TYPE_CHECKING:
    from codepal.assistant import Assistant

    from .app import CodepalApp

MAX_BODY_BYTES = 2 * 1024 * 1024  # cell sources only (no outputs): generous for any real notebook
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


class CodepalHandler(APIHandler):
    _task: asyncio.Future[Any] | None = None
    _gone = False

    @property
    def app(self) -> CodepalApp:
        return self.settings["codepal"]  # type: ignore[no-any-return]

    @property
    def assistant(self) -> Assistant:
        return self.app.assistant

    def body_as(self, model: type[M]) -> M:
        if len(self.request.body) > MAX_BODY_BYTES:
            message = f"codepal: the request body is larger than {MAX_BODY_BYTES} bytes"
            raise ApiError(413, message, "too_large")
        return parse(model, self.request.body)

    def on_connection_close(self) -> None:
        self.log.debug("codepal: the client closed %s; cancelling", self.request.path)
        self._gone = True
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def cancellable(self, work: Coroutine[Any, Any, R]) -> R:
        """Run `work` in a task the browser's disconnect cancels."""
        task = asyncio.ensure_future(work)
        self._task = task
        return await task

    async def run(self, work: Callable[[], Awaitable[None]]) -> None:
        """Map every failure to one HTTP status; a vanished browser gets no answer at all."""
        await self.app.ensure_started()
        try:
            await work()
        except asyncio.CancelledError:
            if not self._gone:
                raise
        except Exception as exc:
            error = to_api_error(exc)
            if error.status_code >= 500 and error.kind == "internal":
                self.log.exception("codepal: %s %s failed", self.request.method, self.request.path)
            raise error from None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if not isinstance(exc, ApiError):
            super().write_error(status_code, **kwargs)
            return
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": exc.message, "kind": exc.kind}))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, ApiError):  # expected outcomes: one line, no traceback
            self.log.info("codepal: %s %s → %d %s", self.request.method, self.request.path,
                          value.status_code, value.message)
            return
        super().log_exception(typ, value, tb)


class StatusHandler(CodepalHandler):
    @web.authenticated
    async def get(self) -> None:
        await self.app.ensure_started()
        self.finish({**self.assistant.status(), "kernel_context": self.app.kernel_context.stats.as_json()})


class CompleteHandler(CodepalHandler):
    @web.authenticated
    async def post(self) -> None:
        await self.run(self._complete)

    async def _complete(self) -> None:
        body = self.body_as(CompleteIn)
        cursor = to_index(body.source, body.offset)
        kernel = await self.app.kernel_context.facts(body.kernel_id, wait=False)
        request = completion_request(
            body.core_cells(), body.cell_index, cursor, body.language, body.path,
            tab_size=body.tab_size, insert_spaces=body.insert_spaces, kernel=kernel, invoked=body.invoked,
        )
        # Latest wins per notebook: a newer request for the same notebook supersedes this one.
        completion = await self.cancellable(self.assistant.complete(request, key=f"jupyter:{body.path}"))
        self.finish(completion_json(completion, self.assistant.link.state.value))


class StreamHandler(CodepalHandler):
    """Server-sent events: `thinking` and `answer` deltas, then one `result` (or an `error`).

    A producer task pulls the core's events into an unbounded queue, so its only wait is inside the core's
    generator: cancelling it on disconnect raises there, and every `async with` down to the model's HTTP
    stream unwinds at once. (Closing a generator suspended at a `yield` would not reach generators it
    iterates with a plain `async for`; they would wait for the garbage collector.)
    """

    async def stream(self, events: AsyncIterator[AssistEvent], original: str) -> None:
        queue: asyncio.Queue[AssistEvent | BaseException | None] = asyncio.Queue()
        producer = asyncio.ensure_future(_produce(events, queue))
        try:
            await self.cancellable(self._pump(queue, original))  # a disconnect cancels the pump...
        finally:  # ...and the producer, inside the core's generator
            producer.cancel()
            await asyncio.gather(producer, return_exceptions=True)

    async def _pump(self, queue: asyncio.Queue[AssistEvent | BaseException | None], original: str) -> None:
        # The first event is awaited before the status line goes out, so an engine that is down or a
        # prompt that does not fit still gets a proper HTTP status.
        first = await queue.get()
        if isinstance(first, BaseException):
            raise first
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")  # no proxy buffering
        item: AssistEvent | BaseException | None = first
        try:
            while item is not None:
                if isinstance(item, BaseException):
                    raise item
                await self._send(*event_json(item, original))
                item = await queue.get()
        except StreamClosedError:
            self.log.debug("codepal: the client of %s went away mid-stream", self.request.path)
            self._gone = True
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the status line is out: report in the stream
            error = to_api_error(exc)
            if error.kind == "internal":
                self.log.exception("codepal: %s failed mid-stream", self.request.path)
            data = {"status": error.status_code, "kind": error.kind, "message": error.message}
            await self._send("error", data)
        self.finish()

    async def _send(self, name: str, data: dict[str, Any]) -> None:
        self.write(f"event: {name}\ndata: {json.dumps(data)}\n\n")
        await self.flush()


async def _produce(events: AsyncIterator[AssistEvent],
                   queue: asyncio.Queue[AssistEvent | BaseException | None]) -> None:
    try:
        async for event in events:
            queue.put_nowait(event)
        queue.put_nowait(None)
    except Exception as exc:
        queue.put_nowait(exc)


class ExplainHandler(StreamHandler):
    @web.authenticated
    async def post(self) -> None:
        await self.run(self._explain)

    async def _explain(self) -> None:
        body = self.body_as(ExplainIn)
        source = body.source
        start = None if body.start is None else to_index(source, body.start, "start")
        end = None if body.end is None else to_index(source, body.end, "end")
        kernel = await self.app.kernel_context.facts(body.kernel_id, wait=True)
        inputs = explain_inputs(body.core_cells(), body.cell_index, start, end, body.language, body.path, kernel)
        await self.stream(self.assistant.explain(inputs.span, inputs.context, inputs.kernel), source)


class FixHandler(StreamHandler):
    @web.authenticated
    async def post(self) -> None:
        await self.run(self._fix)

    async def _fix(self) -> None:
        body = self.body_as(FixIn)
        error = body.error.core() if body.error is not None else None
        kernel = await self.app.kernel_context.facts(body.kernel_id, wait=True)
        inputs = fix_inputs(body.core_cells(), body.cell_index, error, body.language, body.path, kernel)
        await self.stream(self.assistant.fix(inputs.span, inputs.problem, inputs.context, inputs.kernel),
                          body.source)


class KernelHandler(CodepalHandler):
    """A notebook's cell has run: refresh that kernel's summary in the background (answers at once)."""

    @web.authenticated
    async def post(self) -> None:
        await self.run(self._refresh)

    async def _refresh(self) -> None:
        self.app.kernel_context.refresh(self.body_as(KernelIn).kernel_id)
        self.set_status(204)
        self.finish()


ROUTES: list[tuple[str, type[CodepalHandler]]] = [
    ("codepal/status", StatusHandler),
    ("codepal/complete", CompleteHandler),
    ("codepal/explain", ExplainHandler),
    ("codepal/fix", FixHandler),
    ("codepal/kernel", KernelHandler),
]
