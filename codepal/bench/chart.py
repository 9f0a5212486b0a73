"""One PNG with a panel per scenario (matplotlib, imported only here, with the Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codepal.bench.targets import lookup


def _num(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def draw(report: Mapping[str, Any], path: Path, title: str = "codepal bench") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt


    def get(key: str) -> Any:
        return lookup(report, key)

    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    fig.suptitle(title, fontsize=11)

    ax = axes[0][0]
    labels = ["median", "p95"]
    direct = [_num(get("overhead.direct_ms.median")), _num(get("overhead.direct_ms.p95"))]
    lsp = [_num(get("overhead.lsp_ms.median")), _num(get("overhead.lsp_ms.p95"))]
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], direct, 0.4, label="direct to vLLM")
    ax.bar([x + 0.2 for x in xs], lsp, 0.4, label="through codepal lsp")
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("ms")
    paired = get("overhead.estimator") or "end to end"
    ax.set_title(f"Overhead: ratio {get('overhead.ratio_median')} (paired, {paired})")
    ax.legend(fontsize=8)

    ax = axes[0][1]
    modes = [m for m in ("fast", "human") if get(f"typing.{m}") is not None]
    per_key = [_num(get(f"typing.{m}.requests_per_keystroke")) for m in modes]
    wasted = [_num(get(f"typing.{m}.wasted_fraction")) for m in modes]
    xs = range(len(modes))
    ax.bar([x - 0.2 for x in xs], per_key, 0.4, label="model requests / keystroke")
    ax.bar([x + 0.2 for x in xs], wasted, 0.4, label="tokens thrown away (fraction)")
    ax.axhline(0.15, color="C0", linestyle=":", linewidth=1)
    ax.axhline(0.10, color="C1", linestyle=":", linewidth=1)
    ax.set_xticks(list(xs), ["40 ms/key" if m == "fast" else "human-like" for m in modes])
    ax.set_title("Typing session (dotted: targets)")
    ax.legend(fontsize=8)

    ax = axes[0][2]
    names = ["codepal", "context_on_top", "stable_only"]
    xs = range(len(names))
    for shift, pattern, label in ((-0.2, "fast", "40 ms/key"), (0.2, "human", "human-like")):
        rates = [_num(get(f"prefix_cache.layouts.{n}.{pattern}_hit_rate")) * 100 for n in names]
        ax.bar([x + shift for x in xs], rates, 0.4, label=label)
    ax.set_xticks(list(xs), ["codepal", "context at\ncursor", "stable only"])
    sessions = _num(get("prefix_cache.hit_rate")) * 100
    ax.axhline(90, color="k", linestyle=":", linewidth=1)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of prompt tokens from cache")
    ax.set_title(f"Prefix cache by layout (LSP sessions' completions: {sessions:.0f} %)")
    ax.legend(fontsize=8)

    ax = axes[1][0]
    levels = get("concurrency.levels") or []
    if levels:
        counts = [lv["editors"] for lv in levels]
        ax.plot(counts, [_num(lv.get("p50_ms")) for lv in levels], "o-", label="p50")
        ax.plot(counts, [_num(lv.get("p95_ms")) for lv in levels], "s--", label="p95")
        ax.set_xscale("log", base=2)
        ax.set_xticks(counts, [str(c) for c in counts])
        ax.set_xlabel("editors")
        ax.set_ylabel("ms")
        twin = ax.twinx()
        twin.plot(counts, [_num(lv.get("requests_per_s")) for lv in levels], "^:", color="C3",
                  label="requests/s")
        twin.set_ylabel("requests/s")
        ax.legend(loc="upper left", fontsize=8)
        twin.legend(loc="lower right", fontsize=8)
    ax.set_title("Concurrency")

    ax = axes[1][1]
    groups = [(k, b) for k in ("explain", "fix") for b in ("with_budget", "no_budget")]
    firsts = [_num(get(f"assist.{k}_{b}.first_progress_ms")) / 1000 for k, b in groups]
    dones = [_num(get(f"assist.{k}_{b}.done_ms")) / 1000 for k, b in groups]
    xs = range(len(groups))
    ax.bar([x - 0.2 for x in xs], firsts, 0.4, label="first progress")
    ax.bar([x + 0.2 for x in xs], dones, 0.4, label="done")
    ax.set_xticks(list(xs), [f"{k}\n{'budget' if b == 'with_budget' else 'no limit'}" for k, b in groups])
    ax.set_ylabel("s")
    ax.set_title("Explain / fix")
    ax.legend(fontsize=8)

    ax = axes[1][2]
    stage_labels = ["context+prompt\np95 (<10)", "post-processing\np99 (<2)", "type-through\nmedian (<=2)"]
    values = [_num(get("stages.context_prompt.p95_ms")), _num(get("stages.postprocess.p99_ms")),
              _num(get("type_through.latency_median_ms"))]
    limits = [10, 2, 2]
    colors = ["C2" if v <= lim else "C3" for v, lim in zip(values, limits, strict=True)]
    ax.bar(stage_labels, values, color=colors)
    for x, lim in enumerate(limits):
        ax.hlines(lim, x - 0.4, x + 0.4, colors="k", linestyles=":")
    ax.set_ylabel("ms")
    ax.set_title("Core stages (dotted: targets)")

    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
