"""Pareto front and hypervolume of objective arrays (all minimised), on a stored normalisation.

Hypervolume convention (the same for every reader): objectives are normalised with the
run's ``hv_ideal`` and ``hv_ref`` points, ``f' = (f - ideal) / (ref - ideal)``, and the
hypervolume is taken against the reference point ``(1, ..., 1)``. A run fixes both points
after its first generation: ``ideal`` = per-objective minimum and ``nadir`` = maximum over
all generation-0 designs, ``ref = nadir + 0.1 * (nadir - ideal)`` (a span of 0 counts as 1).
Only feasible designs count; points beyond the reference contribute nothing. The value is
1.0 for a front reaching the first generation's ideal point, and may exceed 1 once the
search improves on it.

pymoo is imported by the functions that use it, so that the archive package (the CLI's parser,
a plain ``export``) loads without it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["non_dominated", "hv_points", "hypervolume"]


def non_dominated(F: np.ndarray) -> np.ndarray:
    """Indices (sorted) of the non-dominated rows of ``F`` (N, M)."""
    from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

    F = np.asarray(F, dtype=np.float64)
    if len(F) == 0:
        return np.zeros(0, dtype=np.int64)
    front = NonDominatedSorting().do(F, only_non_dominated_front=True)
    return np.sort(np.asarray(front, dtype=np.int64))


def hv_points(F0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(ideal, ref)`` from the first generation's objective values (see module doc)."""
    F0 = np.asarray(F0, dtype=np.float64)
    ideal, nadir = F0.min(0), F0.max(0)
    span = np.where(nadir > ideal, nadir - ideal, 1.0)
    return ideal, ideal + 1.1 * span


def hypervolume(F: np.ndarray, ideal, ref) -> float:
    """Hypervolume of ``F`` (feasible designs) in the normalised box; 0.0 when empty."""
    from pymoo.indicators.hv import HV

    F = np.asarray(F, dtype=np.float64)
    if len(F) == 0:
        return 0.0
    ideal, ref = np.asarray(ideal, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    Z = (F - ideal) / (ref - ideal)
    Z = Z[np.all(Z < 1.0, axis=1)]
    if len(Z) == 0:
        return 0.0
    return float(HV(ref_point=np.ones(F.shape[1]))(Z))
