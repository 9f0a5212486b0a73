"""`codepal bench`: latency, wasted work and cache reuse, measured side by side in one run.

By default it starts vLLM (the CPU build where there is no GPU) on the tiny test model, building the
model into `.cache/test-model` if needed; `--url` measures any running OpenAI-compatible server instead
(e.g. a GPU vLLM serving the real model). Flags after `--` go to the started vLLM unchanged.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codepal.bench.runner import Plan


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true",
                      help="fewer repeats: under 5 minutes on 2 CPU cores (default: the full run, "
                      "with more repeats and 16 language servers)")
    size.add_argument("--smoke", action="store_true", help="one repeat of everything (for tests)")
    size.add_argument("--quality", action="store_true",
                      help="quality instead of speed: the model's raw output against codepal's pipeline on "
                      "completion and fix, on corpora built from code on this machine (under 10 minutes on "
                      "2 CPU cores); writes quality.md and quality.json (default folder: docs/bench)")
    parser.add_argument("--url", help="measure a running OpenAI-compatible server instead of starting one")
    parser.add_argument("--running", action="store_true",
                        help="measure the engine `codepal serve` is running (found like the editors find it)")
    parser.add_argument("--api-key", help="API key for --url (or CODEPAL_ENGINE__API_KEY)")
    parser.add_argument("--model", help="model name on the --url server (default: the first it lists)")
    parser.add_argument("--out", type=Path, help="folder for report.json, chart.png, table.txt, summary.md "
                        "(default: results/<timestamp>)")
    parser.add_argument("--test-model", type=Path,
                        default=Path(os.environ.get("CODEPAL_TEST_MODEL", Path(".cache") / "test-model")),
                        help="where the tiny test model is (built there if missing)")
    quality = parser.add_argument_group("--quality options")
    quality.add_argument("--model-dir", type=Path, help="model folder vLLM serves for --quality "
                         "(default: .cache/real-model, the small real model)")
    quality.add_argument("--points", type=int, help="cursor points (two thirds Python, one third JavaScript; "
                         "default 150, what fits 10 minutes on 2 CPU cores; more for a finer figure)")
    quality.add_argument("--bugs", type=int, help="bug-injected functions to fix (default 20)")
    quality.add_argument("--seed", type=int, default=7, help="corpus and bug sampling seed (default 7)")
    quality.add_argument("--deadline-ms", type=int,
                         help="codepal's completion deadline (default 60000: quality, not queueing, is measured)")
    quality.add_argument("--time-budget", type=float,
                         help="seconds for the whole run; work not started by then is left out and counted "
                         "(default 570 for the default size, none when --points or --bugs is given; 0: none)")
    parser.add_argument("--only", help="comma-separated scenarios: stages, overhead, typing, layout, "
                        "type-through, concurrency, assist, deadline (default: all)")
    parser.add_argument("--real-model", type=Path, default=None,
                        help="a small real model (e.g. .cache/real-model): also run the `deadline` scenario, "
                        "suggestions within the deadline on this machine's engine")
    scale = parser.add_argument_group("scale (to size the run for a GPU; each overrides the plan's value)")
    scale.add_argument("--editors", type=_counts, help="concurrency levels, e.g. 1,16,64,256 simulated editors")
    scale.add_argument("--requests-per-editor", type=int, help="completions each editor asks for, per level")
    scale.add_argument("--language-servers", type=int,
                       help="`codepal lsp` processes the concurrency editors share (one document each)")
    scale.add_argument("--thinking-budget", type=int, help="explain/fix thinking budget (tokens)")
    scale.add_argument("--answer-tokens", type=int, help="explain/fix answer tokens after thinking")
    scale.add_argument("--completion", action="append", default=[], metavar="KEY=VALUE",
                       help="a completion setting for every language server, e.g. max_tokens_line=32 "
                       "(repeatable; defaults: temperature=0, 16-token answers for the tiny model)")


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("editor counts must be at least 1")
    return counts


def scaled_plan(plan: Plan, args: argparse.Namespace) -> Plan:
    """`plan` with the scale flags that were given applied."""
    import dataclasses

    changes: dict[str, Any] = {}
    levels = plan.concurrency
    if args.editors or args.requests_per_editor:
        each = args.requests_per_editor or (levels[-1][1] if levels else 4)
        counts = args.editors or tuple(count for count, _ in levels)
        changes["concurrency"] = tuple((count, each) for count in counts)
    for flag, name in (("language_servers", "language_servers"), ("thinking_budget", "thinking_budget"),
                       ("answer_tokens", "answer_tokens")):
        if getattr(args, flag) is not None:
            changes[name] = getattr(args, flag)
    return dataclasses.replace(plan, **changes) if changes else plan


def completion_overrides(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` flags as completion settings (values read as TOML literals, else plain strings),
    checked against the configuration model."""
    import tomllib

    from codepal.config import CodepalConfig

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--completion {pair!r}: expected KEY=VALUE")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        out[key.strip()] = value
    CodepalConfig().merged({"completion": out}, "--completion")  # raises ConfigError on a bad key or value
    return out


