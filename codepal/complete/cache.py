"""Type-through cache: typing the first characters of a shown suggestion needs no new request.

An LRU keyed on (prefix, suffix) around the cursor. A lookup for a longer prefix walks back to an
entry whose suggestion starts with the characters typed since, and returns the rest.
"""

from __future__ import annotations

from collections import OrderedDict

PREFIX_KEY = 400  # characters before the cursor that identify a position
SUFFIX_KEY = 100
MAX_WALK_BACK = 64  # how many typed characters a lookup walks back over


class SuggestionCache:
    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, str], str] = OrderedDict()

    def put(self, prefix: str, suffix: str, suggestion: str) -> None:
        if self.size <= 0 or not suggestion:
            return
        key = (prefix[-PREFIX_KEY:], suffix[:SUFFIX_KEY])
        self._entries[key] = suggestion
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def get(self, prefix: str, suffix: str) -> str | None:
        """The remainder of a cached suggestion that the user has been typing through, if any."""
        if not self._entries:
            return None
        suffix_key = suffix[:SUFFIX_KEY]
        for typed in range(min(MAX_WALK_BACK, len(prefix)) + 1):
            base = prefix[: len(prefix) - typed] if typed else prefix
            suggestion = self._entries.get((base[-PREFIX_KEY:], suffix_key))
            if suggestion is None:
                continue
            typed_text = prefix[len(prefix) - typed:] if typed else ""
            if suggestion.startswith(typed_text) and len(suggestion) > len(typed_text):
                self._entries.move_to_end((base[-PREFIX_KEY:], suffix_key))
                return suggestion[len(typed_text):]
            return None
        return None

    def clear(self) -> None:
        self._entries.clear()
