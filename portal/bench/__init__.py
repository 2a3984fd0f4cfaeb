"""Benchmarks: `python -m portal bench NAME [--json]`.

A benchmark is a function `run(*, database_url: str | None) -> dict` registered under a name; it builds its
own data (in a temporary database unless `database_url` is given) and returns the JSON figures of
../shared/CONTRACTS.md.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


class BenchDataError(RuntimeError):
    """A benchmark's data set could not be read or built (a clear one-line reason, no traceback)."""


# name -> "module:function"; imported only when that benchmark runs.
BENCHMARKS: dict[str, str] = {
    "identity": "portal.identity.bench:run",
    "units": "portal.unit.bench:run",
    "declarations": "portal.declaration.bench:run",
    "dashboards": "portal.stats.bench:run",
    "load": "tools.load:run",  # a development tool (tools/load): drives a served portal from outside, as a browser
}


def load(name: str) -> Callable[..., dict]:
    """Return the benchmark function registered under `name`."""
    module_name, function_name = BENCHMARKS[name].split(":")
    return getattr(importlib.import_module(module_name), function_name)
