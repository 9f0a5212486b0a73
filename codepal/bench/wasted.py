"""Wasted generation: tokens the model generated whose result the user never saw.

It is derived from vLLM's counters (`codepal.client.vllm_metrics`), because vLLM has no per-request view
of aborted work:

* `vllm:generation_tokens_total` counts every generated token, including those of requests aborted when
  their HTTP stream was closed (a cancelled completion);
* `vllm:request_generation_tokens` (histogram) and `vllm:request_success_total{finished_reason}` only
  count requests that finished (stop, length, …). Aborted requests do not reach them in vLLM ≥ 0.11.

So tokens of aborted requests = Δgeneration_tokens − Δrequest_generation_tokens_sum; finished requests
whose answer the editor never showed (superseded, or emptied by post-processing) are counted at the mean
tokens of a finished request. Requests finished with reason `abort` (older versions) count as aborted.

Cache warm-ups (`codepal.complete.warmup`) finish too, with one token each that is never shown: they are
not suggestions, so their requests and tokens are taken out of the finished ones and of the generated
tokens here, and reported on their own (`warmup_generated`).
"""

from __future__ import annotations

from typing import Any

from codepal.client.vllm_metrics import Delta


def wasted_tokens(change: Delta, shown_from_model: int, warmups: int = 0, warmup_tokens: int = 0) -> dict[str, Any]:
    """Generated tokens whose result the user never saw, by the method in the module docstring;
    `warmups` finished warm-up requests that generated `warmup_tokens` are left out."""
    if not change.available or change.generation_tokens is None:
        return {"generated": None, "aborted": None, "finished_not_shown": None, "wasted": None,
                "fraction": None}
    generated = max(0.0, change.generation_tokens - warmup_tokens)
    aborted = change.aborted_tokens or 0.0
    finished = max(0.0, (change.finished_requests or 0.0) - warmups)
    finished_tokens = max(0.0, (change.finished_tokens or 0.0) - warmup_tokens)
    mean = finished_tokens / finished if finished else 0.0
    not_shown = max(0.0, finished - shown_from_model)
    wasted = min(generated, aborted + not_shown * mean)
    return {
        "generated": generated,
        "aborted": round(aborted, 1),
        "finished_requests": finished,
        "finished_not_shown": not_shown,
        "mean_tokens_per_finished": round(mean, 2),
        "wasted": round(wasted, 1),
        "fraction": round(wasted / generated, 4) if generated else 0.0,
        "warmup_generated": warmup_tokens,
    }
