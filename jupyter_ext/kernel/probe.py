"""Runs inside the user's kernel: a summary of the namespace as JSON — names, types, shapes, never values.

`PROBE_EXPRESSION` is sent as a user expression of a silent execute request (empty code, no history):
IPython evaluates it without an execution count, history entry, `_`/`Out` update or output. It compiles
this file's source into a fresh dictionary and calls `summarize_kernel`, so nothing is bound in the
user's namespace. Only the standard library is used, and only objects whose library is already imported
(their module is the object's own) are looked into; nothing calls `repr`, `str` or `len` on a value of
an unknown type, so no user code (properties, `__getattr__`, `__len__`) runs.
"""

from __future__ import annotations

import itertools
import json
import re
import time
import warnings
from typing import Any

SECRET_NAME = re.compile(r"key|token|passw|pwd|secret|credential", re.IGNORECASE)  # as the core's
SKIPPED_NAMES = {"In", "Out", "exit", "quit", "get_ipython", "open"}
MAX_ITEMS = 20  # columns, keys, attributes, element types shown per variable
MAX_LABEL_CHARS = 40
FRAME_LIBRARIES = {"pandas", "polars", "modin", "cudf", "dask"}
ARRAY_LIBRARIES = {"numpy", "torch", "jax", "jaxlib", "tensorflow", "cupy", "xarray", "mlx"}
SEQUENCES = (list, tuple, set, frozenset)
PLAIN_MODULES = {"builtins", "collections"}  # containers whose len and iteration run no user code


def summarize(ns: dict[str, Any], hidden: Any = (), budget_s: float = 0.02, max_bytes: int = 32_000) -> str:
    """The user's variables, newest names first, until `budget_s` seconds or `max_bytes` of JSON."""
    started = time.perf_counter()
    rows: list[list[str]] = []
    size = 0
    truncated = False
    for name in reversed(list(ns)):
        if not isinstance(name, str) or name.startswith("_") or name in SKIPPED_NAMES or name in hidden:
            continue
        if SECRET_NAME.search(name):
            continue
        if time.perf_counter() - started > budget_s:
            truncated = True
            break
        try:
            with warnings.catch_warnings():  # a library's deprecation warning would print in the notebook
                warnings.simplefilter("ignore")
                kind, detail = describe(ns[name])
        except Exception:  # a broken object: its type is still worth telling
            kind, detail = type_name(type(ns[name])), ""
        row = [name, kind, detail]
        size += len(json.dumps(row)) + 1
        if size > max_bytes:
            truncated = True
            break
        rows.append(row)
    return json.dumps({"variables": rows, "truncated": truncated})


def summarize_kernel(budget_s: float = 0.02, max_bytes: int = 32_000) -> str:
    """`summarize` on the running IPython shell's namespace, without IPython's own names."""
    import IPython

    shell = IPython.get_ipython()
    if shell is None:
        return json.dumps({"variables": [], "truncated": False})
    return summarize(shell.user_ns, shell.user_ns_hidden, budget_s, max_bytes)


def type_name(cls: type) -> str:
    """`DataFrame` of pandas.core.frame → `pandas.DataFrame`; builtins and __main__ types bare."""
    module = getattr(cls, "__module__", "") or ""
    qualname = getattr(cls, "__qualname__", "") or getattr(cls, "__name__", "object")
    root = module.split(".")[0]
    return qualname if root in ("builtins", "__main__", "") else f"{root}.{qualname}"


