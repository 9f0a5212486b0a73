"""The base of the tests' raw HTTP servers: reading a request, and the server on its own loop and thread."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.loopback_server import LoopbackServer, read_request


def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


async def test_read_request_keeps_the_lines_as_sent_and_reads_the_body_by_length() -> None:
    raw = b"POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nX-Odd:  a:b \r\n\r\n{}{}GET / HTTP/1.1\n\n"
    reader = _reader(raw)
    first = await read_request(reader)
    assert first is not None
    assert (first.method, first.path, first.request_line) == ("POST", "/v1/completions",
                                                              "POST /v1/completions HTTP/1.1")
    assert first.header_lines == ["Host: x", "Content-Length: 4", "X-Odd:  a:b "]
    assert first.headers == {"host": "x", "content-length": "4", "x-odd": "a:b"} and first.body == b"{}{}"
    second = await read_request(reader)  # bare \n line ends, no body
    assert second is not None and (second.method, second.path, second.body) == ("GET", "/", b"")
    assert await read_request(reader) is None


async def test_read_request_rejects_a_bad_request_line_and_a_short_body() -> None:
    with pytest.raises(ValueError):
        await read_request(_reader(b"garbage\r\n\r\n"))
    with pytest.raises(asyncio.IncompleteReadError):
        await read_request(_reader(b"POST / HTTP/1.1\r\nContent-Length: 9\r\n\r\n{}"))


class Echo(LoopbackServer):
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await read_request(reader)
        assert request is not None
        body = request.body or request.path.encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body) + body)
        await writer.drain()
        writer.close()


def test_a_server_on_its_own_thread_answers_a_client_in_another_loop() -> None:
    server = Echo().start()
    try:
        assert server.url.startswith("http://127.0.0.1:") and server.port > 0
        assert httpx.post(server.url + "/x", content=b"ping", timeout=5).text == "ping"

        async def from_a_loop() -> str:
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get(server.url + "/path")).text

        assert asyncio.run(from_a_loop()) == "/path"
    finally:
        server.stop()
    assert not server._thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)
