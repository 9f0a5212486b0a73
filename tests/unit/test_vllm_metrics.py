"""The shared reader of vLLM's `/metrics` (parsing, snapshots, deltas), and the wasted-token method of
`codepal bench` built on it."""

from __future__ import annotations

from codepal.bench.wasted import wasted_tokens
from codepal.client import vllm_metrics as vm

BEFORE = """\
# HELP vllm:generation_tokens_total Number of generation tokens processed.
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{engine="0",model_name="codepal-test"} 100.0
vllm:generation_tokens_created{engine="0",model_name="codepal-test"} 1.79e+09
vllm:prompt_tokens_total{engine="0",model_name="codepal-test"} 1000.0
vllm:prefix_cache_queries_total{engine="0",model_name="codepal-test"} 1000.0
vllm:prefix_cache_hits_total{engine="0",model_name="codepal-test"} 500.0
vllm:request_success_total{engine="0",finished_reason="stop",model_name="codepal-test"} 1.0
vllm:request_success_total{engine="0",finished_reason="length",model_name="codepal-test"} 5.0
vllm:request_success_total{engine="0",finished_reason="abort",model_name="codepal-test"} 0.0
vllm:request_generation_tokens_sum{engine="0",model_name="codepal-test"} 96.0
vllm:request_generation_tokens_count{engine="0",model_name="codepal-test"} 6.0
vllm:e2e_request_latency_seconds_bucket{engine="0",le="0.3",model_name="codepal-test"} 6.0
vllm:e2e_request_latency_seconds_count{engine="0",model_name="codepal-test"} 6.0
vllm:e2e_request_latency_seconds_sum{engine="0",model_name="codepal-test"} 0.5
vllm:num_requests_running{engine="0",model_name="codepal-test"} 0.0
vllm:cache_config_info{block_size="128",enable_prefix_caching="True",engine="0"} 1.0
"""

AFTER = """\
vllm:generation_tokens_total{engine="0",model_name="codepal-test"} 300.0
vllm:prompt_tokens_total{engine="0",model_name="codepal-test"} 5000.0
vllm:prefix_cache_queries_total{engine="0",model_name="codepal-test"} 5000.0
vllm:prefix_cache_hits_total{engine="0",model_name="codepal-test"} 4100.0
vllm:request_success_total{engine="0",finished_reason="stop",model_name="codepal-test"} 1.0
vllm:request_success_total{engine="0",finished_reason="length",model_name="codepal-test"} 9.0
vllm:request_success_total{engine="0",finished_reason="abort",model_name="codepal-test"} 0.0
vllm:request_generation_tokens_sum{engine="0",model_name="codepal-test"} 160.0
vllm:request_generation_tokens_count{engine="0",model_name="codepal-test"} 10.0
vllm:e2e_request_latency_seconds_sum{engine="0",model_name="codepal-test"} 0.875
vllm:num_requests_running{engine="0",model_name="codepal-test"} 2.0
"""


def test_parse_prometheus_reads_labels_values_and_skips_comments() -> None:
    samples = vm.parse_prometheus(BEFORE + 'odd{a="x\\"y,z"} 2.5 1700000000\nnot a metric line\n')
    assert vm.total(samples, "vllm:generation_tokens_total") == 100.0
    assert vm.total(samples, "vllm:request_success_total") == 6.0
    assert vm.total(samples, "vllm:request_success_total", finished_reason="length") == 5.0
    assert vm.total(samples, "vllm:missing") is None
    assert samples["odd"] == [({"a": 'x"y,z'}, 2.5)]
    assert not any(name.startswith("#") for name in samples)


def test_snapshot_and_delta() -> None:
    before, after = vm.snapshot(BEFORE), vm.snapshot(AFTER)
    assert before.available and before.block_size == 128 and after.get("running") == 2.0
    change = vm.delta(before, after)
    assert change.generation_tokens == 200.0
    assert change.prompt_tokens == 4000.0
    assert change.prefix_cache_hits == 3600.0 and change.prefix_cache_queries == 4000.0
    assert change.hit_rate == 0.9
    assert change.finished_tokens == 64.0 and change.finished_requests == 4.0
    assert change.aborted_tokens == 136.0  # generated, but by requests that never finished
    assert change.engine_seconds == 0.375  # the finished requests' own time in the engine


