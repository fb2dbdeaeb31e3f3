"""Accelerator repair: put each new design's accelerator on its network's hardware Pareto front.

The simulator costs well under a millisecond per design, an accuracy evaluation far more, and
the accelerator genes never change a design's accuracy. So for each network the search proposes,
:class:`AcceleratorRepair` simulates that network on every accelerator of the space (or a seeded
sample of :data:`MAX_ACCELERATORS` when the space is larger), once, and keeps the network's
*hardware front*: the accelerators that meet the problem's hardware constraints and that no other
one beats in every hardware objective of the problem (latency, energy, area, EDP: those it has).

A design is then repaired before it is evaluated: its accelerator is replaced by a front
accelerator at least as good in every hardware objective, drawn at random among those (with the
search's own random generator, so a run is reproducible and resumes identically); a design
already on the front keeps its accelerator, and one whose accelerator breaks a hardware
constraint gets the nearest front accelerator (on a log scale, so units do not matter). Drawing,
rather than taking the nearest, lets a network's offspring land anywhere on the stretch of its
front that beats the parent's accelerator, the energy-lean end included. Its network genes are
never touched. Each repaired design is one evaluated design of the search's budget; the
simulations of the sweep are extra (``sweeps`` and ``simulated`` count them).

``min_<objective>`` (``min_energy_uj``, ``min_latency_ms``, ...) is a second rule on the same
fronts: every design gets the front accelerator with the least of that hardware objective (ties:
the least of the others, in the problem's order), so the search sees each network at, say, its
least-energy point. Nothing is drawn; the other hardware objectives stay objectives of the search
but are explored only as far as the networks move them (a fast, costly accelerator is never
tried).

It is a pymoo :class:`~pymoo.core.repair.Repair` (applied to the initial population and to every
offspring before duplicates are removed) that keeps no state but its cache of fronts. Turned on
by ``search.accelerator_repair: front`` or ``min_<objective>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import moocore
import numpy as np
from pymoo.core.repair import Repair

from evo_cosearch.evaluate import meets_constraints
from evo_cosearch.engine.settings import ACCELERATOR_REPAIRS, HARDWARE_OBJECTIVES, least_objective

if TYPE_CHECKING:
    from evo_cosearch.space.accelerator import AcceleratorArrays
    from evo_cosearch.problem import Problem

__all__ = ["AcceleratorRepair", "ACCELERATOR_REPAIRS", "MAX_ACCELERATORS", "HARDWARE_OBJECTIVES",
           "HARDWARE_CONSTRAINTS", "accelerator_grid", "grid_accelerators", "simulate_accelerators",
           "least_objective"]

#: At most this many accelerators are simulated per network (a seeded sample of a larger space).
MAX_ACCELERATORS = 200_000
#: Constraints that depend on the accelerator (``min_accuracy`` depends on the network only).
HARDWARE_CONSTRAINTS = ("max_latency_ms", "max_area_mm2", "max_energy_uj")


def accelerator_grid(problem: "Problem", *, limit: int = MAX_ACCELERATORS,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The accelerator gene columns of ``problem`` and the index rows to try: every combination
    (in C order), or ``limit`` seeded random ones when there are more."""
    cols = np.flatnonzero(~problem.network_gene_mask)
    cards = np.asarray(problem.space.cardinalities)[cols]
    if np.prod(cards.astype(float)) <= limit:
        grid = np.stack(np.meshgrid(*[np.arange(c) for c in cards], indexing="ij"), axis=-1).reshape(-1, len(cols))
    else:
        grid = np.random.default_rng(seed).integers(0, cards, size=(limit, len(cols)))
    return cols, grid.astype(np.int64)


def grid_accelerators(problem: "Problem", cols: np.ndarray, grid: np.ndarray) -> "AcceleratorArrays":
    """The simulator's arrays of the accelerators of ``grid`` (the same for every network)."""
    X = np.zeros((len(grid), problem.space.n_var), dtype=np.int64)
    X[:, cols] = grid
    return problem.accelerator_arrays(X)


def simulate_accelerators(problem: "Problem", genome: np.ndarray, accelerators: "AcceleratorArrays",
                          simulate_fn: Callable | None = None) -> dict[str, np.ndarray]:
    """Latency, energy, area and EDP of ``genome``'s network on each of ``accelerators`` (from
    :func:`grid_accelerators`; the workload is computed once, the simulator takes one network for
    many accelerators)."""
    if simulate_fn is None:
        from evo_cosearch.hardware import simulate as simulate_fn
    genome = np.asarray(genome, dtype=np.int64)
    return _metrics(simulate_fn(problem.workload(genome[None, :]), accelerators))


def _metrics(hw) -> dict[str, np.ndarray]:
    latency = np.asarray(hw.latency_ms, dtype=np.float64)
    energy = np.asarray(hw.energy_uj, dtype=np.float64)
    return {"latency_ms": latency, "energy_uj": energy, "area_mm2": np.asarray(hw.area_mm2, dtype=np.float64),
            "edp": latency * energy}