def describe(value: Any) -> tuple[str, str]:
    """(type, detail) of one value: shapes, dtypes, column names, keys, lengths, signatures."""
    import types

    # type(value), never isinstance: isinstance may read a proxy's `__class__`, which is user code.
    cls = type(value)
    kind = type_name(cls)
    module = getattr(cls, "__module__", "") or ""
    root = module.split(".")[0]
    if issubclass(cls, types.ModuleType):
        return "module", str(value.__name__)
    if issubclass(cls, type):
        return "class", cls_detail(value)
    if issubclass(cls, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return "function", signature(value)
    if root in FRAME_LIBRARIES and cls.__name__ == "DataFrame":
        return kind, frame_detail(value)
    if root in FRAME_LIBRARIES and cls.__name__ == "Series":
        label = value.name if isinstance(value.name, str) and not SECRET_NAME.search(value.name) else None
        named = f", name {label[:MAX_LABEL_CHARS]!r}" if label else ""
        return kind, f"length {len(value)}, dtype {value.dtype}{named}"
    if root in ARRAY_LIBRARIES and hasattr(value, "shape") and hasattr(value, "dtype"):
        device = f", device {value.device}" if root == "torch" else ""
        return kind, f"shape {tuple(value.shape)}, dtype {value.dtype}{device}"
    if root in PLAIN_MODULES and issubclass(cls, dict):
        return kind, dict_detail(value)
    if root in PLAIN_MODULES and issubclass(cls, SEQUENCES):
        return kind, sequence_detail(value)
    if module == "__main__":
        return kind, instance_detail(value)
    return kind, ""


def frame_detail(frame: Any) -> str:
    columns = list(itertools.islice(frame.columns, MAX_ITEMS))
    dtypes = list(itertools.islice(frame.dtypes, MAX_ITEMS))
    shown = [f"{label(c)} {dtypes[i]}" if i < len(dtypes) else label(c)
             for i, c in enumerate(columns) if not SECRET_NAME.search(str(c))]
    more = len(frame.columns) - len(columns)
    return f"shape {tuple(frame.shape)}; columns: {', '.join(shown)}" + (f", … {more} more" if more > 0 else "")


def dict_detail(value: dict[Any, Any]) -> str:
    keys = []
    for key in itertools.islice(value, MAX_ITEMS):
        if isinstance(key, str) and SECRET_NAME.search(key):
            continue
        keys.append(repr(label(key)) if isinstance(key, str) else label(key))
    more = len(value) - min(len(value), MAX_ITEMS)
    values = element_types(list(itertools.islice(value.values(), MAX_ITEMS)))
    text = f"{len(value)} entries: {', '.join(keys)}" + (f", … {more} more" if more > 0 else "")
    return text + (f"; values {values}" if values else "")


def sequence_detail(value: Any) -> str:
    if not value:
        return "empty"
    return f"{len(value)} items of {element_types(list(itertools.islice(value, MAX_ITEMS)))}"


def element_types(items: list[Any]) -> str:
    names = list(dict.fromkeys(type_name(type(item)) for item in items))
    if not names:
        return ""
    return names[0] if len(names) == 1 else "mixed " + ", ".join(names[:5])


def label(value: Any) -> str:
    """A column name or key: strings, numbers and tuples of them, cut short; other types by type."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        text = value if isinstance(value, str) else repr(value)
        return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"
    if isinstance(value, tuple):
        return "(" + ", ".join(label(part) for part in value[:4]) + ")"
    return type_name(type(value))


def signature(function: Any) -> str:
    """`(values, scale=…) -> float`: parameter names and annotations, default values hidden."""
    import inspect

    try:
        sig = inspect.signature(function)
    except (TypeError, ValueError):
        return "(…)"
    params = [p.replace(default=_Shown("…") if p.default is not p.empty else p.empty,
                        annotation=_annotation(p.annotation)) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=_annotation(sig.return_annotation)))


def _annotation(annotation: Any) -> Any:
    """String annotations (`from __future__ import annotations`) shown bare, as they were written."""
    return _Shown(annotation) if isinstance(annotation, str) else annotation


def cls_detail(cls: type) -> str:
    name = getattr(cls, "__qualname__", "class")
    if (getattr(cls, "__module__", "") or "") != "__main__":
        return type_name(cls)
    methods = [n for n, v in vars(cls).items() if callable(v) and not n.startswith("_")][:MAX_ITEMS]
    text = f"{name}{signature(cls)}"
    return text + (f"; methods: {', '.join(methods)}" if methods else "")


def instance_detail(value: Any) -> str:
    """A __main__ class's instance: its attribute names and its class's public methods."""
    try:  # object's own lookup: a class's __getattr__/__getattribute__ does not run
        own = object.__getattribute__(value, "__dict__")
    except AttributeError:
        own = {}
    attributes = [n for n in own if isinstance(n, str) and not n.startswith("_")]
    attributes = [n for n in attributes if not SECRET_NAME.search(n)][:MAX_ITEMS]
    methods: list[str] = []
    for base in type(value).__mro__:
        if (getattr(base, "__module__", "") or "") != "__main__":
            continue
        methods += [n for n, v in vars(base).items() if callable(v) and not n.startswith("_") and n not in methods]
    parts = [f"attributes: {', '.join(attributes)}"] if attributes else []
    parts += [f"methods: {', '.join(methods[:MAX_ITEMS])}"] if methods else []
    return "; ".join(parts)


class _Shown:
    """Shows as the given text in a signature (a hidden default value, a string annotation)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _expression() -> str:
    """The user expression that runs this module's source in a fresh dictionary and summarises."""
    import ast
    import inspect
    import sys

    tree = ast.parse(inspect.getsource(sys.modules[__name__]))
    for node in ast.walk(tree):  # docstrings and comments out: less to send and to compile each time
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]  # type: ignore[attr-defined]
    source = ast.unparse(tree)
    return (f"(lambda g: (__import__('builtins').exec({source!r}, g), "
            "g['summarize_kernel'](BUDGET_S, MAX_BYTES))[1])({'__name__': '__codepal_probe__'})")


PROBE_EXPRESSION = _expression() if __name__ != "__codepal_probe__" else ""
