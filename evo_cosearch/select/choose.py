"""Choose one design from an archive: filter, keep the non-dominated matches, rank by a rule.

The candidates are the feasible designs that meet the :class:`Bounds`, reduced to their
non-dominated set (one per genome): filtering the whole archive, not only its Pareto set,
finds designs that a bound on a non-objective metric (say area) makes optimal. A rule gives
each candidate a score (higher is better); the chosen design is the best, its runners-up
follow in rank order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from evo_cosearch.archive import DesignTable, pareto_of
from evo_cosearch.errors import EvoCosearchError, InputError, arg, as_called
from evo_cosearch.select.filters import Bounds
from evo_cosearch.select.rules import ScoreParams, asf, energy_score, nahas_reward, pseudo_weight_distance, tradeoff

__all__ = ["Knee", "Weights", "Reward", "Score", "Rule", "Selection", "NoMatch", "select_design",
           "reference_row"]


class NoMatch(EvoCosearchError):
    """No design meets the filters (the CLI prints the message and exits with code 1)."""


@dataclass(frozen=True)
class Knee:
    """High trade-off point (:func:`~evo_cosearch.select.rules.tradeoff`); ``epsilon`` is the
    neighbourhood radius on the normalised front (``None``: every other point)."""

    epsilon: float | None = 0.125
    min_neighbours: int | None = None

    def scores(self, cand: DesignTable, designs: DesignTable, constraints: Mapping[str, float]) -> np.ndarray:
        if self.epsilon is not None and not self.epsilon > 0:
            raise InputError(f"{arg('epsilon')}: {self.epsilon!r} must be a positive radius")
        if self.min_neighbours is not None and self.min_neighbours < 1:
            raise InputError(f"{arg('min_neighbours')}: {self.min_neighbours} must be >= 1")
        return tradeoff(cand.F, epsilon=self.epsilon, min_neighbours=self.min_neighbours)

    def describe(self, designs: DesignTable, constraints: Mapping[str, float]) -> str:
        return f"knee (trade-off, epsilon {'all' if self.epsilon is None else self.epsilon})"


@dataclass(frozen=True)
class Weights:
    """Closest to objective weights (importances, one per objective), by ``pseudo`` weights or ``asf``."""

    weights: tuple[float, ...]
    method: str = "pseudo"

    def scores(self, cand: DesignTable, designs: DesignTable, constraints: Mapping[str, float]) -> np.ndarray:
        if self.method == "pseudo":
            return -pseudo_weight_distance(cand.F, self.weights)
        if self.method == "asf":
            return -asf(cand.F, self.weights)
        raise InputError(f"{as_called('--weights-method', 'method')}: {self.method!r} is not 'pseudo' or 'asf'")

    def describe(self, designs: DesignTable, constraints: Mapping[str, float]) -> str:
        pairs = ", ".join(f"{o}={w:g}" for o, w in zip(designs.objectives, self.weights))
        return f"weights ({self.method}: {pairs})"


@dataclass(frozen=True)
class Reward:
    """NAHAS reward; a target left ``None`` falls back on the run's ``max_latency_ms`` /
    ``max_area_mm2`` constraint, and is dropped if the run has none."""

    target_latency_ms: float | None = None
    target_area_mm2: float | None = None
    mode: str = "soft"

    def targets(self, constraints: Mapping[str, float]) -> tuple[float | None, float | None]:
        lat = self.target_latency_ms if self.target_latency_ms is not None else constraints.get("max_latency_ms")
        area = self.target_area_mm2 if self.target_area_mm2 is not None else constraints.get("max_area_mm2")
        if lat is None and area is None:
            raise InputError(f"{as_called('--by reward', 'Reward')}: give {arg('target_latency_ms')} and/or "
                             f"{arg('target_area_mm2')} (the run has no latency or area constraint to use)")
        return lat, area

    def scores(self, cand: DesignTable, designs: DesignTable, constraints: Mapping[str, float]) -> np.ndarray:
        lat, area = self.targets(constraints)
        m = cand.metrics
        return nahas_reward(m["accuracy"], m["latency_ms"], m["area_mm2"], target_latency_ms=lat,
                            target_area_mm2=area, mode=self.mode)

    def describe(self, designs: DesignTable, constraints: Mapping[str, float]) -> str:
        lat, area = self.targets(constraints)  # the run's constraints where not given: say which
        targets = [f"{what} target {value:g} {unit}" for what, value, unit in
                   (("latency", lat, "ms"), ("area", area, "mm²")) if value is not None]
        return f"reward ({', '.join([self.mode, *targets])})"


@dataclass(frozen=True)
class Score:
    """AutoQKeras-style energy score relative to a reference design: ``reference_id``, or by
    default the most accurate feasible design the search evaluated (ties: least energy)."""

    params: ScoreParams = field(default_factory=ScoreParams)
    reference_id: int | None = None

    def scores(self, cand: DesignTable, designs: DesignTable, constraints: Mapping[str, float]) -> np.ndarray:
        ref = reference_row(designs, self.reference_id)
        e_ref = float(designs.metrics["energy_uj"][ref])
        m = cand.metrics
        return energy_score(m["accuracy"], m["energy_uj"], reference_energy_uj=e_ref, params=self.params)

    def describe(self, designs: DesignTable, constraints: Mapping[str, float]) -> str:
        ref = reference_row(designs, self.reference_id)
        return (f"score (reference id {int(designs.id[ref])}, "
                f"{designs.metrics['energy_uj'][ref]:.4g} µJ, stress {self.params.stress:g})")


Rule = Knee | Weights | Reward | Score


def reference_row(designs: DesignTable, reference_id: int | None) -> int:
    """Row of the score's reference design (see :class:`Score`)."""
    if reference_id is not None:
        rows = np.flatnonzero(designs.id == int(reference_id))
        if len(rows) == 0:
            raise InputError(f"{arg('reference_id')}: no design with id {reference_id} in the archive "
                             f"(ids {int(designs.id.min())}..{int(designs.id.max())})")
        return int(rows[0])
    feas = np.flatnonzero(designs.feasible & designs.searched)  # not a refined one: its accuracy is after training
    if len(feas) == 0:
        raise InputError(f"score: the archive has no feasible design to use as reference (give {arg('reference_id')})")
    acc, energy = designs.metrics["accuracy"][feas], designs.metrics["energy_uj"][feas]
    return int(feas[np.lexsort((energy, -acc))[0]])


