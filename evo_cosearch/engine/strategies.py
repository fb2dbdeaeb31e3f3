"""Search strategies by name: how to build the pymoo algorithm and save/restore its state.

A strategy's state is plain JSON (RNG states, per-individual attributes of the surviving
population, survival bookkeeping), so a run resumes from the archive alone. Register a
new strategy (``random``, ``reinforce``, ...) by adding it to :data:`STRATEGIES` and its name to
:data:`evo_cosearch.engine.settings.STRATEGY_NAMES` (the pymoo-free list a problem file is checked
against; a test keeps the two alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.moo.nsga3 import NSGA3
from pymoo.operators.sampling.rnd import IntegerRandomSampling
from pymoo.util.ref_dirs import get_reference_directions
from pymoo.util.reference_direction import get_partition_closest_to_points

from evo_cosearch.engine.operators import (
    DeapMutation, GenomeDuplicateElimination, make_crossover, python_random_state, set_python_random_state,
)
from evo_cosearch.engine.accelerator_repair import AcceleratorRepair
from evo_cosearch.engine.layer_groups import build_layer_groups, load_layer_groups, save_layer_groups
from evo_cosearch.engine.random_search import build_random, load_random, save_random
from evo_cosearch.engine.reinforce import build_reinforce, load_reinforce, save_reinforce

if TYPE_CHECKING:
    from pymoo.core.algorithm import Algorithm

    from evo_cosearch.engine.problem import CoSearchProblem
    from evo_cosearch.engine.settings import SearchSettings

__all__ = ["Strategy", "STRATEGIES", "get_strategy"]

_NORM_FIELDS = ("ideal_point", "worst_point", "nadir_point", "extreme_points")


@dataclass(frozen=True)
class Strategy:
    name: str
    build: Callable[["CoSearchProblem", "SearchSettings"], "Algorithm"]
    save: Callable[["Algorithm"], dict[str, Any]]
    load: Callable[["Algorithm", dict[str, Any]], None]


def _build_ga(problem: "CoSearchProblem", s: "SearchSettings") -> "Algorithm":
    common = dict(
        pop_size=s.pop, sampling=IntegerRandomSampling(), crossover=make_crossover(s.crossover, s.crossover_prob),
        mutation=DeapMutation(problem.space, prob_var=s.mutation_prob, seed=s.seed),
        eliminate_duplicates=GenomeDuplicateElimination(), seed=s.seed,
    )
    if s.accelerator_repair != "none":
        ev = problem.evaluator
        common["repair"] = AcceleratorRepair(ev.problem, rule=s.accelerator_repair, simulate_fn=ev.simulate_fn)
    if s.algorithm == "nsga3":
        m = problem.n_obj
        ref_dirs = get_reference_directions("das-dennis", m, n_partitions=get_partition_closest_to_points(s.pop, m))
        return NSGA3(ref_dirs=ref_dirs, **common)
    return NSGA2(**common)


def _pop_attrs(algorithm: "Algorithm") -> tuple[str, ...]:
    return ("rank", "niche", "dist_to_niche") if isinstance(algorithm, NSGA3) else ("rank", "crowding")


def _save_ga(algorithm: "Algorithm") -> dict[str, Any]:
    state: dict[str, Any] = {
        "numpy": algorithm.random_state.bit_generator.state,
        "deap": python_random_state(algorithm.mating.mutation.random),
        "pop": {a: np.asarray(algorithm.pop.get(a), dtype=np.float64).tolist() for a in _pop_attrs(algorithm)},
    }
    if isinstance(algorithm, NSGA3):
        norm = algorithm.survival.norm
        state["norm"] = {k: (None if getattr(norm, k) is None else np.asarray(getattr(norm, k)).tolist())
                         for k in _NORM_FIELDS}
    return state


def _load_ga(algorithm: "Algorithm", state: dict[str, Any]) -> None:
    algorithm.random_state.bit_generator.state = state["numpy"]
    set_python_random_state(algorithm.mating.mutation.random, state["deap"])
    for attr, values in state["pop"].items():
        algorithm.pop.set(attr, np.asarray(values))
    if "norm" in state:
        norm = algorithm.survival.norm
        for k, v in state["norm"].items():
            setattr(norm, k, None if v is None else np.asarray(v, dtype=np.float64))


#: Strategy name -> Strategy. ``nsga2`` runs NSGA-II, or NSGA-III with ``search.algorithm: nsga3``;
#: ``random`` is the uniform-sampling baseline; ``reinforce`` the RL (LSTM + REINFORCE) baseline;
#: ``layer_groups`` the AutoQKeras-style search of one layer group at a time (NSGA-II per group).
STRATEGIES: dict[str, Strategy] = {
    "nsga2": Strategy("nsga2", _build_ga, _save_ga, _load_ga),
    "random": Strategy("random", build_random, save_random, load_random),
    "reinforce": Strategy("reinforce", build_reinforce, save_reinforce, load_reinforce),
    "layer_groups": Strategy("layer_groups", build_layer_groups,
                             lambda algorithm: save_layer_groups(algorithm, _save_ga),
                             lambda algorithm, state: load_layer_groups(algorithm, state, _load_ga)),
}


def get_strategy(name: str) -> Strategy:
    return STRATEGIES[name]
