"""Scalar rewards of designs from their metrics: the NAHAS reward and the AutoQKeras energy score.

The one home of both formulas (the NAHAS joint search and AutoQKeras): the RL search baseline
(``engine/reinforce``) optimises :func:`nahas_reward`, and the selection rules
(``select/rules``) rank archived designs with it and with :func:`energy_score`.
Pure numpy over arrays (N,); higher is better.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from evo_cosearch.errors import InputError, as_called, flag

__all__ = ["REWARD_MODES", "RewardTargets", "reward_exponents", "reward_mode_error", "nahas_reward", "ScoreParams",
           "score_param_error", "energy_score"]

#: NAHAS reward exponents ``(p, q)``: p when the metric meets its target, q when it does not.
REWARD_MODES = {"soft": (-0.071, -0.071), "hard": (0.0, -1.0)}


@dataclass(frozen=True)
class RewardTargets:
    """Targets and mode of a :func:`nahas_reward`; a target of ``None`` is decided by the user
    of the reward (a constraint of the problem, or a default)."""

    target_latency_ms: float | None = None
    target_area_mm2: float | None = None
    mode: str = "soft"


def reward_exponents(mode: str = "soft", p: float | None = None, q: float | None = None) -> tuple[float, float]:
    """``(p, q)`` of a reward mode, or the explicit pair when both ``p`` and ``q`` are given."""
    if p is not None or q is not None:
        if p is None or q is None:
            raise InputError(f"reward exponents: give both p and q (got p={p!r}, q={q!r})")
        return float(p), float(q)
    if (wrong := reward_mode_error(mode)) is not None:
        given = as_called("reward mode (--reward-mode)", "mode")  # select's --reward-mode is mode here
        raise InputError(f"{given}: {mode!r} {wrong}")
    return REWARD_MODES[mode]


def reward_mode_error(mode: str) -> str | None:
    """What is wrong with ``mode`` as a reward mode (None: nothing), for a caller that names it its
    own way (select's ``reward_mode``)."""
    return None if mode in REWARD_MODES else f"is not one of {', '.join(REWARD_MODES)}"


def nahas_reward(accuracy, latency_ms, area_mm2, *, target_latency_ms: float | None,
                 target_area_mm2: float | None, mode: str = "soft", p: float | None = None,
                 q: float | None = None) -> np.ndarray:
    """``R = ACC * (LAT/T_lat)^w0 * (AREA/T_area)^w1``, each ``w`` = p if the metric meets its
    target (``<=``), else q.

    ``mode`` is ``"soft"`` (p = q = -0.071) or ``"hard"`` (p = 0, q = -1); explicit ``p`` and
    ``q`` override it. A target of ``None`` drops its factor.
    """
    p, q = reward_exponents(mode, p, q)
    reward = np.asarray(accuracy, dtype=np.float64).copy()
    for value, target, name in ((latency_ms, target_latency_ms, "target_latency_ms"),
                                (area_mm2, target_area_mm2, "target_area_mm2")):
        if target is None:
            continue
        if not 0 < target < math.inf:
            what = as_called(f"target {name.split('_')[1]} ({flag(name)})", name)
            raise InputError(f"{what}: {target!r} must be a positive number")
        ratio = np.asarray(value, dtype=np.float64) / float(target)
        w = np.where(ratio <= 1.0, p, q)
        reward = reward * ratio ** w
    return reward


@dataclass(frozen=True)
class ScoreParams:
    """AutoQKeras-style energy trade-off: ``p`` % accuracy is worth an ``r``-fold energy change.

    ``cheaper``/``costlier`` apply to trials below/above the (stressed) reference energy.
    Defaults are the source's example: p = 8, r = 2 for smaller (cheaper) candidates,
    p = 2, r = 3 for larger (costlier) ones. ``stress`` < 1 lowers the reference energy,
    pushing the choice toward smaller designs.
    """

    p_cheaper: float = 8.0
    r_cheaper: float = 2.0
    p_costlier: float = 2.0
    r_costlier: float = 3.0
    stress: float = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if (wrong := score_param_error(f.name, value)) is not None:
                raise InputError(f"{_param(f.name)}: {value!r} {wrong}")


def score_param_error(name: str, value: float) -> str | None:
    """What is wrong with ``value`` as the :class:`ScoreParams` field ``name`` (None: nothing), for a
    caller that names the field its own way (select's ``score_p_cheaper``); KeyError for another name."""
    if name in ("p_cheaper", "p_costlier"):
        return None if math.isfinite(value) else "must be a finite number"
    if name in ("r_cheaper", "r_costlier"):
        return None if 1.0 < value < math.inf else "must be > 1 and finite"
    if name == "stress":
        return None if 0 < value < math.inf else "must be > 0 and finite"
    raise KeyError(name)


def _param(name: str) -> str:
    """A :class:`ScoreParams` field as the caller named it: ``p_cheaper``, select's ``--score-p-cheaper``."""
    return as_called(flag(f"score_{name}"), name)


def energy_score(accuracy, energy_uj, *, reference_energy_uj: float, params: ScoreParams = ScoreParams()) -> np.ndarray:
    """``accuracy * (1 + delta)``, ``delta = (p/100) ln(stress E_ref / E) / ln(r)``."""
    e_ref = float(reference_energy_uj) * params.stress
    if not e_ref > 0:
        raise InputError(f"score: reference energy {reference_energy_uj!r} µJ must be positive")
    energy = np.asarray(energy_uj, dtype=np.float64)
    log_gain = np.log(e_ref / energy)
    cheaper = energy <= e_ref
    p = np.where(cheaper, params.p_cheaper, params.p_costlier)
    r = np.where(cheaper, params.r_cheaper, params.r_costlier)
    delta = (p / 100.0) * log_gain / np.log(r)
    return np.asarray(accuracy, dtype=np.float64) * (1.0 + delta)
