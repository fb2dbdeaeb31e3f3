"""The two-step flow that ``bench joint`` also compares joint search with.

Step 1 is the network-only search on the fixed baseline accelerator. Step 2 gives each network
on that run's Pareto front the best accelerator of the joint problem's accelerator space. Step 2
evaluates no accuracy (a network keeps its own), only the simulator, so it sweeps every
accelerator, or a seeded sample of ``MAX_ACCELERATORS`` when the space is larger (the same
sweep as nsga2's accelerator repair, :mod:`evo_cosearch.engine.accelerator_repair`). At an
accuracy threshold, a run's two-step figure is the least energy (EDP) of a feasible
(network, accelerator) pair whose network reaches the threshold.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from evo_cosearch.archive import pareto_of
from evo_cosearch.evaluate import meets_constraints
from evo_cosearch.engine.accelerator_repair import (
    MAX_ACCELERATORS, accelerator_grid, grid_accelerators, simulate_accelerators,
)

__all__ = ["best_accelerator", "two_step_at_accuracy", "sweep_info"]


def best_accelerator(joint, genome: np.ndarray, accuracy: float, accelerators) -> tuple[float, float]:
    """Least energy and least EDP of the feasible designs made of ``genome``'s network (of
    ``accuracy``) on each of ``accelerators`` (:func:`grid_accelerators`); NaN when none is feasible."""
    m = simulate_accelerators(joint, genome, accelerators)
    m["accuracy"] = np.full(len(m["energy_uj"]), float(accuracy))
    feasible = meets_constraints(m, joint.constraints)
    if not feasible.any():
        return float("nan"), float("nan")
    return float(m["energy_uj"][feasible].min()), float(m["edp"][feasible].min())


def two_step_at_accuracy(results, joint, to_joint, seeds: Sequence[int],
                         thresholds: np.ndarray) -> dict[str, np.ndarray]:
    """Per seed (rows) and threshold (columns): the two-step energy and EDP of each network-only
    run in ``results`` (``to_joint`` maps its genomes to joint genomes)."""
    accelerators = grid_accelerators(joint, *accelerator_grid(joint))
    runs = {r.seed: r.designs for r in results if r.label == "network_only"}
    out = {m: np.full((len(seeds), len(thresholds)), np.nan) for m in ("energy_uj", "edp")}
    for i, seed in enumerate(seeds):
        front = pareto_of(runs[seed])
        acc = front.metrics["accuracy"]
        best = [best_accelerator(joint, g, a, accelerators) for g, a in zip(to_joint(front.genome), acc)]
        for k, t in enumerate(thresholds):
            ok = [b for b, a in zip(best, acc) if a >= t and not np.isnan(b[0])]
            if ok:
                out["energy_uj"][i, k] = min(b[0] for b in ok)
                out["edp"][i, k] = min(b[1] for b in ok)
    return out


def sweep_info(joint, *, limit: int = MAX_ACCELERATORS) -> dict[str, Any]:
    """How step 2 searches: accelerators tried per network, the size of the space, whether all."""
    cards = np.asarray(joint.space.cardinalities)[~joint.network_gene_mask]
    total = float(np.prod(cards.astype(float)))
    return {"accelerators_tried_per_network": int(min(total, limit)), "accelerator_space_size": total,
            "exhaustive": total <= limit, "networks": "each network-only run's Pareto front"}
