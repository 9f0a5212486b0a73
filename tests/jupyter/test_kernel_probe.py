"""The in-kernel probe, run in this process on namespaces like a user's: names, types and shapes, never
values; secret-like names left out; no user code run; bounded in time and size."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import torch

from codepal_jupyter.kernel.probe import PROBE_EXPRESSION, describe, summarize

VALUES = ("3.5", "4.25", "Alice", "sk-live-123", "hunter2", "t0k3n", "42.125")


class Order:  # a class as a notebook defines one (its module is set to __main__ below)
    def __init__(self, items: list[int]) -> None:
        self.items = items
        self.total = 0
        self.api_token = "t0k3n"

    def add(self, item: int, quantity: int = 42) -> None:
        self.items.append(item)


class Hostile:
    """Everything that would run user code raises or counts."""

    calls = 0

    def __getattr__(self, name: str) -> Any:
        Hostile.calls += 1
        raise RuntimeError("user code ran")

    def __len__(self) -> int:
        Hostile.calls += 1
        raise RuntimeError("user code ran")

    def __repr__(self) -> str:
        Hostile.calls += 1
        return "Hostile()"

    @property
    def shape(self) -> Any:
        Hostile.calls += 1
        raise RuntimeError("user code ran")


Order.__module__ = Hostile.__module__ = "__main__"


def user_namespace() -> dict[str, Any]:
    def area(radius: float, scale: float = 42.125) -> float:
        return radius * scale

    area.__module__ = "__main__"
    return {
        "__name__": "__main__", "_": 3.5, "_i3": "prices = ...", "In": [], "Out": {}, "get_ipython": print,
        "np": np, "pd": pd,
        "prices": [3.5, 2.0, 4.25],
        "df": pd.DataFrame({"Total": [3.5, 2.0], "Name": ["Alice", "Bob"], "password": ["hunter2", "x"]}),
        "series": pd.Series([3.5, 4.25], name="Total"),
        "arr": np.zeros((3, 4), dtype="float32"),
        "weights": torch.ones(2, 5),
        "config": {"host": "db.local", "api_key": "sk-live-123", "port": 5432},
        "api_key": "sk-live-123", "DB_PASSWORD": "hunter2", "hf_token": "t0k3n", "my_secret": 42.125,
        "area": area, "Order": Order, "order": Order([1, 2]), "hostile": Hostile(),
        "name": "Alice", "count": 42,
    }


def rows(ns: dict[str, Any], **kwargs: Any) -> dict[str, tuple[str, str]]:
    answer = json.loads(summarize(ns, hidden={"get_ipython"}, **kwargs))
    return {name: (kind, detail) for name, kind, detail in answer["variables"]}


def test_types_and_shapes_of_common_kinds() -> None:
    found = rows(user_namespace())
    assert found["prices"] == ("list", "3 items of float")
    assert found["df"] == ("pandas.DataFrame", "shape (2, 3); columns: Total float64, Name str")
    assert found["series"] == ("pandas.Series", "length 2, dtype float64, name 'Total'")
    assert found["arr"] == ("numpy.ndarray", "shape (3, 4), dtype float32")
    assert found["weights"] == ("torch.Tensor", "shape (2, 5), dtype torch.float32, device cpu")
    assert found["config"] == ("dict", "3 entries: 'host', 'port'; values mixed str, int")
    assert found["area"] == ("function", "(radius: float, scale: float = …) -> float")
    assert found["Order"] == ("class", "Order(items: list[int]) -> None; methods: add")
    assert found["order"] == ("Order", "attributes: items, total; methods: add")
    assert found["np"] == ("module", "numpy")
    assert found["name"] == ("str", "") and found["count"] == ("int", "")


def test_no_value_no_secret_name_and_no_ipython_internals() -> None:
    text = summarize(user_namespace(), hidden={"get_ipython"})
    for value in VALUES:
        assert value not in text, value
    for name in ("api_key", "DB_PASSWORD", "hf_token", "my_secret", "password", "api_token"):
        assert name not in text, name
    assert not {"_", "_i3", "In", "Out", "get_ipython", "__name__"} & set(rows(user_namespace()))


def test_newest_names_come_first() -> None:
    assert list(rows({"first": 1, "second": 2, "third": 3})) == ["third", "second", "first"]


def test_no_user_code_runs() -> None:
    Hostile.calls = 0
    found = rows({"hostile": Hostile(), "many": [Hostile()] * 3, "lookup": {Hostile(): 1}})
    assert Hostile.calls == 0
    assert found["hostile"] == ("Hostile", "")
    assert found["many"] == ("list", "3 items of Hostile")
    assert found["lookup"] == ("dict", "1 entries: Hostile; values int")


def test_time_budget_and_size_cap_truncate() -> None:
    ns = {f"v{i}": list(range(3)) for i in range(2_000)}
    answer = json.loads(summarize(ns, budget_s=0.0))
    assert answer["truncated"] and len(answer["variables"]) <= 1
    answer = json.loads(summarize(ns, max_bytes=1_000))
    assert answer["truncated"] and len(json.dumps(answer["variables"])) <= 1_100
    assert not json.loads(summarize({"x": 1}))["truncated"]


def test_wide_frames_and_big_containers_are_cut() -> None:
    wide = pd.DataFrame(np.zeros((2, 50)), columns=[f"c{i}" for i in range(50)])
    _, detail = describe(wide)
    assert detail.endswith("c19 float64, … 30 more")
    assert describe(list(range(1_000_000))) == ("list", "1000000 items of int")
    assert describe(set()) == ("set", "empty")


def test_the_expression_runs_in_a_fresh_dictionary() -> None:
    ns: dict[str, Any] = {"x": 1}
    before = dict(ns)
    expression = PROBE_EXPRESSION.replace("BUDGET_S", "0.02").replace("MAX_BYTES", "32000")
    result = eval(expression, ns)  # what IPython does with a user expression (no shell here: empty)
    assert json.loads(result) == {"variables": [], "truncated": False}
    ns.pop("__builtins__", None)  # eval adds it to any globals it is given
    assert ns == before
