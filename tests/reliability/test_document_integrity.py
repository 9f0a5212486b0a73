"""Random incremental edits sent to the real `codepal lsp` over stdio: after every `didChange` the server's
copy (`codepal.documentState`: version, length, SHA-256 of the UTF-8) equals the client's.

The client side is written here from the LSP rules alone (lines end at `\\n`, `\\r\\n`, `\\r`; positions
count UTF-16 or UTF-8 code units), independently of `codepal.text`. The text mixes surrogate pairs,
combining marks, CRLF, lone CR, form feed, `\\x85`, `\\u2028`/`\\u2029` and `\\x0b`, which
`str.splitlines()` would treat as line breaks and an editor does not. Fewer examples than the unit
state machine (tests/unit/text), because every step is a round trip to a real process.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.reliability.peer import SyncLsp
from tests.support.socket_guard import SocketGuard

pytestmark = pytest.mark.reliability

PIECES = ["a", "b", " ", "ä", "a\u0308", "錯誤", "😋", "\U0001f468\u200d\U0001f469", "\r\n", "\r", "\n",
          "\x0c", "\x85", "\u2028", "\u2029", "\x0b", "\t"]
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.text(st.characters(codec="utf-8"), max_size=4),
)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
SETTINGS = settings(max_examples=30, stateful_step_count=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def position(text: str, offset: int, encoding: str) -> dict[str, int]:
    """The LSP position of `offset` (which is never inside a `\\r\\n`)."""
    starts = [0, *(m.end() for m in LINE_BREAK.finditer(text, 0, offset))]
    line_start = starts[-1]
    return {"line": len(starts) - 1, "character": units(text[line_start:offset], encoding)}


def valid_offset(text: str, offset: int) -> int:
    """Editors never put a position between `\\r` and `\\n`."""
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return offset - 1
    return offset


class Counter:
    documents = itertools.count()
    edits = 0
    checks = 0
    seconds = 0.0


class SyncedDocument(RuleBasedStateMachine):
    server: SyncLsp
    encoding: str

    def __init__(self) -> None:
        super().__init__()
        self.uri = f"file:///integrity/{self.encoding}/{next(Counter.documents)}.txt"
        self.text = ""
        self.version = 0

    @initialize(text=texts)
    def open(self, text: str) -> None:
        self.text, self.version = text, 1
        self.server.notify("textDocument/didOpen", {"textDocument": {
            "uri": self.uri, "languageId": "plaintext", "version": 1, "text": text}})

    @rule(data=st.data(), count=st.integers(1, 3))
    def edit(self, data: st.DataObject, count: int) -> None:
        changes = []
        for _ in range(count):  # each range refers to the text after the previous change
            a = valid_offset(self.text, data.draw(st.integers(0, len(self.text))))
            b = valid_offset(self.text, data.draw(st.integers(0, len(self.text))))
            a, b = min(a, b), max(a, b)
            new = data.draw(texts)
            changes.append({"range": {"start": position(self.text, a, self.encoding),
                                      "end": position(self.text, b, self.encoding)}, "text": new})
            self.text = self.text[:a] + new + self.text[b:]
        self._send(changes)

    @rule(text=texts)
    def replace_all(self, text: str) -> None:
        self.text = text
        self._send([{"text": text}])

    def _send(self, changes: list[dict[str, Any]]) -> None:
        self.version += 1
        Counter.edits += len(changes)
        self.server.notify("textDocument/didChange", {
            "textDocument": {"uri": self.uri, "version": self.version}, "contentChanges": changes})

    @invariant()
    def same_as_the_client(self) -> None:
        if not self.version:
            return
        started = time.monotonic()
        state = self.server.request("workspace/executeCommand",
                                    {"command": "codepal.documentState", "arguments": [self.uri]})
        Counter.seconds += time.monotonic() - started
        Counter.checks += 1
        expected = {"version": self.version, "length": len(self.text),
                    "sha256": hashlib.sha256(self.text.encode("utf-8", "surrogatepass")).hexdigest()}
        assert {k: state[k] for k in expected} == expected, repr(self.text)

    def teardown(self) -> None:
        if self.version:
            self.server.notify("textDocument/didClose", {"textDocument": {"uri": self.uri}})


@pytest.fixture
def server(tmp_path: Path, socket_guard: SocketGuard, request: pytest.FixtureRequest) -> Iterator[SyncLsp]:
    env = socket_guard.env()
    env.update({"CODEPAL_STATE_DIR": str(tmp_path / "state"), "CODEPAL_CONFIG_FILE": str(tmp_path / "none.toml")})
    peer = SyncLsp(env)
    encoding = request.node.callspec.params["encoding"]
    result = peer.request("initialize", {"processId": None, "rootUri": None, "capabilities": {
        "general": {"positionEncodings": [encoding]}}})
    assert result["capabilities"]["positionEncoding"] == encoding
    peer.notify("initialized", {})
    yield peer
    peer.close()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_server_copy_equals_client_copy(server: SyncLsp, encoding: str, figure: Callable[[str], None]) -> None:
    Counter.edits = Counter.checks = 0
    Counter.seconds = 0.0
    first = next(Counter.documents)
    machine = type("Machine", (SyncedDocument,), {"server": server, "encoding": encoding})
    started = time.monotonic()
    run_state_machine_as_test(machine, settings=SETTINGS)
    took = time.monotonic() - started
    documents = next(Counter.documents) - first - 1
    figure(f"{encoding}: {Counter.edits} incremental changes in {documents} documents, {Counter.checks} "
           f"comparisons, all equal; {took:.1f} s ({Counter.seconds / max(1, Counter.checks) * 1000:.2f} ms "
           f"per state request)")
    assert Counter.checks > 100
