"""`codepal bench --quality`: what codepal adds on top of a model, measured on real code.

Built at run time from code on this machine, with a fixed seed: Python from the standard library and the
installed packages, JavaScript from the VS Code client's `node_modules` (`sources`); cursor points with
the real text removed after them (`cursors`); bug-injected functions with checks (`bugs`). The model's raw
output, inserted as is, is scored against codepal's whole pipeline with the same figures (`scoring`):
`completion` and `fixes` run both sides, `runner` starts or attaches to the server and `table` writes
`quality.md` / `quality.json`. Loaded only when `codepal bench --quality` runs.
"""
