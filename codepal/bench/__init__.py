"""`codepal bench`: latency, wasted work and cache reuse of codepal against raw vLLM, side by side.

It drives the real `codepal lsp` over stdio with its own small JSON-RPC client (`rpc`, `editor`), never
pygls or lsprotocol, and reads vLLM's `/metrics` (`metrics`). Scenarios: `overhead`, `stages`,
`typing_session`, `layout`, `typethrough`, `concurrency`, `assist`; `runner` runs them in one process
against one server (`server`), `targets` checks the issue's targets, `report` and `chart` write the
results.
"""
