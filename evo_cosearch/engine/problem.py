"""The co-search as a pymoo Problem: integer genome -> F (objectives) and G (constraints).

A whole population is evaluated per call through :class:`~evo_cosearch.evaluate.Evaluator`;
besides ``F`` and ``G`` the output ``extras`` (N, len(EXTRAS)) carries every metric, ``cv``,
feasibility and ``seconds`` so pymoo attaches them to each individual (the runner archives them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pymoo.core.problem import Problem as PymooProblem

from evo_cosearch.evaluate import METRICS

if TYPE_CHECKING:
    from evo_cosearch.evaluate import Evaluator

__all__ = ["CoSearchProblem", "EXTRAS", "extras_of"]

#: Columns of the per-design ``extras`` output (besides F and G).
EXTRAS = (*METRICS, "cv", "feasible", "seconds")


class CoSearchProblem(PymooProblem):
    """Joint network + quantization + accelerator genome; all objectives minimised."""

    def __init__(self, evaluator: "Evaluator") -> None:
        problem = evaluator.problem
        space = problem.space
        self.evaluator = evaluator
        self.space = space
        self.objective_names = problem.objectives
        super().__init__(n_var=space.n_var, n_obj=len(problem.objectives),
                         n_ieq_constr=len(problem.constraints), xl=space.xl, xu=space.xu, vtype=int)

    def _evaluate(self, X, out, *args, **kwargs):
        ev = self.evaluator.evaluate(np.rint(X).astype(np.int64))
        out["F"] = ev.F
        if self.n_ieq_constr:
            out["G"] = ev.G
        out["extras"] = np.column_stack([*(ev.metrics[m] for m in METRICS), ev.cv, ev.feasible, ev.seconds])


def extras_of(pop) -> dict[str, np.ndarray]:
    """The ``extras`` of evaluated individuals as ``{column name: (N,) array}``."""
    E = np.asarray(pop.get("extras"), dtype=np.float64).reshape(len(pop), len(EXTRAS))
    return {name: E[:, j] for j, name in enumerate(EXTRAS)}
