"""A pymoo Algorithm for batch samplers: draw a batch, learn from it, keep the front so far.

The ``random`` and ``reinforce`` strategies are not evolutionary: each generation they
draw ``batch`` fresh genomes from a distribution (uniform; an RL policy) and, once the
batch is evaluated, update that distribution. :class:`BatchAlgorithm` is the pymoo seam
for them (``_initialize_infill``/``_infill`` draw, ``_initialize_advance``/``_advance``
learn), so the runner drives them with the same ask/tell loop as NSGA-II.

Its population -- what the runner records as the surviving design ids and restores on a
resume -- is the non-dominated feasible set of every design evaluated so far, one per
genome, oldest first (the least-violating design while none is feasible); the population
never feeds back into sampling.
"""

from __future__ import annotations

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.population import Population
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

__all__ = ["BatchAlgorithm", "front_of"]


def front_of(pop: Population) -> Population:
    """Non-dominated feasible individuals of ``pop`` (the least violating one if none is
    feasible), the first of each genome, in their order in ``pop``."""
    X = np.ascontiguousarray(np.rint(pop.get("X")), dtype=np.int64)
    _, first = np.unique(X, axis=0, return_index=True)
    keep = np.sort(first)
    feasible = np.asarray(pop.get("feas"), dtype=bool)[keep]
    if not feasible.any():
        cv = np.asarray(pop.get("CV"), dtype=np.float64).reshape(len(pop))[keep]
        return pop[keep[[int(np.argmin(cv))]]]
    cand = keep[feasible]
    F = np.asarray(pop.get("F"), dtype=np.float64)[cand]
    return pop[cand[np.sort(NonDominatedSorting().do(F, only_non_dominated_front=True))]]


class BatchAlgorithm(Algorithm):
    """Template: subclasses write ``_sample() -> (n, n_var) int`` and ``_learn(off)``."""

    def __init__(self, *, batch: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.batch = int(batch)

    def _sample(self) -> np.ndarray:
        raise NotImplementedError

    def _learn(self, off: Population) -> None:
        """Update the sampling distribution from an evaluated batch (default: nothing)."""

    def _initialize_infill(self) -> Population | None:
        return self._infill()

    def _infill(self) -> Population | None:
        X = self._sample()
        return None if len(X) == 0 else Population.new("X", X)

    def _initialize_advance(self, infills=None, **kwargs) -> None:
        self.pop = Population.empty()
        self._advance(infills=infills)

    def _advance(self, infills=None, **kwargs) -> None:
        self._learn(infills)
        self.pop = front_of(Population.merge(self.pop, infills))
