#!/usr/bin/env bash
# Same-engine A/B at 1/16/64 editors: this tree (tokenizer loaded when the engine is ready) against .gpu/base
# (the commit before: loaded by the first completion), alternating.
set -uo pipefail
export WORK=/tmp/cg VLLM_ALONE=0 PYTHONUNBUFFERED=1
mkdir -p /tmp/o
bash scripts/bench-gpu.sh --wheels /tmp/p --tokenizer .gpu/tok --phase start --out /tmp/o/start || exit 1
echo "engine up at $SECONDS s"
python3 -m pip install -q --no-index --no-deps --no-build-isolation --no-compile --target /tmp/cg/site-base .gpu/base \
  && PYTHONPATH=/tmp/cg/site-base:/tmp/cg/site python3 -c "import codepal, codepal_lsp; print('base:', codepal.__file__, codepal_lsp.__file__)"
B="--only concurrency --editors 1,16,64 --requests-per-editor 6 --language-servers 64 --completion max_tokens_line=32 --completion max_tokens_block=32 --completion warm_cache=on"
for run in new base new2 base2 new3 base3; do
  [ $SECONDS -gt 420 ] && { echo "stopping before $run: $SECONDS s"; break; }
  case $run in
    base*) PYTHONPATH=/tmp/cg/site SITE=/tmp/cg/site-base timeout $((540 - SECONDS)) bash .gpu/base/scripts/bench-gpu.sh --phase bench --out /tmp/o/$run --bench "$B" > /tmp/o/$run.log 2>&1 ;;
    new*) timeout $((540 - SECONDS)) bash scripts/bench-gpu.sh --phase bench --out /tmp/o/$run --bench "$B" > /tmp/o/$run.log 2>&1 ;;
  esac
  echo "== $run at $SECONDS s"; grep -i "editor.*p50\|load average" /tmp/o/$run/table.txt
done
python3 - <<'PY' > $OUT/pl-summary.json
import json, glob, os
out = {}
for f in sorted(glob.glob('/tmp/o/*/report.json')):
    d = json.load(open(f)); c = d.get('concurrency') or {}
    out[os.path.basename(os.path.dirname(f))] = [{k: l.get(k) for k in ('editors', 'language_servers', 'p50_ms', 'p95_ms', 'requests_per_s', 'wall_s')} for l in c.get('levels', [])]
print(json.dumps(out, indent=1))
PY
bash scripts/bench-gpu.sh --phase stop --out /tmp/o/start
nvidia-smi --query-gpu=name --format=csv > $OUT/gpu.txt
