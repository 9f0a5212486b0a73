"""Record every outgoing socket connect and name lookup this Python process makes.

Loaded in-process by `tests/support/socket_guard.py`, and in subprocesses (language server, vLLM and
its workers, Jupyter) as `sitecustomize` when this directory is on `PYTHONPATH` and
`CODEPAL_SOCKET_LOG` names a file: each event becomes one JSON line appended to it. Standard library
only, and it never blocks a connection: the test suite asserts on the log afterwards.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
import time
from typing import Any

LOG_ENV = "CODEPAL_SOCKET_LOG"
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_installed: str | None = None


def is_local_host(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.strip("[]").split("%", 1)[0]
    if host.lower() in LOCAL_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local_address(family: int, address: Any) -> bool:
    if family == getattr(socket, "AF_UNIX", None) or family == getattr(socket, "AF_NETLINK", None):
        return True
    if isinstance(address, tuple) and address:
        return is_local_host(address[0])
    return False


def _record(kind: str, family: int, address: Any) -> None:
    path = _installed
    if not path:
        return
    if isinstance(address, tuple):
        address = [a.decode("ascii", "replace") if isinstance(a, bytes) else a for a in address[:2]]
    elif isinstance(address, bytes):
        address = address.decode("ascii", "replace")
    entry = {
        "kind": kind,
        "pid": os.getpid(),
        "argv0": (sys.argv[:3] if sys.argv else []),
        "family": int(family),
        "address": address if isinstance(address, (list, str, int)) else repr(address),
        "local": is_local_address(family, address if not isinstance(address, list) else tuple(address))
        if kind == "connect" else is_local_host(address),
        "at": time.time(),
    }
    line = (json.dumps(entry, default=repr) + "\n").encode("utf-8", "replace")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)  # one small O_APPEND write: lines from many processes do not interleave
        finally:
            os.close(fd)
    except OSError:
        pass


def install(log_path: str) -> None:
    """Patch `socket` once for this process; later calls only change the log file."""
    global _installed
    already = _installed is not None
    _installed = log_path
    if already:
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        _record("connect", self.family, address)
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        _record("connect", self.family, address)
        return original_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        address = args[-1] if args else None
        if address is not None and not is_local_address(self.family, address):
            _record("connect", self.family, address)  # a datagram to another host (DNS, telemetry)
        return original_sendto(self, data, *args)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_local_host(host):
            _record("resolve", 0, host)
        return original_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo


def _run_the_sitecustomize_this_one_hides() -> None:
    """Being first on PYTHONPATH hides any other `sitecustomize` (a distribution's): run it too."""
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None and spec.origin != os.path.abspath(__file__):
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


if os.environ.get(LOG_ENV) and __name__ == "sitecustomize":
    install(os.environ[LOG_ENV])
    _run_the_sitecustomize_this_one_hides()
