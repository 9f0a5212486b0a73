#!/usr/bin/env bash
# `codepal serve` on a CUDA machine, then `codepal bench` through it, then stop: the GPU figures of
# docs/bench/gpu-*.md. With no weights it serves DeepSeek-R1-Distill-Qwen-1.5B's exact shape with random
# weights (`--load-format dummy`): the real model's speed, gibberish text.
#
# Usage: scripts/bench-gpu.sh [options] [-- extra vLLM flags]
#   --model DIR        serve these weights (default: R1's shape, random weights, see --tokenizer)
#   --tokenizer DIR    tokenizer for the shape model (default: .cache/test-model, built if missing)
#   --out DIR          where the reports go (default: results/gpu-<time>)
#   --wheels DIR       first install DIR/*.whl and DIR/*.tar.part-* (joined, checked against
#                      DIR/*.tar.sha256) into $SITE, for a machine with no package registry
#   --dp N / --tp N    data / tensor parallel size (vLLM's --data-parallel-size / --tensor-parallel-size)
#   --bench "ARGS"     flags for `codepal bench` (default: $BENCH_ARGS below)
#   --phase P          start | bench | stop | all (default all); start leaves the engine running in its
#                      own session, so the phases can run as separate commands on one machine
# Environment: PYTHON (default python3), WORK (default /tmp/codepal-gpu: state, model, log), SITE,
# VLLM_ALONE=0 to skip the vLLM-alone reference.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
PYTHON=${PYTHON:-python3}
WORK=${WORK:-/tmp/codepal-gpu}
SITE=${SITE:-$WORK/site}
BENCH_ARGS=${BENCH_ARGS:-"--editors 1,16,64,256 --requests-per-editor 6 --language-servers 64 \
--thinking-budget 512 --answer-tokens 256 --completion max_tokens_line=32 --completion max_tokens_block=96"}
model="" tokenizer=".cache/test-model" out="results/gpu-$(date +%Y%m%d-%H%M%S)" wheels="" phase=all
bench="$BENCH_ARGS" vllm_flags=()
while [ $# -gt 0 ]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --tokenizer) tokenizer=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --wheels) wheels=$2; shift 2 ;;
    --dp) vllm_flags+=(--data-parallel-size "$2"); shift 2 ;;
    --tp) vllm_flags+=(--tensor-parallel-size "$2"); shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --phase) phase=$2; shift 2 ;;
    --) shift; vllm_flags+=("$@"); break ;;
    *) echo "bench-gpu: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
mkdir -p "$WORK" "$out"
out=$(cd "$out" && pwd)
export CODEPAL_STATE_DIR=$WORK/state CODEPAL_CACHE_DIR=$WORK/cache CODEPAL_CONFIG_FILE=$WORK/no-config.toml
export HF_HUB_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 PYTHONUNBUFFERED=1
# Torch's sampler instead of FlashInfer's: no kernel compiled at every start.
export VLLM_USE_FLASHINFER_SAMPLER=${VLLM_USE_FLASHINFER_SAMPLER:-0}
# Several GPUs: never NVLink multicast (it can take a shared host's GPUs down).
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
export PYTHONPATH=$SITE:$repo${PYTHONPATH:+:$PYTHONPATH}
codepal() { "$PYTHON" -m codepal "$@"; }
say() { echo "[bench-gpu $(date +%H:%M:%S)] $*" >&2; }