def _command(argv: list[str]) -> str:
    shown, skip = [], False
    for arg in argv:
        if skip:
            shown.append("***")
            skip = False
            continue
        if arg == "--api-key":
            skip = True
        shown.append("--api-key=***" if arg.startswith("--api-key=") else arg)
    return "codepal " + shlex.join(shown)


def run(args: argparse.Namespace) -> int:
    from codepal.bench import chart, report
    from codepal.bench.runner import PLANS, SCENARIOS, Options, run_bench
    from codepal.bench.server import COMPLETION_OPTIONS
    from codepal.engine.device import describe_gpus, gpus, has_cuda_gpu

    plan = scaled_plan(PLANS["smoke" if args.smoke else "quick" if args.quick else "full"], args)
    try:
        COMPLETION_OPTIONS.update(completion_overrides(args.completion))
    except ValueError as exc:
        print(f"codepal: {exc}", file=sys.stderr)
        return 2
    only = tuple(s.strip() for s in args.only.split(",")) if args.only else SCENARIOS
    unknown = [s for s in only if s not in SCENARIOS]
    if unknown and not args.quality:
        print(f"codepal: unknown scenario(s) {', '.join(unknown)} (known: {', '.join(SCENARIOS)})",
              file=sys.stderr)
        return 2
    if args.running:
        from codepal.engine.state import read_state

        info = read_state()
        if info is None:
            print("codepal: no running engine found; start one with `codepal serve`", file=sys.stderr)
            return 2
        args.url, args.api_key, args.model = info.url, info.api_key, args.model or info.model
    if args.api_key is None and args.url:
        args.api_key = os.environ.get("CODEPAL_ENGINE__API_KEY")
    if args.quality:
        from codepal.bench.quality.command import run_quality

        return run_quality(args, _command(sys.argv[1:]) if sys.argv[1:2] == ["bench"] else "codepal bench --quality")
    options = Options(plan, url=args.url, api_key=args.api_key, model=args.model, test_model=args.test_model,
                      vllm_args=list(getattr(args, "passthrough", [])), only=only,
                      real_model=getattr(args, "real_model", None),
                      command=_command(sys.argv[1:]) if sys.argv[1:2] == ["bench"] else "codepal bench")
    out = args.out or Path("results") / time.strftime("%Y%m%d-%H%M%S")
    result, code = asyncio.run(run_bench(options))
    if has_cuda_gpu():  # the engine's card, when it runs on this machine (`--running`, the GPU script)
        result["meta"]["gpus"] = describe_gpus(gpus())
    rows = report.all_rows(result)
    server = result["meta"].get("server", {})
    title = (f"{options.command}  ·  {server.get('mode', '')}  ·  model {server.get('model')}  ·  "
             f"{result['meta']['duration_s']:.0f} s")
    table = report.format_table(rows, title)
    chart_path: Path | None = out / "chart.png"
    try:
        chart.draw(result, out / "chart.png", title)
    except ImportError as exc:  # matplotlib is optional (the `bench` extra)
        print(f"codepal: no chart ({exc}); install matplotlib", file=sys.stderr)
        chart_path = None
    summary = _summary(result, options.command, report.markdown_table(rows), chart_path is not None)
    paths = report.write(result, out, table, summary)
    sys.stdout.write(table)
    print(f"\nreport: {paths['report']}" + (f"\nchart:  {chart_path}" if chart_path else ""))
    if result.get("errors"):
        for name, error in result["errors"].items():
            print(f"codepal: scenario {name} failed: {error}", file=sys.stderr)
    return code


