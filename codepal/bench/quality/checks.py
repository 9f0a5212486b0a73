"""Run a program's check against a version of its module, in a subprocess with a timeout.

The module is written as `target.py` next to the check in a fresh temporary folder; the child gets no
PYTHONPATH and no user site, so it sees only the standard library and this file. A check that raises,
exits non-zero or runs past the timeout fails; its stderr says why (the error a user would see).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from codepal.types import Problem

TIMEOUT_S = 10.0
_TARGET_LINE = re.compile(r'File "[^"]*target\.py", line (\d+)')


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    error: str  # the last line of the traceback ("NameError: name 'x' is not defined"), or why it failed
    stderr: str

    def problem(self) -> Problem:
        """The failure as a user would hand it to Fix: the error, its line in target.py, the traceback."""
        name = self.error.split(":", 1)[0] if ":" in self.error else ""
        lines = [int(m) for m in _TARGET_LINE.findall(self.stderr)]
        return Problem(self.error, line=lines[-1] - 1 if lines else None,
                       traceback=self.stderr.replace("\r", ""), error_name=name if name.isidentifier() else "")


def _write(folder: str, module: str, check: str) -> None:
    Path(folder, "target.py").write_text(module, encoding="utf-8")
    Path(folder, "check.py").write_text(check, encoding="utf-8")


async def run_check(module: str, check: str, timeout: float = TIMEOUT_S) -> CheckResult:
    with tempfile.TemporaryDirectory(prefix="codepal-quality-") as folder:
        _write(folder, module, check)  # two small files: not worth a thread
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-E", "-s", "check.py", cwd=folder, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        try:
            _, err = await asyncio.wait_for(process.communicate(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return CheckResult(False, f"TimeoutError: the check ran longer than {timeout:.0f} s", "")
    stderr = err.decode("utf-8", "replace").replace(folder, ".")
    if process.returncode == 0:
        return CheckResult(True, "", stderr)
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return CheckResult(False, lines[-1].strip() if lines else f"exit status {process.returncode}", stderr)
