"""Rules that rank the designs of a front: knee, weights, NAHAS reward and AutoQKeras score.

Every rule maps candidate objectives ``F`` (N, M; all minimised) and their metrics to a
score (N,) where *higher is better*, so that one ``argsort`` gives the chosen design and its
runners-up. These rules only pick a design from an archive; the search never uses them.

* :func:`tradeoff` -- the trade-off of Rachmawati & Deb that pymoo's ``HighTradeoffPoints``
  computes, over the front normalised to [0, 1], with an epsilon-neighbourhood that is a real
  parameter: pymoo 0.6.2 stores ``epsilon`` but always queries a radius of 0.125 on raw,
  un-normalised objectives.
* :func:`pseudo_weight_distance` / :func:`asf` -- pymoo's ``PseudoWeights`` and ``ASF``.
* :func:`nahas_reward` -- ``ACC * (LAT/T_lat)^w0 * (AREA/T_area)^w1`` (the NAHAS joint-search method) and
  :func:`energy_score` -- ``accuracy * (1 + delta)`` (the AutoQKeras method), re-exported from
  :mod:`evo_cosearch.rewards`, their one home (the RL search baseline uses the same reward).
"""

from __future__ import annotations

import numpy as np
from pymoo.decomposition.asf import ASF
from pymoo.mcdm.pseudo_weights import PseudoWeights
from scipy.spatial.distance import cdist

from evo_cosearch.errors import InputError, as_called
from evo_cosearch.rewards import REWARD_MODES, ScoreParams, energy_score, nahas_reward

__all__ = ["REWARD_MODES", "normalise", "tradeoff", "pseudo_weight_distance", "asf", "nahas_reward",
           "energy_score", "ScoreParams"]


def normalise(F: np.ndarray) -> np.ndarray:
    """Scale each column of ``F`` to [0, 1] over the rows (a constant column becomes 0)."""
    F = np.asarray(F, dtype=np.float64)
    lo, hi = F.min(axis=0), F.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return (F - lo) / span


def tradeoff(F: np.ndarray, *, epsilon: float | None = 0.125, min_neighbours: int | None = None) -> np.ndarray:
    """Trade-off ``mu`` of every point of a front; the knee is the point with the largest.

    For points i, j of the normalised front, moving from i to j *sacrifices* the sum of the
    objectives j is worse in and *gains* the sum of those it is better in; ``mu_i`` is the
    smallest sacrifice/gain over i's neighbours (a large ``mu`` means every nearby move costs
    much more than it brings). Neighbours are the points within Euclidean distance
    ``epsilon`` (``None``: all points), topped up to the ``min_neighbours`` nearest (default
    ``min(2M, N-1)``, as pymoo does). Points without a comparable neighbour get ``-inf``.
    """
    nF = normalise(F)
    n, m = nF.shape
    if n < 2:
        return np.zeros(n)
    k = min(2 * m, n - 1) if min_neighbours is None else min(int(min_neighbours), n - 1)
    dist = cdist(nF, nF)
    np.fill_diagonal(dist, np.inf)
    near = np.ones((n, n), bool) if epsilon is None else dist <= float(epsilon)
    if k > 0:
        nearest = np.argsort(dist, axis=1)[:, :k]
        near[np.arange(n)[:, None], nearest] = True
    np.fill_diagonal(near, False)
    diff = nF[None, :, :] - nF[:, None, :]          # diff[i, j] = F_j - F_i
    sacrifice = np.maximum(diff, 0.0).sum(axis=2)
    gain = np.maximum(-diff, 0.0).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(gain > 0, sacrifice / gain, np.inf)  # no gain: j is no alternative to i
    ratio = np.where(near, ratio, np.inf)
    mu = ratio.min(axis=1)
    return np.where(np.isfinite(mu), mu, -np.inf)


def check_weights(weights, n_obj: int) -> np.ndarray:
    """Weights as a normalised array, or :class:`InputError` naming the expected count."""
    w = np.asarray(weights, dtype=np.float64).ravel()
    given = as_called("--by weights", "weights")
    if w.size != n_obj:
        raise InputError(f"{given}: got {w.size} weights, the run has {n_obj} objectives")
    if np.any(~np.isfinite(w)) or np.any(w < 0) or w.max() <= 0:
        raise InputError(f"{given}: {w.tolist()} must be non-negative numbers, not all zero")
    w = w / w.max()  # first: a sum of huge weights would overflow
    return w / w.sum()


def pseudo_weight_distance(F: np.ndarray, weights) -> np.ndarray:
    """L1 distance of each point's pseudo-weights (pymoo ``PseudoWeights``) to ``weights``.

    A point's pseudo-weight for objective i is its normalised distance to the worst value
    of i, so a large weight asks for a point good in that objective.
    """
    F = np.asarray(F, dtype=np.float64)
    w = check_weights(weights, F.shape[1])
    if len(F) < 2:  # one candidate: nothing to weigh
        return np.zeros(len(F))
    lo, hi = F.min(axis=0), F.max(axis=0)
    hi = np.where(hi > lo, hi, lo + 1.0)
    _, pw = PseudoWeights(w).do(F, return_pseudo_weights=True, ideal=lo, nadir=hi)
    return np.abs(pw - w).sum(axis=1)


def asf(F: np.ndarray, weights) -> np.ndarray:
    """Achievement scalarizing function (pymoo ``ASF``) of the normalised front: ``max_i w_i f'_i``,
    in [0, 1] (``w`` summing to 1). Lower is better.

    ``weights`` are importances like :func:`pseudo_weight_distance`'s, so ASF receives
    their inverses. A zero weight counts as 1e-10 (pymoo's ``weight_0`` for its zero weights):
    that objective only breaks ties between designs the others cannot tell apart.
    """
    F = np.asarray(F, dtype=np.float64)
    w = check_weights(weights, F.shape[1])
    if len(F) < 2:
        return np.zeros(len(F))
    inv = 1.0 / np.maximum(w, 1e-10)  # not rescaled: a zero weight's 1e10 would scale every score (-3e9 shown)
    return np.asarray(ASF().do(normalise(F), inv), dtype=np.float64).reshape(len(F))
