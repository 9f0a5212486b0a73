"""How much two texts (or byte strings) share at their start or end, compared a slice at a time in C."""

from __future__ import annotations

from typing import AnyStr


def common_prefix(a: AnyStr, b: AnyStr) -> int:
    """Length of the common prefix; compares only what is not yet known to match (O(len) total)."""
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def common_suffix(a: AnyStr, b: AnyStr, limit: int) -> int:
    """Length of the common suffix, at most `limit`."""
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo
