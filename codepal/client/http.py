"""Async OpenAI-protocol client: streaming, explicit timeouts, bounded in-flight work, no retries.

Cancelling the caller's task leaves the `async with` of the streamed response, which closes the
connection; vLLM notices the closed socket and aborts the sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from codepal.errors import (
    BackendError,
    BackendOverloaded,
    BackendProtocolError,
    BackendTimeout,
    BackendUnavailable,
)
from codepal.text.reasoning import ThinkSplitter

log = logging.getLogger(__name__)

# How long the end of a finished stream is waited for, so that its connection can be used again (vLLM
# sends it with `[DONE]`; a server that does not loses the connection after this).
DRAIN_S = 0.02
# Idle connections are closed before the server would close them (uvicorn, vLLM's server: after 5 s), so
# a request never goes out on a connection the server is closing at that moment.
KEEPALIVE_S = 4.0


@dataclass(frozen=True)
class TextChunk:
    """A piece of a `/v1/completions` stream."""

    text: str
    finish_reason: str | None = None
    completion_tokens: int | None = None
    prompt_tokens: int | None = None  # with completion_tokens, in the usage event at the end
    # Of those, the ones vLLM found in its prefix cache (`--enable-prompt-tokens-details`; else None).
    cached_tokens: int | None = None


@dataclass(frozen=True)
class ChatDelta:
    """A piece of a `/v1/chat/completions` stream, reasoning already separated from content."""

    reasoning: str = ""
    content: str = ""
    finish_reason: str | None = None
    completion_tokens: int | None = None
    reasoning_tokens: int | None = None
    # The ids of the tokens this piece was generated from (vLLM's `token_ids`, asked for with
    # `return_token_ids`); None when the server sends none. A piece may have ids and no text (`</think>`,
    # the end token), and several tokens when the server merged steps.
    token_ids: tuple[int, ...] | None = None

    @property
    def token_count(self) -> int | None:
        return None if self.token_ids is None else len(self.token_ids)


class ModelClient:
    """One client per server URL, shared by every surface."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 30.0,
        max_in_flight: int = 8,
        transport: httpx.AsyncBaseTransport | None = None,
        thinks: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        # The model thinks before it answers (R1's <think>). Assumed for a model codepal cannot inspect, as
        # the default model does; a model folder on this machine says so through model_traits.
        self.thinks = thinks
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.requests_sent = 0  # generation requests (streams); not /tokenize, /metrics or health probes
        self._tasks: dict[asyncio.Task[Any], BackendError | None] = {}
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=max_in_flight + 4, max_keepalive_connections=max_in_flight,
                                keepalive_expiry=KEEPALIVE_S),
            transport=transport,
            trust_env=False,  # never route loopback traffic through a proxy from the environment
        )

    def __repr__(self) -> str:  # the key stays out of logs
        return f"ModelClient({self.base_url!r}, model={self.model!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    def fail_pending(self, error: BackendError) -> int:
        """Fail every request in flight at once with `error` (the engine crashed). Returns how many."""
        count = 0
        for task in list(self._tasks):
            if not task.done():
                self._tasks[task] = error
                task.cancel()
                count += 1
        return count

    # -- plain requests -------------------------------------------------------------------------

    async def health(self, timeout: float = 1.0) -> bool:
        """True when the server's `/health` answers 200 (servers without it: `/v1/models`)."""
        try:
            response = await self._http.get("/health", timeout=timeout)
            if response.status_code == 404:
                response = await self._http.get("/v1/models", timeout=timeout)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def list_models(self, timeout: float = 2.0) -> list[str]:
        data = await self._get_json("/v1/models", timeout)
        try:
            return [str(entry["id"]) for entry in data["data"]]
        except (KeyError, TypeError) as exc:
            raise BackendProtocolError(f"unexpected /v1/models answer: {exc}") from None

    async def tokenize(self, text: str, timeout: float = 2.0) -> list[int]:
        """Token ids from vLLM's `/tokenize` (not part of the OpenAI protocol; other servers lack it)."""
        async with self._request("POST", "/tokenize", {"model": self.model, "prompt": text}, timeout) as r:
            await r.aread()
            data = _decode_json(r.content)
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, list):
            raise BackendProtocolError("unexpected /tokenize answer")
        return [int(t) for t in tokens]

    async def metrics(self, timeout: float = 2.0) -> str:
        """Prometheus text from `/metrics` (vLLM); used by tests and benchmarks."""
        async with self._request("GET", "/metrics", None, timeout) as response:
            await response.aread()
            return response.text

    # -- streaming --------------------------------------------------------------------------------

    async def stream_completion(
        self,
        prompt: str,
        *,
        max_tokens: int,
        temperature: float = 0.2,
        top_p: float = 1.0,
        stop: Sequence[str] = (),
        model: str | None = None,
        timeout: float | None = None,
        extra: Mapping[str, Any] | None = None,
        while_waiting: Callable[[], None] | None = None,
    ) -> AsyncIterator[TextChunk]:
        """`while_waiting` runs once the request is sent, before the answer is read: work the caller
        needs after the answer, done while the server works (see `WhileWaiting`)."""
        body: dict[str, Any] = {
            "model": model or self.model,
            "prompt": prompt,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "top_p": top_p,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if stop:
            body["stop"] = list(stop)[:4]  # the OpenAI protocol (and vLLM) allow at most four
        body.update(extra or {})
        # aclosing: a caller that stops early (`break`) closes the HTTP stream now, not at GC time.
        pieces = 0
        waiting = WhileWaiting(while_waiting) if while_waiting is not None else None
        stream = self._stream("/v1/completions", body, timeout, waiting)
        async with contextlib.aclosing(stream) as events:
            async for event in events:
                usage = event.get("usage") or {}
                for choice in event.get("choices") or []:
                    text = str(choice.get("text") or "")
                    pieces += bool(text)
                    if pieces > max_tokens:
                        _ignored_max_tokens(max_tokens)
                        return
                    yield TextChunk(text, choice.get("finish_reason"))
                if usage and not event.get("choices"):
                    details = usage.get("prompt_tokens_details") or {}
                    yield TextChunk("", None, usage.get("completion_tokens"), usage.get("prompt_tokens"),
                                    details.get("cached_tokens"))

    async def stream_chat(
        self,
        messages: Sequence[Mapping[str, str]],
        *,
        max_tokens: int,
        temperature: float = 0.6,
        top_p: float = 0.95,
        thinking_token_budget: int | None = None,
        starts_thinking: bool = True,
        model: str | None = None,
        timeout: float | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[ChatDelta]:
        """Chat stream with reasoning separated: vLLM's `reasoning` / `reasoning_content` fields when
        its reasoning parser is on, else our own split of `<think>…</think>` in the content."""
        body: dict[str, Any] = {
            "model": model or self.model,
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "top_p": top_p,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if thinking_token_budget:
            body["thinking_token_budget"] = thinking_token_budget
        # vLLM sends every generated token's id (also for tokens without text), so thinking can be
        # counted exactly; its own `reasoning_tokens` misses thinking whose `<think>` is in the prompt.
        body["return_token_ids"] = True
        body.update(extra or {})
        splitter = ThinkSplitter(starts_thinking)
        server_splits = False
        pieces = 0
        async with contextlib.aclosing(self._stream("/v1/chat/completions", body, timeout)) as events:
            async for event in events:
                usage = event.get("usage") or {}
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") or {}
                    reasoning = delta.get("reasoning") or delta.get("reasoning_content") or ""
                    content = delta.get("content") or ""
                    ids = choice.get("token_ids")
                    token_ids = tuple(int(i) for i in ids) if isinstance(ids, list) else None
                    pieces += bool(reasoning or content)
                    if pieces > max_tokens:
                        break
                    if reasoning:
                        server_splits = True
                    if not server_splits and content:
                        reasoning, content = splitter.feed(content)
                    yield ChatDelta(str(reasoning), str(content), choice.get("finish_reason"),
                                    token_ids=token_ids)
                if pieces > max_tokens:
                    _ignored_max_tokens(max_tokens)
                    break
                if usage and not event.get("choices"):
                    details = usage.get("completion_tokens_details") or {}
                    yield ChatDelta(
                        completion_tokens=usage.get("completion_tokens"),
                        reasoning_tokens=details.get("reasoning_tokens"),
                    )
        if not server_splits:
            reasoning, content = splitter.flush()
            if reasoning or content:
                yield ChatDelta(reasoning, content)

    # -- internals --------------------------------------------------------------------------------

    async def _get_json(self, path: str, timeout: float) -> Any:
        async with self._request("GET", path, None, timeout) as response:
            await response.aread()
            return _decode_json(response.content)

    @asynccontextmanager
    async def _request(
        self, method: str, path: str, body: Mapping[str, Any] | None, timeout: float | None,
        waiting: WhileWaiting | None = None,
    ) -> AsyncIterator[httpx.Response]:
        # No queue: past the bound the caller gets an immediate error instead of waiting.
        if self.in_flight >= self.max_in_flight:
            raise BackendOverloaded(f"{self.in_flight} requests already in flight to the model server")
        self.in_flight += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks[task] = None
        try:
            request = self._http.build_request(
                method, path, json=body, timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                extensions={"trace": waiting.trace} if waiting is not None else None,
            )
            try:
                response = await self._http.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise _map_transport_error(exc, self.base_url) from None
            try:
                if response.status_code >= 400:
                    await response.aread()
                    raise _status_error(response)
                yield response
            except httpx.HTTPError as exc:
                raise _map_transport_error(exc, self.base_url) from None
            finally:
                await response.aclose()
        except asyncio.CancelledError:
            failure = self._tasks.get(task) if task is not None else None
            if failure is None or task is None:
                raise
            task.uncancel()  # our own cancel, turned into the error the caller expects
            raise failure from None
        finally:
            self.in_flight -= 1
            if task is not None:
                self._tasks.pop(task, None)

    async def _stream(
        self, path: str, body: Mapping[str, Any], timeout: float | None, waiting: WhileWaiting | None = None
    ) -> AsyncGenerator[dict[str, Any], None]:
        self.requests_sent += 1
        async with self._request("POST", path, body, timeout, waiting) as response:
            if waiting is not None:
                waiting.run()  # a transport without httpcore's trace events: late, but still before the answer
            lines = response.aiter_lines()
            async for line in lines:
                if not line.startswith("data:"):
                    continue  # SSE comments and keep-alives
                payload = line[5:].strip()
                if payload == "[DONE]":
                    await _read_to_end(lines)
                    return
                event = _decode_json(payload.encode("utf-8", "surrogateescape"))
                if not isinstance(event, dict):
                    raise BackendProtocolError("the model server sent a stream event that is not an object")
                if "error" in event and not event.get("choices"):
                    raise BackendError(f"the model server reported an error: {_error_text(event)}")
                yield event
        # A stream that ends without [DONE] was cut; the caller still has what arrived so far.
        raise BackendUnavailable(f"the model server's stream from {path} was cut before it finished")


class WhileWaiting:
    """Runs `work` once, as soon as a request's body is sent and its answer is awaited (httpcore's
    trace event), so that it overlaps the server's work; at the latest before the answer's first
    event. Its failure is logged, never raised: it must not cost the request."""

    def __init__(self, work: Callable[[], None]) -> None:
        self.work: Callable[[], None] | None = work

    async def trace(self, event: str, info: Mapping[str, Any]) -> None:
        if event.endswith("receive_response_headers.started"):
            self.run()

    def run(self) -> None:
        work, self.work = self.work, None
        if work is None:
            return
        try:
            work()
        except Exception:
            log.exception("work done while waiting for the model server failed")


async def _read_to_end(lines: AsyncIterator[str]) -> None:
    """After `[DONE]`, read what is left of the body (the chunked encoding's last bytes, already sent):
    a response read to its end leaves its connection open for the next request, while one closed before
    it closes the connection, and the next completion would wait for a new one (0.7 ms to the first
    byte against vLLM's server on a busy 2-core machine, 1 ms against a fake one). A server that sends
    more, or keeps the body open, loses the connection instead, as before."""
    try:
        async with asyncio.timeout(DRAIN_S):
            async for line in lines:
                if line.strip():
                    return  # text after [DONE]: not worth reading on; the connection is closed
    except TimeoutError:
        pass


def _ignored_max_tokens(max_tokens: int) -> None:
    # Every streamed piece holds at least one token, so the server ignored `max_tokens` (an endless
    # answer): stop reading, which closes the stream; the caller keeps what fits.
    log.warning("the model server sent more than max_tokens=%d pieces; stream closed", max_tokens)


def _decode_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BackendProtocolError(
            f"the model server sent something that is not JSON: {raw[:80]!r}"
        ) from None


def _error_text(data: Any) -> str:
    if isinstance(data, dict):
        error = data.get("error", data)
        if isinstance(error, dict):
            return str(error.get("message") or error)[:300]
        return str(error)[:300]
    return str(data)[:300]


def _status_error(response: httpx.Response) -> BackendError:
    try:
        detail = _error_text(response.json())
    except ValueError:
        detail = response.text[:300]
    status = response.status_code
    if status in (429, 503):
        return BackendOverloaded(f"the model server is overloaded ({status}): {detail}")
    if status == 401:
        return BackendProtocolError("the model server refused the API key (401)", status)
    if status == 504:
        return BackendTimeout(f"the model server timed out (504): {detail}")
    return BackendProtocolError(f"the model server answered {status}: {detail}", status)


def _map_transport_error(exc: httpx.HTTPError, url: str) -> BackendError:
    if isinstance(exc, httpx.TimeoutException):
        return BackendTimeout(f"no answer from the model server at {url} in time ({type(exc).__name__})")
    if isinstance(exc, httpx.ConnectError):
        return BackendUnavailable(f"cannot connect to the model server at {url}")
    if isinstance(exc, httpx.DecodingError):
        return BackendProtocolError(f"undecodable answer from the model server: {exc}")
    return BackendUnavailable(f"the connection to the model server at {url} broke: {type(exc).__name__}")
