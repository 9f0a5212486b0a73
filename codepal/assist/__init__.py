"""Explain and fix: R1 prompts with a bounded thinking phase, fix extraction, verification, minimal edits."""

from codepal.assist.explain import explain
from codepal.assist.fix import fix

__all__ = ["explain", "fix"]
