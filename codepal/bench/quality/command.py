"""`codepal bench --quality`: run, print the table, write `quality.md` and `quality.json`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from codepal.bench.quality import table
from codepal.bench.quality.runner import PLANS, REAL_MODEL_DIR, Options, run

DEFAULT_OUT = Path("docs") / "bench"

NOTES = [
    "- **Both sides** run on the same server with greedy decoding and the generation budget codepal picks "
    "for the cursor (one line mid-line, a block at the end of a line). *Raw model output* is the document's "
    "text before the cursor sent as is to `/v1/completions`, its answer inserted as is. *codepal* is "
    "`CompletionService.complete()`, the core entry point every editor uses (context, token budget, prompt, "
    "post-processing), with debounce and cache off so every point is a fresh request, and a 60 s deadline: "
    "requests wait in vLLM's batch behind a dozen others, which no single editor does, so the default 3 s "
    "deadline would measure the queue, not the suggestions.",
    "- **Cursor points** come from files sampled with the seed among the standard library, the installed "
    "packages and the VS Code client's `node_modules` (600–6,000 bytes, hand-written-looking, valid to "
    "start with). Kinds: *mid_line* (rest of a line removed), *line_start* (a line's code removed, cursor "
    "after its indentation), *block* (the body after a `:` or `{` line removed).",
    "- **Figures**: *first line exactly right* compares the suggestion's first line with the removed "
    "text's (indentation included); *the file still parses* counts shown suggestions after which the file "
    "compiles (Python `compile()`) or parses without errors (tree-sitter, JavaScript); *characters a user "
    "would accept* is the longest prefix of the suggestion equal to the removed text (text beyond it never "
    "counts); the share is accepted characters over all characters shown; *not one character right* counts "
    "suggestions that only cost the user reading. Rows marked *(info)* are context: showing something is "
    "not a goal in itself (raw output shows whatever comes), and time is what the work costs.",
    "- **Fix**: small programs with checks get one injected bug each (renamed variable, missing import, "
    "off-by-one, wrong operator, wrong attribute); both sides are told the check's error and given the "
    "buggy function, with the same answer budget (512 tokens). *Raw*: a plain chat request, the answer's "
    "first code block pasted over the function. *codepal*: `codepal.assist.fix()` (a refusal leaves the "
    "file as it was). Each new file is checked again in a subprocess: *fixed* (the check passes), "
    "*damaged* (it no longer compiles, or code outside the function and the imports changed), *changed but "
    "still failing*, or unchanged.",
]


def options_from(args: argparse.Namespace, command: str) -> Options:
    plan = PLANS["full"]
    if args.points is not None:
        python = round(args.points * 2 / 3)
        plan = replace(plan, name="custom", python_points=python, javascript_points=args.points - python)
    if args.bugs is not None:
        plan = replace(plan, name="custom", bugs=args.bugs)
    opts = Options(plan, seed=args.seed, model_dir=args.model_dir or REAL_MODEL_DIR, url=args.url,
                   api_key=args.api_key, model=args.model, vllm_args=list(getattr(args, "passthrough", [])),
                   command=command)
    if args.deadline_ms is not None:
        opts.deadline_ms = args.deadline_ms
    # The 10-minute budget belongs to the default size; a size asked for is run whole unless bounded.
    if args.time_budget is not None:
        opts.time_budget_s = args.time_budget if args.time_budget > 0 else float("inf")
    elif plan.name == "custom":
        opts.time_budget_s = float("inf")
    return opts


def run_quality(args: argparse.Namespace, command: str) -> int:
    opts = options_from(args, command)
    try:
        report = run(opts)
    except FileNotFoundError as exc:
        print(f"codepal: {exc}", file=sys.stderr)
        return 2
    rows = table.rows(report)
    paths = table.write(report, args.out or DEFAULT_OUT, NOTES)
    sys.stdout.write(table.terminal_table(rows, table.title(report)))
    print(f"\nreport: {paths['md']} and {paths['json']}")
    return 0
