"""The co-search: pymoo Problem, operators, strategies, run loop and parallel evaluation.

The names below are imported on first use (PEP 562), so that the pymoo-free
:mod:`evo_cosearch.engine.settings` -- which validates a problem file's ``search:`` section and
names its strategies -- can be imported without loading pymoo (``space show``, the CLI's parser).
"""

from __future__ import annotations

from evo_cosearch.lazy import lazy_names

_HOME = {
    "DeapMutation": "operators", "GenomeDuplicateElimination": "operators",
    "CoSearchProblem": "problem",
    "RunSummary": "runner", "check_run_dir": "runner", "fingerprint": "runner", "run_search": "runner",
    "SearchSettings": "settings", "search_settings": "settings",
    "STRATEGIES": "strategies", "Strategy": "strategies", "get_strategy": "strategies",
}

__all__ = sorted(_HOME)


__getattr__, __dir__ = lazy_names(__name__, globals(), _HOME)
