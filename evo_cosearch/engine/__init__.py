"""The co-search: pymoo Problem, operators, strategies, run loop and parallel evaluation."""

from evo_cosearch.engine.operators import DeapMutation, GenomeDuplicateElimination
from evo_cosearch.engine.problem import CoSearchProblem
from evo_cosearch.engine.runner import RunSummary, check_run_dir, fingerprint, run_search
from evo_cosearch.engine.settings import SearchSettings, search_settings
from evo_cosearch.engine.strategies import STRATEGIES, Strategy, get_strategy

__all__ = [
    "CoSearchProblem", "DeapMutation", "GenomeDuplicateElimination", "RunSummary", "STRATEGIES",
    "SearchSettings", "Strategy", "check_run_dir", "fingerprint", "get_strategy", "run_search",
    "search_settings",
]
