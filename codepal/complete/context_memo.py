"""A memo matched by equality instead of by hash, for functions of long strings.

The context build memoises results by text that is the same from keystroke to keystroke (the part of
the file after the cursor, the definitions above it). Those texts are new string objects at every
request, so `functools.lru_cache` hashes each one afresh: SipHash over the whole string, about 30 µs
for 80 kB, several times a keystroke. Comparing a key with the last few keys costs a length check and,
only for an equal length, a `memcmp`: a few µs. The results are the same; only the time differs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import update_wrapper
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class EqualityMemo(Generic[P, R]):
    """The results of the last `size` distinct calls (positional arguments only), most recent first."""

    def __init__(self, function: Callable[P, R], size: int) -> None:
        self._function = function
        self._size = size
        self._entries: list[tuple[tuple[object, ...], R]] = []
        self._lock = threading.Lock()
        update_wrapper(self, function)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        assert not kwargs, "EqualityMemo takes positional arguments only"
        with self._lock:
            for index, (key, value) in enumerate(self._entries):
                if key == args:  # tuples compare item by item: a different length ends a str compare at once
                    if index:
                        self._entries.insert(0, self._entries.pop(index))
                    return value
        value = self._function(*args, **kwargs)
        with self._lock:
            self._entries.insert(0, (args, value))
            del self._entries[self._size :]
        return value

    def of_slice(self, text: str, start: int, end: int, *rest: object) -> R:
        """`self(text[start:end], *rest)`, without copying the slice when a known key equals it (the
        first argument must be a str): the slices this memoises are tens of kB, taken at every call."""
        size = end - start
        with self._lock:
            for index, (key, value) in enumerate(self._entries):
                first = key[0]
                if (isinstance(first, str) and len(first) == size and key[1:] == rest
                        and text.startswith(first, start, end)):
                    if index:
                        self._entries.insert(0, self._entries.pop(index))
                    return value
        return self(*(text[start:end], *rest))  # type: ignore[arg-type, call-arg]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def equality_memo(size: int) -> Callable[[Callable[P, R]], EqualityMemo[P, R]]:
    """Decorator: `EqualityMemo(function, size)`."""

    def wrap(function: Callable[P, R]) -> EqualityMemo[P, R]:
        return EqualityMemo(function, size)

    return wrap
