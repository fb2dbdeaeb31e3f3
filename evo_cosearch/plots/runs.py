"""Figures over evaluations and over several runs: hypervolume curves, median/IQR bands per
strategy, and empirical attainment surfaces (moocore) of 2-objective projections.

Runs compared together get one common hypervolume normalisation (the ideal and
reference points of all their feasible designs, as :func:`evo_cosearch.archive.hv_points`
makes them), since each run's stored hypervolume uses its own first generation.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Mapping, Sequence

import moocore
import numpy as np

from evo_cosearch.archive.indicators import hv_points, hypervolume, non_dominated
from evo_cosearch.plots.fronts import staircase
from evo_cosearch.plots.style import count, display, label, log_scale, plt, set_log_scale

__all__ = ["RunData", "HVCurve", "hv_curve", "common_hv_box", "median_band", "hv_figure", "hv_compare_figure",
           "attainment", "eaf_figure"]


@dataclass(frozen=True)
class RunData:
    """What the comparison figures need of one run (all plain arrays)."""

    name: str
    strategy: str
    generation: np.ndarray   # (N,)
    F: np.ndarray            # (N, M), minimised
    feasible: np.ndarray     # (N,) bool


@dataclass(frozen=True)
class HVCurve:
    """Hypervolume after each generation against the cumulative number of evaluations."""

    n_evals: np.ndarray
    hypervolume: np.ndarray


def common_hv_box(runs: Sequence[RunData]) -> tuple[np.ndarray, np.ndarray]:
    """``(ideal, ref)`` over the feasible designs of all ``runs`` (all designs if none is feasible)."""
    F = np.concatenate([r.F[r.feasible] for r in runs])
    if len(F) == 0:
        F = np.concatenate([r.F for r in runs])
    return hv_points(F)


def hv_curve(run: RunData, ideal, ref) -> HVCurve:
    """Cumulative feasible hypervolume of ``run`` after each of its generations."""
    gens = np.unique(run.generation)
    n_evals = np.array([(run.generation <= g).sum() for g in gens])
    hv = []
    for g in gens:
        keep = run.feasible & (run.generation <= g)
        P = run.F[keep]
        hv.append(hypervolume(P[non_dominated(P)], ideal, ref))
    return HVCurve(n_evals, np.array(hv))


def median_band(curves: Sequence[HVCurve], grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, 25th and 75th percentile over ``curves`` at evaluation counts ``grid``.

    Each curve is a step function (its value holds until the next generation); past a run's
    last generation it has no value, so each band point uses the runs that reached it.
    """
    vals = np.full((len(curves), len(grid)), np.nan)
    for k, c in enumerate(curves):
        idx = np.searchsorted(c.n_evals, grid, side="right") - 1
        inside = (idx >= 0) & (grid <= c.n_evals[-1])
        vals[k, inside] = c.hypervolume[idx[inside]]
        vals[k, (idx < 0)] = 0.0
    with warnings.catch_warnings():  # an all-NaN column (no run there) stays NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        q25, med, q75 = np.nanpercentile(vals, [25, 50, 75], axis=0)
    return med, q25, q75


