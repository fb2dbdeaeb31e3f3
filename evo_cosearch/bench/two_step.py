"""The two-step flow that ``bench joint`` also compares joint search with.

Step 1 is the network-only search on the fixed baseline accelerator. Step 2 gives each network
on that run's Pareto front the best accelerator of the joint problem's accelerator space. Step 2
evaluates no accuracy (a network keeps its own), only the simulator, so it sweeps every
accelerator, or a seeded sample of :data:`MAX_ACCELERATORS` when the space is larger. At an
accuracy threshold, a run's two-step figure is the least energy (EDP) of a feasible
(network, accelerator) pair whose network reaches the threshold.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from evo_cosearch.archive import pareto_of
from evo_cosearch.evaluate import Evaluator

__all__ = ["MAX_ACCELERATORS", "accelerator_sweep", "best_accelerator", "two_step_at_accuracy", "sweep_info"]

MAX_ACCELERATORS = 200_000


class _Constant:
    """An accuracy function that gives every genome the same accuracy (one network, many accelerators)."""

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), self.value)


def _cardinalities(joint) -> tuple[np.ndarray, np.ndarray]:
    cols = np.flatnonzero(~joint.network_gene_mask)
    return cols, np.asarray(joint.space.cardinalities)[cols]


def accelerator_sweep(joint, *, limit: int = MAX_ACCELERATORS, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The accelerator gene columns of ``joint`` and the index rows to try: all combinations, or
    ``limit`` seeded random ones when there are more."""
    cols, cards = _cardinalities(joint)
    if np.prod(cards.astype(float)) <= limit:
        grid = np.stack(np.meshgrid(*[np.arange(c) for c in cards], indexing="ij"), axis=-1).reshape(-1, len(cols))
    else:
        grid = np.random.default_rng(seed).integers(0, cards, size=(limit, len(cols)))
    return cols, grid.astype(np.int64)


def best_accelerator(joint, genome: np.ndarray, accuracy: float, cols: np.ndarray,
                     grid: np.ndarray) -> tuple[float, float]:
    """Least energy and least EDP of the feasible designs made of ``genome``'s network (of
    ``accuracy``) on each accelerator of ``grid``; NaN when none is feasible."""
    X = np.repeat(np.asarray(genome, dtype=np.int64)[None, :], len(grid), axis=0)
    X[:, cols] = grid
    ev = Evaluator(joint, _Constant(accuracy)).evaluate(X)
    if not ev.feasible.any():
        return float("nan"), float("nan")
    return float(ev.metrics["energy_uj"][ev.feasible].min()), float(ev.metrics["edp"][ev.feasible].min())


def two_step_at_accuracy(results, joint, to_joint, seeds: Sequence[int],
                         thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """Per seed (rows) and threshold (columns): the two-step energy and EDP of each network-only
    run in ``results`` (``to_joint`` maps its genomes to joint genomes)."""
    cols, grid = accelerator_sweep(joint)
    runs = {r.seed: r.designs for r in results if r.label == "network_only"}
    out = {m: np.full((len(seeds), len(thresholds)), np.nan) for m in ("energy_uj", "edp")}
    for i, seed in enumerate(seeds):
        front = pareto_of(runs[seed])
        acc = front.metrics["accuracy"]
        best = [best_accelerator(joint, g, a, cols, grid) for g, a in zip(to_joint(front.genome), acc)]
        for k, t in enumerate(thresholds):
            ok = [b for b, a in zip(best, acc) if a >= t and not np.isnan(b[0])]
            if ok:
                out["energy_uj"][i, k] = min(b[0] for b in ok)
                out["edp"][i, k] = min(b[1] for b in ok)
    return out


def sweep_info(joint, *, limit: int = MAX_ACCELERATORS) -> dict[str, Any]:
    """How step 2 searches: accelerators tried per network, the size of the space, whether all."""
    total = float(np.prod(_cardinalities(joint)[1].astype(float)))
    return {"accelerators_tried_per_network": int(min(total, limit)), "accelerator_space_size": total,
            "exhaustive": total <= limit, "networks": "each network-only run's Pareto front"}
