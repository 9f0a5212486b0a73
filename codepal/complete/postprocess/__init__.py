"""Post-processing of raw model completions: a pipeline of small pure filters.

Each filter is `(ctx, text) -> text`, idempotent, and never looks further than a window around the
cursor. `postprocess` runs them all and never raises.
"""

from codepal.complete.postprocess.context import Context, make_context, wants_single_line
from codepal.complete.postprocess.pipeline import FILTERS, cursor_context, postprocess, run_filters

__all__ = ["FILTERS", "Context", "cursor_context", "make_context", "postprocess", "run_filters",
           "wants_single_line"]
