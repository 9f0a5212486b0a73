"""Refresh `codepal/bench/data/postprocess_inputs.json`, the post-processing workload of `codepal bench`,
from the inputs of the golden cases in tests/unit/golden (their expected answers stay with the tests).

The benchmark ships this snapshot so that it never reads tests/; refresh it on purpose (its figures then
change) with: PYTHONPATH=. python scripts/bench_postprocess_inputs.py
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.golden import load_dir

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "codepal" / "bench" / "data" / "postprocess_inputs.json"


def main() -> None:
    cases = [{"name": f"{case.language}: {case.name}", "language": case.language, "prefix": case.prefix,
              "suffix": case.suffix, "output": case.output, "tab_size": case.tab_size,
              "insert_spaces": case.insert_spaces} for case in load_dir(ROOT / "tests" / "unit" / "golden")]
    lines = ",\n".join(json.dumps(case, ensure_ascii=False) for case in cases)  # one case a line
    OUT.write_text(f"[\n{lines}\n]\n", encoding="utf-8")
    print(f"{len(cases)} inputs -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
