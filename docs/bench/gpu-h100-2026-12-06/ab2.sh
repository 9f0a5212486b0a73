#!/usr/bin/env bash
# Same-machine A/B on the GPU: one engine (`codepal serve`, R1's shape, ŵ-padded tokenizer), then
# `codepal bench --quick --only overhead` from the base code (.gpu/base = df3bfc2, the last GPU-measured
# code) and from this tree, alternating, as many rounds as time allows.
set -uo pipefail
export WORK=/tmp/cg VLLM_ALONE=0 PYTHONUNBUFFERED=1
B="--quick --only overhead --completion warm_cache=on"
mkdir -p /tmp/o
bash scripts/bench-gpu.sh --wheels /tmp/p --tokenizer .gpu/tok --phase start --out /tmp/o/start || exit 1
echo "engine up at $SECONDS s"
python3 -m pip install -q --no-index --no-deps --no-build-isolation --no-compile --target /tmp/cg/site-base .gpu/base \
  && PYTHONPATH=/tmp/cg/site-base:/tmp/cg/site python3 -c "import codepal, codepal_lsp; print('base:', codepal.__file__, codepal_lsp.__file__)"
for run in new base new2 base2 new3 base3; do
  [ $SECONDS -gt 470 ] && { echo "stopping before $run: $SECONDS s"; break; }
  case $run in
    base*) PYTHONPATH=/tmp/cg/site SITE=/tmp/cg/site-base bash .gpu/base/scripts/bench-gpu.sh --phase bench --out /tmp/o/$run --bench "$B" ;;
    new*) bash scripts/bench-gpu.sh --phase bench --out /tmp/o/$run --bench "$B" ;;
  esac
  cp /tmp/o/$run/report.json $OUT/$run-report.json 2>/dev/null
  echo "== $run at $SECONDS s"; grep -m5 "added\|ratio\|prompt build" /tmp/o/$run/table.txt
done
bash scripts/bench-gpu.sh --phase stop --out /tmp/o/start
nvidia-smi --query-gpu=name --format=csv > $OUT/gpu.txt
