"""The benchmark's own JSON-RPC client: LSP framing, and request/notify/cancel against a child."""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap

import pytest

from codepal.bench.editor import position_of
from codepal.bench.rpc import REQUEST_CANCELLED, FrameDecoder, RpcError, RpcPeer, encode, result_of


def test_encode_frames_utf8_bodies_by_byte_length() -> None:
    frame = encode({"jsonrpc": "2.0", "method": "x", "params": {"text": "錯誤 😋"}})
    header, _, body = frame.partition(b"\r\n\r\n")
    assert header == b"Content-Length: %d" % len(body)
    assert json.loads(body)["params"]["text"] == "錯誤 😋"
    assert len(body) > len('{"jsonrpc":"2.0","method":"x","params":{"text":"錯誤 😋"}}')  # bytes, not chars


def test_decoder_handles_any_chunking() -> None:
    messages = [{"id": i, "result": {"t": "ä" * i}} for i in range(5)]
    stream = b"".join(encode(m) for m in messages)
    for size in (1, 2, 7, 64, len(stream)):
        decoder = FrameDecoder()
        got = []
        for start in range(0, len(stream), size):
            got += decoder.feed(stream[start:start + size])
        assert got == messages


def test_decoder_reads_extra_headers_and_rejects_a_missing_length() -> None:
    body = b'{"id":1}'
    raw = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 8\r\n\r\n" + body
    assert FrameDecoder().feed(raw) == [{"id": 1}]
    with pytest.raises(ValueError):
        FrameDecoder().feed(b"Content-Type: x\r\n\r\n{}")


def test_result_of_raises_for_errors() -> None:
    assert result_of({"id": 1, "result": [1]}) == [1]
    with pytest.raises(RpcError) as info:
        result_of({"id": 1, "error": {"code": REQUEST_CANCELLED, "message": "cancelled"}})
    assert info.value.code == -32800


def test_positions_count_utf16_units_and_lsp_line_breaks() -> None:
    text = "a😋b\r\nx\rä\u2028y\n"
    assert position_of(text, 0) == {"line": 0, "character": 0}
    assert position_of(text, 2) == {"line": 0, "character": 3}  # the emoji is two UTF-16 units
    assert position_of(text, text.index("x")) == {"line": 1, "character": 0}
    assert position_of(text, text.index("y")) == {"line": 2, "character": 2}  # U+2028 is not a break
    assert position_of(text, len(text)) == {"line": 3, "character": 0}


# A tiny JSON-RPC server: echoes requests, answers a slow one unless cancelled, asks the client once.
PEER = textwrap.dedent(r'''
    import json, sys, threading, time
    out = sys.stdout.buffer
    lock = threading.Lock()
    cancelled = set()
    def send(message):
        body = json.dumps(message).encode()
        with lock:
            out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body); out.flush()
    def slow(mid):
        for _ in range(100):
            if mid in cancelled:
                send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32800, "message": "cancelled"}}); return
            time.sleep(0.01)
        send({"jsonrpc": "2.0", "id": mid, "result": "slow"})
    inp = sys.stdin.buffer
    while True:
        length = None
        while True:
            line = inp.readline()
            if not line: sys.exit(0)
            if line in (b"\r\n", b"\n"): break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length": length = int(value)
        msg = json.loads(inp.read(length))
        method = msg.get("method")
        if method == "$/cancelRequest": cancelled.add(msg["params"]["id"])
        elif method == "slow": threading.Thread(target=slow, args=(msg["id"],)).start()
        elif method == "ask": send({"jsonrpc": "2.0", "id": "s1", "method": "window/workDoneProgress/create",
                                    "params": {}}); send({"jsonrpc": "2.0", "method": "note", "params": 1})
        elif method == "shutdown": send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
        elif method == "exit": sys.exit(0)
        elif "id" in msg: send({"jsonrpc": "2.0", "id": msg["id"], "result": msg.get("params")})
''')


async def test_peer_requests_cancels_and_answers_server_requests() -> None:
    peer = await RpcPeer([sys.executable, "-c", PEER], {}).start()
    try:
        assert await peer.request("echo", {"a": "ä"}) == {"a": "ä"}
        slow = peer.send("slow")
        peer.cancel(slow)
        peer.cancel(slow)  # at most one $/cancelRequest per request
        message = await asyncio.wait_for(slow.future, 5)
        assert message["error"]["code"] == REQUEST_CANCELLED and slow.cancel_sent
        assert slow.latency_ms is not None and slow.latency_ms >= 0
        peer.send("ask")
        await peer.request("echo", 1)  # handled in order: the notification has arrived by now
        assert [n["method"] for n in peer.notifications] == ["note"]
    finally:
        code = await peer.close()
    assert code == 0 and not peer.alive


async def test_pending_requests_fail_when_the_child_goes_away() -> None:
    peer = await RpcPeer([sys.executable, "-c", "import sys; sys.stdin.read(1)"], {}).start()
    pending = peer.send("anything")
    assert peer.proc is not None and peer.proc.stdin is not None
    peer.proc.stdin.close()
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(pending.future, 5)
    await peer.close()
