"""`codepal bench`: latency, wasted work and cache reuse of codepal against raw vLLM, side by side.

It drives the real `codepal lsp` over stdio as an editor would (`editor`, on `codepal.jsonrpc`), never pygls or
lsprotocol, and reads vLLM's `/metrics` (`codepal.client.vllm_metrics`; `wasted` derives the wasted generation
from them). It is an optional layer: `codepal.cli.bench_cmd` imports it only when the command runs.
Scenarios: `overhead`, `stages`, `typing_session`, `layout`, `typethrough`, `concurrency`, `assist`; `runner`
runs them in one process against one server (`server`), `targets` checks the issue's targets, `report` and
`chart` write the results.
"""