class AcceleratorRepair(Repair):
    """Moves each design's accelerator onto its network's hardware front (see module doc).

    ``rule`` is ``front`` (a random front accelerator at least as good as the design's) or
    ``min_<objective>`` (the front's least value of that objective of the problem). A no-op for
    a problem with no accelerator choice or no hardware objective."""

    def __init__(self, problem: "Problem", *, rule: str = "front", simulate_fn: Callable | None = None,
                 limit: int = MAX_ACCELERATORS) -> None:
        super().__init__()
        if simulate_fn is None:
            from evo_cosearch.hardware import simulate as simulate_fn
        self.problem = problem
        self.simulate_fn = simulate_fn
        self.limit = int(limit)
        self.objectives = tuple(o for o in problem.objectives if o in HARDWARE_OBJECTIVES)
        if rule not in ACCELERATOR_REPAIRS[1:]:
            raise ValueError(f"unknown accelerator repair rule {rule!r}")
        least = least_objective(rule)
        if least is not None and least not in self.objectives:
            raise ValueError(f"accelerator repair {rule!r}: {least} is not an objective of the problem")
        self.rule = rule
        self.constraints = {k: v for k, v in problem.constraints.items() if k in HARDWARE_CONSTRAINTS}
        self._mask = problem.network_gene_mask
        cards = np.asarray(problem.space.cardinalities)
        self.active = bool(self.objectives) and bool(np.any(cards[~self._mask] > 1))
        self._grid: tuple[np.ndarray, np.ndarray] | None = None
        self._accelerators: "AcceleratorArrays | None" = None
        self._fronts: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        self.sweeps = 0      # networks swept
        self.simulated = 0   # designs simulated by the sweeps

    @property
    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        if self._grid is None:
            self._grid = accelerator_grid(self.problem, limit=self.limit)
        return self._grid

    def _log_objectives(self, metrics: dict[str, np.ndarray]) -> np.ndarray:
        F = np.column_stack([metrics[o] for o in self.objectives])
        return np.log(np.maximum(F, np.finfo(np.float64).tiny))

    def front(self, genome: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The hardware front of ``genome``'s network: accelerator index rows (K, A) and their
        log hardware objectives (K, M); K = 0 when no accelerator meets the constraints."""
        key = np.ascontiguousarray(np.asarray(genome, dtype=np.int64)[self._mask]).tobytes()
        if key not in self._fronts:
            cols, grid = self.grid
            if self._accelerators is None:
                self._accelerators = grid_accelerators(self.problem, cols, grid)
            m = simulate_accelerators(self.problem, genome, self._accelerators, self.simulate_fn)
            self.sweeps += 1
            self.simulated += len(grid)
            ok = np.flatnonzero(meets_constraints(m, self.constraints))
            F = self._log_objectives(m)
            keep = ok[moocore.is_nondominated(F[ok])] if len(ok) else ok
            self._fronts[key] = (grid[keep], F[keep])
        return self._fronts[key]

    def _do(self, problem, X, random_state=None, **kwargs):
        return self.apply(X, random_state)

    def apply(self, X: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """The repaired genomes (N, n_var) of ``X``: network genes as they are, accelerators on the
        fronts; ``rng`` draws among the front accelerators that beat a design's (default: seed 0)."""
        rng = np.random.default_rng(0) if rng is None else rng
        X = np.rint(np.asarray(X, dtype=np.float64)).astype(np.int64)
        if not self.active or len(X) == 0:
            return X
        if self.rule != "front":
            return self._least(X)
        p = self.problem
        cur = _metrics(self.simulate_fn(p.workload(X), p.accelerator_arrays(X)))
        cur_F, cur_ok = self._log_objectives(cur), meets_constraints(cur, self.constraints)
        cols = self.grid[0]
        out = X.copy()
        for r in range(len(X)):
            accels, F = self.front(X[r])
            if not len(accels):
                continue
            if not cur_ok[r]:
                out[r, cols] = accels[np.argmin(((F - cur_F[r]) ** 2).sum(1))]
                continue
            cand = np.flatnonzero(np.all(F <= cur_F[r] + 1e-12, axis=1))
            if len(cand) == 1:
                out[r, cols] = accels[cand[0]]
            elif len(cand) > 1:
                out[r, cols] = accels[cand[rng.integers(len(cand))]]
            # none: a sampled grid may hold nothing as good as this accelerator; it is kept
        return out

    def _least(self, X: np.ndarray) -> np.ndarray:
        """``min_<objective>``: each design on its front's least value of that objective (ties:
        the least of the other hardware objectives, in order); unchanged without a feasible one."""
        j = self.objectives.index(least_objective(self.rule))
        order = [j] + [k for k in range(len(self.objectives)) if k != j]
        cols = self.grid[0]
        out = X.copy()
        for r in range(len(X)):
            accels, F = self.front(X[r])
            if len(accels):
                out[r, cols] = accels[np.lexsort(F[:, order[::-1]].T)[0]]
        return out
