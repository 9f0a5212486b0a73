"""The shared JSON-RPC module (bench and tests): LSP framing, and request/notify/cancel against a child."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

import codepal.jsonrpc
from codepal.jsonrpc import REQUEST_CANCELLED, FrameDecoder, RpcError, RpcPeer, encode, frame, result_of


def test_encode_frames_utf8_bodies_by_byte_length() -> None:
    frame = encode({"jsonrpc": "2.0", "method": "x", "params": {"text": "錯誤 😋"}})
    header, _, body = frame.partition(b"\r\n\r\n")
    assert header == b"Content-Length: %d" % len(body)
    assert json.loads(body)["params"]["text"] == "錯誤 😋"
    assert len(body) > len('{"jsonrpc":"2.0","method":"x","params":{"text":"錯誤 😋"}}')  # bytes, not chars


def test_encode_escapes_a_lone_surrogate_that_utf8_cannot_carry() -> None:
    message = {"jsonrpc": "2.0", "method": "x", "params": {"text": "a\ud800b ä"}}
    body = encode(message).partition(b"\r\n\r\n")[2]
    assert b"\\ud800" in body and json.loads(body) == message


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


def test_frame_takes_any_bytes_and_encode_frames_json() -> None:
    assert frame(b"\xff{") == b"Content-Length: 2\r\n\r\n\xff{"
    assert encode({"id": 1}) == frame(b'{"id":1}')


def test_result_of_raises_for_errors() -> None:
    assert result_of({"id": 1, "result": [1]}) == [1]
    with pytest.raises(RpcError) as info:
        result_of({"id": 1, "error": {"code": REQUEST_CANCELLED, "message": "cancelled"}})
    assert info.value.code == -32800


# A tiny JSON-RPC server on the same framing: echoes requests, answers a slow one unless cancelled, asks the
# client once (`ask`) and tells which answers the client sent it (`answers`).
PEER = textwrap.dedent(r'''
    import json, os, sys, threading, time
    from codepal.jsonrpc import FrameDecoder, encode
    out = sys.stdout.buffer
    lock = threading.Lock()
    cancelled = set()
    def send(message):
        with lock:
            out.write(encode(message)); out.flush()
    def slow(mid):
        for _ in range(100):
            if mid in cancelled:
                send({"jsonrpc": "2.0", "id": mid, "error": {"code": -32800, "message": "cancelled"}}); return
            time.sleep(0.01)
        send({"jsonrpc": "2.0", "id": mid, "result": "slow"})
    decoder = FrameDecoder()
    answers = []
    while chunk := os.read(0, 65536):
        for msg in decoder.feed(chunk):
            method = msg.get("method")
            if method is None: answers.append(msg)
            elif method == "$/cancelRequest": cancelled.add(msg["params"]["id"])
            elif method == "slow": threading.Thread(target=slow, args=(msg["id"],)).start()
            elif method == "ask": send({"jsonrpc": "2.0", "id": "s1", "method": "window/workDoneProgress/create",
                                        "params": {}}); send({"jsonrpc": "2.0", "method": "note", "params": 1})
            elif method == "answers": send({"jsonrpc": "2.0", "id": msg["id"], "result": answers})
            elif method == "shutdown": send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif method == "exit": sys.exit(0)
            elif "id" in msg: send({"jsonrpc": "2.0", "id": msg["id"], "result": msg.get("params")})
''')
# The child imports codepal.jsonrpc from where this test does.
ENV = {**os.environ, "PYTHONPATH": str(Path(codepal.jsonrpc.__file__).resolve().parents[1])}


async def test_peer_requests_cancels_and_answers_server_requests() -> None:
    peer = await RpcPeer([sys.executable, "-c", PEER], ENV).start()
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


class QuietPeer(RpcPeer):
    answers_server_requests = False


@pytest.mark.parametrize("peer_class", [RpcPeer, QuietPeer])
async def test_server_requests_are_answered_unless_the_peer_is_quiet(peer_class: type[RpcPeer]) -> None:
    peer = await peer_class([sys.executable, "-c", PEER], ENV).start()
    try:
        peer.send("ask")
        await peer.request("echo", 1)
        answers = await peer.request("answers")
    finally:
        await peer.close()
    expected = [{"jsonrpc": "2.0", "id": "s1", "result": None}] if peer_class is RpcPeer else []
    assert [a for a in answers if a.get("id") == "s1"] == expected