def test_older_vllm_metric_names_are_understood() -> None:
    old = BEFORE.replace("vllm:prefix_cache_", "vllm:gpu_prefix_cache_")
    assert vm.snapshot(old).get("prefix_cache_hits") == 500.0


def test_servers_without_metrics_give_an_unavailable_delta() -> None:
    for text in (None, "", "# nothing here\n", "llamacpp:tokens_predicted_total 5\n"):
        assert not vm.snapshot(text).available
    change = vm.delta(vm.snapshot(None), vm.snapshot(AFTER))
    assert not change.available and change.hit_rate is None and change.aborted_tokens is None
    assert wasted_tokens(change, 3)["fraction"] is None


def test_wasted_tokens_counts_aborted_and_finished_but_never_shown() -> None:
    change = vm.delta(vm.snapshot(BEFORE), vm.snapshot(AFTER))
    # 4 requests finished (64 tokens, 16 each); 136 tokens belonged to aborted requests.
    all_shown = wasted_tokens(change, shown_from_model=4)
    assert all_shown["wasted"] == 136.0 and all_shown["fraction"] == 0.68
    one_shown = wasted_tokens(change, shown_from_model=1)
    assert one_shown["finished_not_shown"] == 3.0 and one_shown["wasted"] == 136.0 + 3 * 16
    none_generated = vm.Delta(True, generation_tokens=0.0, finished_tokens=0.0, finished_requests=0.0)
    assert wasted_tokens(none_generated, 0)["fraction"] == 0.0


def test_requests_that_a_server_books_as_aborted_do_not_count_as_finished() -> None:
    after = AFTER.replace('finished_reason="abort",model_name="codepal-test"} 0.0',
                          'finished_reason="abort",model_name="codepal-test"} 3.0')
    change = vm.delta(vm.snapshot(BEFORE), vm.snapshot(after))
    assert change.finished_requests == 4.0 and change.aborted_requests_counted == 3.0


def test_histograms_as_vllm_exports_them() -> None:
    text = """\
# HELP vllm:request_generation_tokens Number of generation tokens processed.
# TYPE vllm:request_generation_tokens histogram
vllm:request_generation_tokens_bucket{engine="0",le="1.0",model_name="m"} 2.0
vllm:request_generation_tokens_bucket{engine="0",le="+Inf",model_name="m"} 7.0
vllm:request_generation_tokens_count{engine="0",model_name="m"} 7.0
vllm:request_generation_tokens_sum{engine="0",model_name="m"} 93.0
"""
    samples = vm.parse_prometheus(text)
    assert vm.total(samples, "vllm:request_generation_tokens_bucket", le="+Inf") == 7.0
    snap = vm.snapshot(text + "vllm:generation_tokens_total 93\n")
    assert snap.get("request_generation_tokens_sum") == 93.0 and snap.get("request_generation_tokens_count") == 7.0


def test_only_the_named_samples_are_read_when_asked() -> None:
    samples = vm.parse_prometheus(BEFORE, only=frozenset({"vllm:prompt_tokens_total", "vllm:missing"}))
    assert samples == {"vllm:prompt_tokens_total": [({"engine": "0", "model_name": "codepal-test"}, 1000.0)]}
    assert vm.snapshot(BEFORE) == vm.snapshot(BEFORE + 'vllm:request_generation_tokens_bucket{le="1.0"} 2.0\n')


def test_waste_over_sessions_is_the_share_of_all_their_tokens() -> None:
    from codepal.bench.runner import pooled_waste

    sessions = [{"generated_tokens": 80.0, "wasted_tokens": 0.0, "wasted_fraction": 0.0},
                {"generated_tokens": 64.0, "wasted_tokens": 16.0, "wasted_fraction": 0.25}]
    pooled = pooled_waste(sessions)
    assert pooled["wasted_fraction"] == round(16 / 144, 4) and pooled["generated_tokens"] == 144
    assert pooled["wasted_fraction_median"] == 0.125 and pooled["sessions"] == 2
    assert pooled_waste([{"generated_tokens": None, "wasted_tokens": None, "wasted_fraction": None}]) == {}
