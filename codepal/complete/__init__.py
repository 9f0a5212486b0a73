"""Inline completion core: context, prompt, request policy, post-processing, cache."""
from codepal.complete.postprocess import postprocess, wants_single_line

__all__ = ["postprocess", "wants_single_line"]
