"""``AccuracyEvaluator``: population genomes -> supernet-inherited validation accuracy, cached.

Accuracy depends only on the network genes, so results are cached by that part of the
genome; accelerator genes never trigger a re-evaluation. The evaluator pickles as its
arguments (problem text, dataset, checkpoint path, seed, cache) and reloads the supernet
and data lazily, so it can be rebuilt inside a Dask worker or a subprocess.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evo_cosearch.files import given_path
from evo_cosearch.supernet.config import EvaluationConfig
from evo_cosearch.supernet.evaluate import eval_data, evaluate_child
from evo_cosearch.supernet.runtime import configure_torch
from evo_cosearch.supernet.store import load_supernet, problem_splits

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem

__all__ = ["AccuracyEvaluator"]


class AccuracyEvaluator:
    def __init__(self, problem: "Problem", ckpt: str | Path, *, seed: int = 0, threads: int | None = None) -> None:
        self.problem = problem
        self.ckpt = given_path(ckpt, "supernet checkpoint")  # "": an error, not the current folder
        self.seed = int(seed)
        self.threads = threads  # torch threads to evaluate with (None: this process's default)
        self.config = EvaluationConfig.from_section(problem.evaluation)
        self.n_evaluated = 0
        self._cache: dict[bytes, float] = {}
        self._loaded: Any = None

    # -- pickling as arguments ---------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        p = self.problem
        return {"text": p.text, "source": p.source, "data_path": p.dataset.path, "ckpt": str(self.ckpt),
                "seed": self.seed, "threads": self.threads, "cache": dict(self._cache),
                "n_evaluated": self.n_evaluated}

    def __setstate__(self, state: dict[str, Any]) -> None:
        from evo_cosearch.problem import parse_problem

        problem = parse_problem(state["text"], source=state["source"]).with_data(state["data_path"])
        self.__init__(problem, state["ckpt"], seed=state["seed"], threads=state.get("threads"))
        self._cache = dict(state["cache"])
        self.n_evaluated = int(state["n_evaluated"])

    # -- evaluation ----------------------------------------------------------------
    def _load(self):
        if self._loaded is None:
            configure_torch(threads=self.threads)
            net = load_supernet(self.problem, self.ckpt)
            data = eval_data(problem_splits(self.problem), self.config, seed=self.seed)
            self._loaded = (net, data)
        return self._loaded

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        """(N,) validation accuracies in [0, 1] of the genomes ``X`` (N, n_var)."""
        p = self.problem
        X = p.space.validate(X)
        keys = [row.tobytes() for row in X[:, p.network_gene_mask]]
        for i, key in enumerate(keys):
            if key in self._cache:
                continue
            net, data = self._load()
            self._cache[key] = evaluate_child(net, p.network.spec(p.space, X[i]), data)
            self.n_evaluated += 1
        return np.array([self._cache[k] for k in keys], dtype=float)