def hv_figure(curve: HVCurve, *, title: str = ""):
    """One run's hypervolume vs evaluations."""
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.step(curve.n_evals, curve.hypervolume, where="post", color="#4c72b0", lw=1.6, marker="o", ms=3)
    ax.set_xlabel("evaluations (designs)")
    ax.set_ylabel("hypervolume (1 = first generation's ideal point)")
    ax.set_title(title or "hypervolume vs evaluations")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def hv_compare_figure(groups: Mapping[str, Sequence[HVCurve]], title: str = ""):
    """Per strategy: median hypervolume curve and interquartile band over its runs (seeds), the
    final median and band marked at the last evaluation count."""
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    colors = plt.get_cmap("tab10")
    for k, (strategy, curves) in enumerate(sorted(groups.items())):
        grid = np.unique(np.concatenate([c.n_evals for c in curves]))
        med, q25, q75 = median_band(curves, grid)
        color = colors(k % 10)
        ax.step(grid, med, where="post", color=color, lw=1.8, label=f"{strategy} (median of {len(curves)})")
        ax.fill_between(grid, q25, q75, step="post", color=color, alpha=0.2, linewidth=0)
        # a post step shows the last generation's value at one point only: mark it and its band
        ax.errorbar(grid[-1:], med[-1:], yerr=[med[-1:] - q25[-1:], q75[-1:] - med[-1:]], fmt="o", color=color,
                    ms=4, lw=1.2, capsize=3)
    ax.set_xlabel("evaluations (designs)")
    ax.set_ylabel("hypervolume (common normalisation)")
    ax.set_title(title or "hypervolume vs evaluations: median and interquartile band over seeds")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def attainment(fronts: Sequence[np.ndarray]) -> dict[float, np.ndarray]:
    """Empirical attainment surfaces of 2-D point sets (one per run), by percentile:
    best (attained by at least one run), median (50 %) and worst (by every run); levels that need
    the same number of runs are one surface, kept once (the median, where it is one of them: with
    one run, all three). A run with no point attains nothing but still counts: a level that needs
    more runs than have points is left out."""
    n = len(fronts)
    sets = [np.asarray(P, dtype=np.float64).reshape(-1, 2) for P in fronts]
    sets = [(k + 1, P[non_dominated(P)]) for k, P in enumerate(sets) if len(P)]
    if not sets:
        return {}
    points = np.concatenate([P for _, P in sets])
    ids = np.concatenate([np.full(len(P), k) for k, P in sets])
    out = moocore.eaf(points, ids)  # every level of the runs with points: attained by 1..m of them
    m = len(sets)
    by_count = {k: out[np.isclose(out[:, 2], 100.0 * k / m), :2] for k in range(1, m + 1)}
    level_of: dict[int, float] = {}  # runs needed -> the level drawn for them
    for lv in (50.0, 100.0 / n, 100.0):
        level_of.setdefault(max(1, math.ceil(lv * n / 100.0 - 1e-9)), lv)
    return {level_of[k]: by_count[k] for k in sorted(level_of) if k <= m and len(by_count[k])}


def eaf_figure(objectives: tuple[str, str], groups: Mapping[str, Sequence[np.ndarray]], title: str = ""):
    """Attainment surfaces per strategy on two objectives (x, y): median solid, best and
    worst dotted. ``groups`` maps a strategy to its runs' feasible (k, 2) point sets; the legend
    counts the runs without any (a level that needs more runs than have points is not drawn)."""
    ox, oy = objectives
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    colors = plt.get_cmap("tab10")
    allP = np.concatenate([np.asarray(P).reshape(-1, 2) for runs in groups.values() for P in runs])
    x_end, y_end = allP[:, 0].max(), allP[:, 1].max()
    for k, (strategy, fronts) in enumerate(sorted(groups.items())):
        surfaces = attainment(fronts)
        color = colors(k % 10)
        n, empty = len(fronts), sum(1 for P in fronts if len(P) == 0)
        runs = count(n, "run") + (f", {empty} without feasible designs" if empty else "")
        if not surfaces:  # still in the legend, so that the strategy is not taken for one left out
            ax.plot([], [], color=color, ls=":", label=f"{strategy}: no feasible design in {count(n, 'run')}")
        for lv, P in surfaces.items():
            if len(P) == 0:
                continue
            V = staircase(P, x_end, y_end)
            median = np.isclose(lv, 50.0)
            text = "median" if median else ("best" if lv < 50 else "worst")
            ax.plot(display(ox, V[:, 0]), display(oy, V[:, 1]), color=color, lw=1.8 if median else 1.0,
                    ls="-" if median else ":", label=f"{strategy}: {text} ({lv:.0f} %, {runs})")
    if log_scale(ox, allP[:, 0]):
        set_log_scale(ax, "x")
    if log_scale(oy, allP[:, 1]):
        set_log_scale(ax, "y")
    ax.set_xlabel(label(ox))
    ax.set_ylabel(label(oy))
    ax.set_title(title or f"empirical attainment surfaces: {label(oy)} vs {label(ox)}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig
