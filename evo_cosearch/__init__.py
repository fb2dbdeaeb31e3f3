"""evo_cosearch: joint Pareto search of a neural network, its quantization and its accelerator.

Public API: :func:`search` runs (or resumes) a search into a run directory and returns its
archive; :func:`load_archive` opens a run's archive read-only; :func:`load_problem` parses a
problem file. They are imported on first use, so ``import evo_cosearch.<sub>`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from evo_cosearch.lazy import lazy_names

if TYPE_CHECKING:
    from evo_cosearch.api import load_archive, search
    from evo_cosearch.problem import load_problem

__all__ = ["search", "load_archive", "load_problem"]
__version__ = "0.1.0"

_LAZY = {"search": "evo_cosearch.api", "load_archive": "evo_cosearch.api", "load_problem": "evo_cosearch.problem"}


__getattr__, __dir__ = lazy_names(__name__, globals(), _LAZY)
