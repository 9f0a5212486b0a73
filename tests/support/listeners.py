"""Where processes listen (psutil), tolerating a process that exits while it is being looked at."""

from __future__ import annotations

import psutil


def listeners(processes: list[psutil.Process]) -> list[str]:
    """`ip:port` of every listening inet socket of `processes`; a process gone meanwhile is skipped."""
    found = []
    for proc in processes:
        try:
            found += [f"{c.laddr.ip}:{c.laddr.port}" for c in proc.net_connections("inet")
                      if c.status == psutil.CONN_LISTEN]
        except psutil.Error:  # exited (or became a zombie) between listing and looking
            continue
    return found
