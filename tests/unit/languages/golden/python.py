"""A golden case for the language registry.

The docstring spans lines."""
import os
from math import sqrt  # a trailing comment


def add(a: int, b: int) -> int:
    return a + b


class Point:
    """A point."""

    def norm(self) -> float:
        total = self.x**2 + self.y**2
        # cursor
        return sqrt(total) + len(os.sep)


label = f"{add(1, 2)} points"  # an f-string