@dataclass(frozen=True)
class Selection:
    """The ranked candidates (``ranked[0]`` is the chosen design) and their rule scores."""

    ranked: DesignTable
    scores: np.ndarray
    rule: str
    n_candidates: int

    @property
    def chosen_id(self) -> int:
        return int(self.ranked.id[0])


def select_design(designs: DesignTable, rule: Rule, *, bounds: Bounds = Bounds(), top: int = 5,
                  constraints: Mapping[str, float] | None = None) -> Selection:
    """Choose a design of ``designs`` by ``rule`` among the non-dominated ones meeting ``bounds``.

    ``constraints`` are the run's (the reward's default targets). Raises :class:`NoMatch`
    naming the closest design and the bound it violates when nothing matches, and
    :class:`InputError` when ``designs`` is empty.
    """
    if top < 0:
        raise InputError(f"{arg('top')}: {top} must be >= 0")
    if len(designs) == 0:  # nothing to choose from: bad input, not "nothing meets the filters"
        raise InputError("the archive has no designs yet")
    feasible = np.asarray(designs.feasible, dtype=bool)
    if not feasible.any():
        raise NoMatch(f"no feasible design among the archive's {len(designs)} (every design violates "
                      f"the run's constraints)")
    ok = feasible & bounds.mask(designs.metrics)
    if not ok.any():
        feas = designs.take(np.flatnonzero(feasible))
        row, violated = bounds.closest(feas.metrics)
        raise NoMatch(f"no feasible design meets the filters; closest is id {int(feas.id[row])}: "
                      + "; ".join(str(v) for v in violated))
    cand = pareto_of(designs.take(np.flatnonzero(ok)))
    constraints = constraints or {}
    s = np.asarray(rule.scores(cand, designs, constraints), dtype=np.float64)
    if len(s) > 1 and not np.isfinite(s).any():
        raise NoMatch(f"{rule.describe(designs, constraints)}: no candidate of the {len(s)} gets a finite score "
                      f"(knee: no two candidates are neighbours; widen {arg('epsilon')})")
    key = np.where(np.isnan(s), -np.inf, s)
    order = np.argsort(-key, kind="stable")[: top + 1]
    return Selection(ranked=cand.take(order), scores=s[order], rule=rule.describe(designs, constraints),
                     n_candidates=len(cand))
