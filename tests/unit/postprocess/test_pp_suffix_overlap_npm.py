"""End-of-line completions in real JavaScript that copy the code after the cursor.

From each of the first 300 JavaScript files of the VS Code client's `node_modules` (sorted, seeded
picks), cursor points at the end of a line whose next line is removed; the "model" writes that line and
then copies the next 1-4 non-blank lines of the suffix, the last one whole or cut short as `max_tokens`
cuts it. Counted: suggestions that still hold the copied lines after post-processing. Skipped when the
client's dependencies are not installed.
"""

from __future__ import annotations

import random

import pytest

from codepal.bench.quality.sources import _walk, node_modules_root
from codepal.complete.postprocess import postprocess


def _share_keeping_copies(cut_last_line: bool, seed: int = 1) -> tuple[int, int]:
    root = node_modules_root()
    if root is None:
        pytest.skip("vscode-client/node_modules is not installed")
    rng = random.Random(seed)
    files = sorted(_walk(root, ".js"))
    rng.shuffle(files)
    cases = kept = 0
    for path in files[:300]:
        text = (path if path.is_absolute() else root / path).read_text(encoding="utf-8", errors="replace")
        lines = text.split("\n")
        if len(lines) < 20:
            continue
        for _ in range(5):
            i = rng.randrange(3, len(lines) - 8)
            if not lines[i].strip() or not lines[i + 1].strip():
                continue
            copied = [line for line in lines[i + 2 :] if line.strip()][: rng.randint(1, 4)]
            completion = "\n" + lines[i + 1] + "\n" + "\n".join(copied)
            if cut_last_line:
                completion = completion[: len(completion) - rng.randint(1, max(1, len(copied[-1]) // 2))]
            prefix, suffix = "\n".join(lines[: i + 1]), "\n" + "\n".join(lines[i + 2 :])
            out = postprocess(prefix, suffix, completion, "javascript", insert_spaces="\n\t" not in text)
            shown = [line.strip() for line in out.split("\n") if line.strip()]
            cases += 1
            kept += len(shown) > 1 and copied[0].strip().startswith(shown[1])
    return kept, cases


@pytest.mark.parametrize(("cut_last_line", "limit"), [(False, 0.02), (True, 0.12)])
def test_copied_suffix_lines_are_dropped(cut_last_line: bool, limit: float) -> None:
    kept, cases = _share_keeping_copies(cut_last_line)
    assert cases > 500
    assert kept / cases <= limit, f"{kept} of {cases} suggestions keep lines copied from the suffix"
