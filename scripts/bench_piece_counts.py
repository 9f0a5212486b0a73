"""Print what a token count costs with a Qwen2-shaped tokenizer (the product's DeepSeek-R1-Distill-Qwen-1.5B has
Qwen2's; it is made here from the test model's vocabulary, see tests/support/shaped_tokenizers.py): a 16-line
block of the bench's sample text counted from remembered pieces against the tokenizer's own encoding, back to
back and after the process was idle half a second, and what the check at load (`_PieceCounts.of`) costs.

Hold the bench lock: flock /tmp/codepal-bench.lock env PYTHONPATH=. python scripts/bench_piece_counts.py
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from codepal.bench.typist import sample_text
from codepal.complete.budget import TokenizerFileCounter, _PieceCounts
from tests.support.shaped_tokenizers import QWEN2_REGEX, R1_ADDED, shaped

ROOT = Path(__file__).resolve().parents[1]
BLOCK = 16
SAMPLES = 40


def median_us(calls: list[Callable[[], object]], idle_s: float) -> float:
    """Median time of the calls, each after `idle_s` of sleep."""
    times = []
    for call in calls:
        if idle_s:
            time.sleep(idle_s)
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tokenizer.json"
        path.write_text(json.dumps(shaped(QWEN2_REGEX, added=R1_ADDED)), encoding="utf-8")
        counter = TokenizerFileCounter(path)
        measure(counter, path)


def measure(counter: TokenizerFileCounter, path: Path) -> None:
    pieces = counter._pieces
    assert pieces is not None, "the Qwen2-shaped tokenizer is not counted by pieces"
    text = sample_text()
    list(counter.learn(text))  # as for an open document: its pieces learned while the editor is idle
    lines = text.splitlines(keepends=True)
    blocks = ["".join(lines[at : at + BLOCK]) for at in range(len(lines) - BLOCK)][:SAMPLES]
    assert all(pieces.count(block, counter._encode) == counter._encode(block) for block in blocks)
    print(f"Qwen2-shaped tokenizer, {len(blocks)} blocks of {BLOCK} lines ({statistics.mean(map(len, blocks)):.0f}"
          f" characters on average) of {Path('codepal/bench/data/sample_source.py.txt')}; medians, µs")
    print(f"{'':28}{'pieces':>10}{'whole':>10}")
    for label, idle_s in (("back to back", 0.0), ("after time.sleep(0.5)", 0.5)):
        by_pieces = median_us([lambda block=block: pieces.count(block, counter._encode) for block in blocks], idle_s)
        whole = median_us([lambda block=block: counter._encode(block) for block in blocks], idle_s)
        print(f"{label:28}{by_pieces:10.1f}{whole:10.1f}")
    for name, tokenizer_path in (("Qwen2-shaped", path), ("test model (GPT-2 split)", None),
                                 ("real model (GPT-2 split)", None)):
        if tokenizer_path is None:
            tokenizer_path = ROOT / ".cache" / ("test-model" if "test" in name else "real-model") / "tokenizer.json"
            if not tokenizer_path.is_file():
                continue
            loaded = TokenizerFileCounter(tokenizer_path)
        else:
            loaded = counter
        check = [lambda loaded=loaded: _PieceCounts.of(loaded._tokenizer, loaded._encode_many)] * SAMPLES
        load = [lambda tokenizer_path=tokenizer_path: TokenizerFileCounter(tokenizer_path)] * 5
        print(f"{name}: _PieceCounts.of {median_us(check, 0.0) / 1000:.2f} ms (median of {SAMPLES}), of a whole"
              f" TokenizerFileCounter load {median_us(load, 0.0) / 1000:.1f} ms (median of 5)")


if __name__ == "__main__":
    main()