install_wheels() {
  [ -n "$wheels" ] || return 0
  local started=$SECONDS unpack=$WORK/wheels
  mkdir -p "$unpack" "$SITE"
  if compgen -G "$wheels/*.tar.part-*" >/dev/null; then
    local name
    name=$(basename "$(ls "$wheels"/*.tar.part-* | head -1)" | sed 's/\.part-.*//')
    cat "$wheels/$name".part-* > "$unpack/$name"
    (cd "$unpack" && sha256sum -c "$wheels/$name.sha256" && tar xf "$name" && rm "$name")
  fi
  cp "$wheels"/*.whl "$unpack"/ 2>/dev/null || true
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" \
    "$unpack"/*.whl
  rm -rf "$unpack"
  say "installed $(ls "$SITE" | grep -c dist-info) packages into $SITE in $((SECONDS - started)) s"
}

install_codepal() {
  # The adapters install under their own names (codepal_lsp, codepal_jupyter) and `codepal lsp` is found
  # through the package's entry points, so a source tree on PYTHONPATH is not enough: install this tree
  # (no registry needed: --no-index, its dependencies come with --wheels or are there already).
  "$PYTHON" -c "import codepal_lsp" 2>/dev/null && return 0
  mkdir -p "$SITE"
  "$PYTHON" -m pip install -q --no-index --no-deps --no-build-isolation --no-compile --target "$SITE" "$repo"
  say "installed codepal from $repo into $SITE"
}

served_model() {  # sets $served (not in a subshell: it adds a vLLM flag)
  if [ -n "$model" ]; then served=$model; return; fi
  if [ ! -f "$tokenizer/tokenizer.json" ]; then codepal make-test-model --if-missing "$tokenizer" >&2; fi
  "$PYTHON" -m codepal.bench.shape_model "$tokenizer" "$WORK/r1-shape" >/dev/null
  vllm_flags=(--load-format dummy "${vllm_flags[@]}")
  served=$WORK/r1-shape
}

start_engine() {
  install_wheels
  install_codepal
  local served started=$SECONDS
  served_model
  { echo "## before start"; codepal doctor --model "$served" 2>&1; } > "$out/doctor.txt" || true
  cat "$out/doctor.txt" >&2
  say "starting: codepal serve --model $served -- ${vllm_flags[*]}"
  setsid "$PYTHON" -m codepal serve --model "$served" --no-restart -- "${vllm_flags[@]}" \
    > "$WORK/serve.log" 2>&1 < /dev/null &
  echo $! > "$WORK/serve.pid"
  until [ -f "$CODEPAL_STATE_DIR/engine.json" ]; do
    if ! kill -0 "$(cat "$WORK/serve.pid")" 2>/dev/null; then
      say "codepal serve exited while starting:"; tail -40 "$WORK/serve.log" >&2
      tail -c 2000000 "$CODEPAL_STATE_DIR/vllm.log" > "$out/vllm.log" 2>/dev/null || true
      return 1
    fi
    if [ $((SECONDS - started)) -gt 900 ]; then say "not ready after 900 s"; stop_engine; return 1; fi
    sleep 1
  done
  cat "$WORK/serve.log" >&2
  say "engine ready after $((SECONDS - started)) s"
}

run_bench() {
  local served=${model:-$WORK/r1-shape}
  { echo "## engine running"; codepal doctor --model "$served" 2>&1; } | tee -a "$out/doctor.txt" >&2 || true
  # shellcheck disable=SC2086  # $bench is a list of flags
  local status=0
  codepal bench --running $bench --out "$out" 2> >(tee "$out/bench.log" >&2) || status=$?
  if [ "${VLLM_ALONE:-1}" = 1 ]; then
    say "vLLM alone on the same engine, for reference"
    "$PYTHON" scripts/vllm_alone.py "$out/vllm-alone.json" >/dev/null 2> >(tee -a "$out/bench.log" >&2) || status=$?
  fi
  return $status
}

stop_engine() {
  [ -f "$WORK/serve.pid" ] || return 0
  local pid
  pid=$(cat "$WORK/serve.pid")
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$WORK/serve.pid"
  { echo "## codepal serve"; cat "$WORK/serve.log"; } >> "$out/doctor.txt" 2>/dev/null || true
  tail -c 2000000 "$CODEPAL_STATE_DIR/vllm.log" > "$out/vllm.log" 2>/dev/null || true
  say "engine stopped"
}

case $phase in
  start) start_engine ;;
  bench) run_bench ;;
  stop) stop_engine ;;
  all)
    trap 'stop_engine' EXIT  # also when interrupted: the engine runs in its own session
    trap 'exit 130' INT TERM
    start_engine
    status=0
    run_bench || status=$?
    stop_engine
    exit $status ;;
  *) echo "bench-gpu: --phase is start, bench, stop or all" >&2; exit 2 ;;
esac
