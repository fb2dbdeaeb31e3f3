"""Variation operators on integer genomes: DEAP mutations as one pymoo Mutation; duplicates.

Crossover and sampling are pymoo's own (uniform / two-point crossover, integer random
sampling); this module adds what pymoo lacks for a mixed categorical/ordinal genome.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
from deap import tools
from pymoo.core.duplicate import DuplicateElimination
from pymoo.core.mutation import Mutation
from pymoo.operators.crossover.pntx import TwoPointCrossover
from pymoo.operators.crossover.ux import UniformCrossover

from evo_cosearch.space import CATEGORICAL, SearchSpace

__all__ = ["DeapMutation", "GenomeDuplicateElimination", "make_crossover", "CROSSOVERS",
           "python_random_state", "set_python_random_state"]

#: Crossover name -> pymoo class (both treat every gene as an unordered value). A new one's name goes
#: into :data:`evo_cosearch.engine.settings.CROSSOVER_NAMES` too (pymoo-free; a test keeps them alike).
CROSSOVERS = {"uniform": UniformCrossover, "two_point": TwoPointCrossover}


def make_crossover(name: str = "uniform", prob: float = 0.9):
    return CROSSOVERS[name](prob=prob)


@contextmanager
def _as_global_random(rng: random.Random) -> Iterator[None]:
    """Run a block with the module-level ``random`` (which DEAP draws from) set to ``rng``'s state."""
    saved = random.getstate()
    random.setstate(rng.getstate())
    try:
        yield
    finally:
        rng.setstate(random.getstate())
        random.setstate(saved)


class DeapMutation(Mutation):
    """Per-gene mutation: ``deap.tools.mutUniformInt`` on categorical genes and
    ``deap.tools.mutPolynomialBounded`` (rounded to an index, clipped) on ordinal genes.

    Each gene mutates with probability ``prob_var`` (default ``1 / n_var``), drawn in one
    vectorised step from pymoo's generator; DEAP then draws the new values of the chosen
    genes only, from ``self.random`` (a seeded :class:`random.Random`), never from the global
    ``random`` state. Genes with a single value are never touched.
    """

    def __init__(self, space: SearchSpace, *, prob_var: float | None = None, eta: float = 3.0,
                 seed: int = 0) -> None:
        super().__init__(prob=1.0)
        self.per_gene = 1.0 / space.n_var if prob_var is None else float(prob_var)
        self.eta = float(eta)
        self.random = random.Random(seed)
        self._movable = space.cardinalities > 1
        self._free = self._movable.copy()
        self._is_cat = [g.kind == CATEGORICAL for g in space.genes]
        self._up = [int(v) for v in space.xu]

    def set_free(self, mask: np.ndarray) -> None:
        """Let only the genes in ``mask`` mutate from now on (single-valued genes never do)."""
        self._free = self._movable & np.asarray(mask, dtype=bool)

    def _do(self, problem, X, *args, random_state=None, **kwargs):
        X = np.asarray(X).astype(np.int64)
        # which genes mutate: one Bernoulli(prob_var) draw per gene (pymoo's generator) ...
        hit = random_state.random(X.shape) < self.per_gene
        hit &= self._free
        rows = X.tolist()
        with _as_global_random(self.random):
            for r in np.flatnonzero(hit.any(1)).tolist():  # ... then DEAP draws the new values
                genes = np.flatnonzero(hit[r]).tolist()
                cat = [i for i in genes if self._is_cat[i]]
                ordi = [i for i in genes if not self._is_cat[i]]
                row = rows[r]
                if cat:
                    values = [row[i] for i in cat]
                    tools.mutUniformInt(values, [0] * len(cat), [self._up[i] for i in cat], 1.0)
                    for i, v in zip(cat, values):
                        row[i] = v
                if ordi:
                    values = [float(row[i]) for i in ordi]
                    ups = [float(self._up[i]) for i in ordi]
                    tools.mutPolynomialBounded(values, self.eta, [0.0] * len(ordi), ups, 1.0)
                    for i, v, up in zip(ordi, values, ups):
                        row[i] = int(min(max(round(v), 0), up))  # nearest index (ties to even), in range
        return np.array(rows, dtype=np.int64).reshape(X.shape)


def python_random_state(rng: random.Random) -> list[Any]:
    """``rng``'s state as plain JSON-able data."""
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def set_python_random_state(rng: random.Random, state: list[Any]) -> None:
    version, internal, gauss = state
    rng.setstate((version, tuple(internal), gauss))


class GenomeDuplicateElimination(DuplicateElimination):
    """Two individuals are duplicates when their genomes are equal (exact integer match)."""

    def _do(self, pop, other, is_duplicate):
        X = np.ascontiguousarray(pop.get("X"), dtype=np.int64)
        if other is None:
            seen: set[bytes] = set()
            for i, row in enumerate(X):
                key = row.tobytes()
                is_duplicate[i] = key in seen
                seen.add(key)
        else:
            taken = {row.tobytes() for row in np.ascontiguousarray(other.get("X"), dtype=np.int64)}
            is_duplicate |= np.array([row.tobytes() in taken for row in X], dtype=bool)
        return is_duplicate
