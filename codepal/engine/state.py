"""The state file other surfaces use to find a running engine (its states: `codepal.engine.health`)."""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from codepal.paths import state_dir


@dataclass(frozen=True)
class EngineInfo:
    """What a surface needs to talk to an engine. Written to the state file (mode 0600)."""

    url: str
    api_key: str | None
    model: str
    pid: int | None  # the `codepal serve` process owning the server; None when attached by URL
    device: str = "cpu"
    thinks: bool = True  # the model thinks first (R1's <think>); False for models without the tokens
    notice: str = ""  # shown by every surface; says so when the 135 M demo model stands in for R1

    def __repr__(self) -> str:  # never print the key
        return f"EngineInfo(url={self.url!r}, model={self.model!r}, pid={self.pid})"


def state_file() -> Path:
    return state_dir() / "engine.json"


def write_state(info: EngineInfo, path: Path | None = None) -> Path:
    target = path or state_file()
    tmp = target.with_suffix(".tmp")
    # Created 0600 from the start: the key is never readable by others, not even briefly.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(asdict(info), handle)
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return target


def read_state(path: Path | None = None) -> EngineInfo | None:
    """The recorded engine, or None when there is none or it is stale (its owner is gone)."""
    target = path or state_file()
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
        info = EngineInfo(**data)
    except (OSError, ValueError, TypeError):
        return None
    if info.pid is not None and not _pid_alive(info.pid):
        return None
    return info


def remove_state(pid: int | None = None, path: Path | None = None) -> None:
    """Remove the state file, but only if it is ours (another engine may have replaced it)."""
    target = path or state_file()
    with contextlib.suppress(OSError, ValueError, TypeError):
        data = json.loads(target.read_text(encoding="utf-8"))
        if pid is None or data.get("pid") == pid:
            target.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
