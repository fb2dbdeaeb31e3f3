"""The co-search: pymoo Problem, operators, strategies, run loop and parallel evaluation.

The names below are imported on first use (PEP 562), so that the pymoo-free
:mod:`evo_cosearch.engine.settings` -- which validates a problem file's ``search:`` section and
names its strategies -- can be imported without loading pymoo (``space show``, the CLI's parser).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HOME = {
    "DeapMutation": "operators", "GenomeDuplicateElimination": "operators",
    "CoSearchProblem": "problem",
    "RunSummary": "runner", "check_run_dir": "runner", "fingerprint": "runner", "run_search": "runner",
    "SearchSettings": "settings", "search_settings": "settings",
    "STRATEGIES": "strategies", "Strategy": "strategies", "get_strategy": "strategies",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))
