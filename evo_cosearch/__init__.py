"""evo_cosearch: joint Pareto search of a neural network, its quantization and its accelerator.

Public API: :func:`search` runs (or resumes) a search into a run directory and returns its
archive; :func:`load_archive` opens a run's archive read-only; :func:`load_problem` parses a
problem file. They are imported on first use, so ``import evo_cosearch.<sub>`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evo_cosearch.api import load_archive, search
    from evo_cosearch.problem import load_problem

__all__ = ["search", "load_archive", "load_problem"]
__version__ = "0.1.0"

_LAZY = {"search": "evo_cosearch.api", "load_archive": "evo_cosearch.api", "load_problem": "evo_cosearch.problem"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'evo_cosearch' has no attribute {name!r}")


def __dir__() -> list[str]:  # the lazy names too (tab completion, help())
    return sorted(set(globals()) | set(_LAZY))
