#!/usr/bin/env bash
# Same-engine A/B of the prefix-cache warm-up at 1/16/64 editors (R1's shape, this tree's code).
set -uo pipefail
export WORK=/tmp/cg VLLM_ALONE=0 PYTHONUNBUFFERED=1
mkdir -p /tmp/o
bash scripts/bench-gpu.sh --wheels /tmp/p --tokenizer .gpu/tok --phase start --out /tmp/o/start || exit 1
echo "engine up at $SECONDS s"
C="--only concurrency --editors 1,16,64 --requests-per-editor 6 --language-servers 64 --completion max_tokens_line=32 --completion max_tokens_block=32"
for run in on off on2 off2; do
  [ $SECONDS -gt 440 ] && { echo "stopping before $run: $SECONDS s"; break; }
  case $run in on*) W=on ;; *) W=off ;; esac
  timeout $((540 - SECONDS)) bash scripts/bench-gpu.sh --phase bench --out /tmp/o/$run --bench "$C --completion warm_cache=$W"
  cp /tmp/o/$run/report.json $OUT/wc-$run-report.json 2>/dev/null
  cp /tmp/o/$run/table.txt $OUT/wc-$run-table.txt 2>/dev/null
  echo "== $run at $SECONDS s"; grep -i "editors" /tmp/o/$run/table.txt | head -8
done
bash scripts/bench-gpu.sh --phase stop --out /tmp/o/start
nvidia-smi --query-gpu=name --format=csv > $OUT/gpu.txt