def _summary(result: dict[str, Any], command: str, table: str, chart: bool) -> str:
    meta = result["meta"]
    assert isinstance(meta, dict)
    server = meta.get("server", {})
    engine_start = server.get("engine_start_s")
    settings = meta.get("options", {}).get("completion")
    lines = [
        "# codepal bench results",
        "",
        f"Command: `{command}` (run from the repository root, {meta.get('started')}; "
        f"{meta.get('duration_s')} s in total"
        + (f", of which {engine_start} s starting vLLM)." if engine_start is not None else ")."),
        "",
        (f"Server: {server.get('mode')}, model `{server.get('model')}` on {server.get('device')}. "
         if server.get("mode") else "")
        + f"Machine: {meta.get('cpus')} CPUs, load average {meta.get('loadavg_start')} at the start and "
        f"{meta.get('loadavg_end')} at the end."
        + (f" Completion settings for every language server: `{settings}` (temperature 0, so both paths of a "
           "comparison generate the same; a random model's text is gibberish and post-processing drops some "
           "answers)." if settings is not None else "")
        + (f" GPU: {meta['gpus']}." if meta.get("gpus") else ""),
        "",
        table,
    ]
    if chart:
        lines += ["![codepal bench chart](chart.png)", ""]
    lines += ["## How to read it", "", *notes(result), "",
              "Each figure's method is spelled out in `report.json` under `methods`.", ""]
    return "\n".join(lines)


def notes(result: dict[str, Any]) -> list[str]:
    """Short, data-driven reading notes for the summary."""
    from codepal.bench.targets import lookup

    flips = lookup(result, "lsp_engine_state_flips")
    out: list[str] = []
    if lookup(result, "overhead") is not None:
        out.append(
            "- **Overhead**: for each cursor position the prompt codepal builds is prefilled once, then sent "
            "straight to vLLM and asked of `codepal lsp` as an inline completion, alternating which goes first; "
            f"{lookup(result, 'overhead.pairs_with_same_tokens')} of {lookup(result, 'overhead.pairs')} pairs "
            "sent identical prompt token counts and generated identical token counts. The language server runs "
            "with `debounce_ms: 0` and `cache_size: 0` here; \"added\" is the median of the per-pair differences.")
    if lookup(result, "stages") is not None:
        out.append("- **Core stages** are timed in CPU time of the calling thread (what the code costs); the "
                   "wall-clock rows also count the time the OS gave other processes on this shared machine.")
    if lookup(result, "typing") is not None:
        out.append("- **Wasted tokens** = tokens of requests aborted mid-generation (vLLM's generated-token counter "
                   "minus the per-request histogram of finished requests) plus finished requests whose answer was "
                   "never shown (at the mean tokens of a finished request).")
    if lookup(result, "prefix_cache.block_size") is not None:
        out.append(f"- **Prefix cache**: vLLM caches whole blocks of {lookup(result, 'prefix_cache.block_size')}"
                   " tokens. The layout rows replay the same typing straight to vLLM with the context block moved.")
    if lookup(result, "prefix_cache.hit_rate_after_first") is not None:
        out.append("- **Prefix cache over the typing sessions**: every session types into a new document, whose "
                   "first prompt finds nothing cached whatever the layout, and a prompt can reuse at most the text "
                   "before the earliest edit since the previous one (a typist that jumps far down the file reuses "
                   "little): the row after the layouts gives the rate over every request and after each session's "
                   "first burst. With `completion.warm_cache` the language server prefills each document's prompt "
                   "on open and after pauses while the engine is idle: the target reads the rate over the "
                   "completion requests' prompt tokens (vLLM's counters less the warm-ups' own usage), printed "
                   "next to the rate over every request and the warm-ups' prompt and prefilled tokens.")
    if lookup(result, "deadline") is not None:
        out.append("- **Slow engine**: the small real model on this machine's vLLM build, the service's default "
                   "settings and 3 s deadline, at cursor points of real code (standard library files); the prompt "
                   "and max_tokens are sized from the prefill and decode rates measured on earlier requests "
                   "(the first requests have no measurement yet and run at full context).")
    if isinstance(flips, list) and flips:
        out.append(f"- The language servers saw the engine as *not ready* {len(flips)} time(s): their "
                   "1-second `/health` probe timed out while vLLM was busy; a completion asked then answers "
                   "empty at once.")
    return out
