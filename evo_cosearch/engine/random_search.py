"""The ``random`` strategy: uniform random genomes, ``pop`` per generation -- the baseline.

Every gene is drawn uniformly from its index range with the algorithm's numpy generator
(pymoo's ``random_state``, seeded from the run seed). A batch never repeats a genome drawn
before in the run (nor one within itself): repeats are redrawn, a few rounds at most, so a
nearly exhausted space gives a smaller batch and an exhausted one ends the run.

Resume: the saved state is the generator's state (plain JSON). The set of genomes drawn
so far is not saved -- it is a function of the seed alone, so loading rebuilds it by
drawing the past batches again (cheap) and checks that the generator lands on the saved
state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from evo_cosearch.errors import InputError, arg
from evo_cosearch.engine.batch import BatchAlgorithm

if TYPE_CHECKING:
    from evo_cosearch.engine.problem import CoSearchProblem
    from evo_cosearch.engine.settings import SearchSettings

__all__ = ["RandomSearch", "build_random", "save_random", "load_random"]

_REDRAWS = 20


class RandomSearch(BatchAlgorithm):
    """Uniform random search without repeated genomes (see the module doc)."""

    def __init__(self, *, batch: int, **kwargs) -> None:
        super().__init__(batch=batch, **kwargs)
        self.seen: set[bytes] = set()

    def _sample(self) -> np.ndarray:
        cards = np.asarray(self.problem.space.cardinalities, dtype=np.int64)
        rows: list[np.ndarray] = []
        for _ in range(_REDRAWS):
            need = self.batch - len(rows)
            if need == 0:
                break
            for row in self.random_state.integers(0, cards, size=(need, len(cards)), dtype=np.int64):
                key = row.tobytes()
                if key not in self.seen:
                    self.seen.add(key)
                    rows.append(row)
        return np.array(rows, dtype=np.int64).reshape(len(rows), len(cards))


def build_random(problem: "CoSearchProblem", s: "SearchSettings") -> RandomSearch:
    return RandomSearch(batch=s.pop, seed=s.seed)


def save_random(algorithm: RandomSearch) -> dict[str, Any]:
    return {"numpy": algorithm.random_state.bit_generator.state, "n_seen": len(algorithm.seen)}


def load_random(algorithm: RandomSearch, state: dict[str, Any]) -> None:
    """Rebuild the drawn-genome set by redrawing the past batches, then restore the generator."""
    for _ in range(algorithm.n_iter - 1):  # generations done (the runner set n_iter = done + 1)
        algorithm._sample()
    if algorithm.random_state.bit_generator.state != state["numpy"] or len(algorithm.seen) != state["n_seen"]:
        raise InputError("random strategy: redrawing the past batches does not reproduce the saved state "
                         f"(another numpy version?); the run cannot resume exactly, use another {arg('out')} directory")
