"""The core stages alone, no model server: context + prompt build on a 2,000-line file, post-processing.

Context + prompt is `CompletionService.prepare` (context, token budget, template), timed while a
typist types lines back into the file one character at a time, as the language server would see it:
the first call parses the whole file (reported as `cold_ms`), later calls reparse incrementally.
Post-processing runs the inputs in `data/postprocess_inputs.json` (a snapshot of the golden cases' inputs:
document around the cursor and a model output, in every language; refreshed by
`scripts/bench_postprocess_inputs.py`).

Each call is timed twice: the calling thread's CPU time (`p50_ms`, `p95_ms`, `p99_ms`: what the code
costs; the targets use these) and wall-clock time (`wall_*`: on a shared machine it also counts the
time the OS gave other processes while the call was running; both are reported).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from codepal.bench.stats import summarize
from codepal.bench.typist import big_file, blank_lines, line_offset, sample_text, target_lines
from codepal.complete.postprocess import postprocess
from codepal.complete.service import CompletionService
from codepal.config import CodepalConfig
from codepal.text.lines import split_lines
from codepal.types import CompletionRequest


def context_prompt(config: CodepalConfig, model_name: str, lines_typed: int = 8,
                   file_lines: int = 2000) -> dict[str, Any]:
    text = big_file(sample_text(), file_lines)
    numbers = target_lines(text, lines_typed, start_fraction=0.0)
    service = CompletionService(config.completion, config.engine)
    service.counter(model_name)  # loading the tokenizer is a one-time cost, not a per-request one
    uri = f"file:///bench/{uuid.uuid4().hex[:8]}/stages/big_file.py"
    originals = split_lines(text)
    current = blank_lines(text, numbers)
    samples: list[float] = []
    wall: list[float] = []
    cold_ms = None
    prompt_chars: list[int] = []
    for number in numbers:
        offset = line_offset(current, number)
        for char in originals[number].strip():
            current = current[:offset] + char + current[offset:]
            offset += 1
            request = CompletionRequest(text=current, offset=offset, language="python", uri=uri)
            started, cpu = time.perf_counter(), time.thread_time()
            prepared = service.prepare(request, model_name)
            elapsed = (time.thread_time() - cpu) * 1000
            wall_ms = (time.perf_counter() - started) * 1000
            if cold_ms is None:
                cold_ms = wall_ms
            else:
                samples.append(elapsed)
                wall.append(wall_ms)
            prompt_chars.append(len(prepared.rendered.prompt))
    summary, wall_summary = summarize(samples), summarize(wall)
    return {
        "file_lines": len(split_lines(text)),
        "calls": len(samples),
        "cold_ms": None if cold_ms is None else round(cold_ms, 3),
        "p50_ms": summary["median"],
        "p95_ms": summary["p95"],
        "p99_ms": summary["p99"],
        "max_ms": summary["max"],
        "wall_p50_ms": wall_summary["median"],
        "wall_p95_ms": wall_summary["p95"],
        "wall_p99_ms": wall_summary["p99"],
        "prompt_chars_median": sorted(prompt_chars)[len(prompt_chars) // 2] if prompt_chars else 0,
        "counter": type(service.counter(model_name)).__name__,
    }


@dataclass(frozen=True)
class PostprocessInput:
    """One call of `postprocess`: the document around the cursor and what the model answered."""

    prefix: str
    suffix: str
    output: str
    language: str
    tab_size: int = 4
    insert_spaces: bool = True
    name: str = ""


def postprocess_inputs() -> list[PostprocessInput]:
    """The shipped workload (`data/postprocess_inputs.json`)."""
    text = resources.files("codepal.bench").joinpath("data", "postprocess_inputs.json").read_text(encoding="utf-8")
    return [PostprocessInput(**item) for item in json.loads(text)]


def postprocess_timing(repeats: int = 20, inputs: Iterable[PostprocessInput] | None = None) -> dict[str, Any]:
    """Each call of `postprocess` on every input (the shipped workload by default), `repeats` times: the
    calling thread's CPU time (`p50_ms`, …) and wall-clock time (`wall_*`), in ms."""
    chosen = postprocess_inputs() if inputs is None else list(inputs)
    cpu: list[float] = []
    wall: list[float] = []
    for case in chosen:
        for _ in range(max(1, repeats)):
            started, cpu_started = time.perf_counter(), time.thread_time()
            postprocess(case.prefix, case.suffix, case.output, case.language, tab_size=case.tab_size,
                        insert_spaces=case.insert_spaces)
            cpu.append((time.thread_time() - cpu_started) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    summary, wall_summary = summarize(cpu, digits=4), summarize(wall, digits=4)
    return {
        "cases": len(chosen),
        "calls": len(cpu),
        "p50_ms": summary["median"],
        "p99_ms": summary["p99"],
        "max_ms": summary["max"],
        "wall_p50_ms": wall_summary["median"],
        "wall_p99_ms": wall_summary["p99"],
        "wall_max_ms": wall_summary["max"],
    }
