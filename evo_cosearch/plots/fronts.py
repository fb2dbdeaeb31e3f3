"""Figures of one run's designs: pairwise 2-D fronts, a 3-D front, parallel coordinates.

Pure: arrays in, a matplotlib ``Figure`` out. ``F`` is (N, M) with every objective
minimised, in the run's objective order; ``error`` is shown as accuracy in %.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from evo_cosearch.archive.indicators import non_dominated
from evo_cosearch.plots.style import (
    CONSTRAINT_AXES, constraint_value, count, display, label, log_scale, plt, set_log_scale,
)

__all__ = ["staircase", "pair_axes", "pair_figure", "front_3d_figure", "parallel_figure"]

FAINT, INFEASIBLE, PARETO, STAIR, LIMIT, REFINED = "#4c72b0", "#999999", "#dd8452", "#c44e52", "#55a868", "#8172b3"


def staircase(P: np.ndarray, x_end: float, y_end: float) -> np.ndarray:
    """Vertices (minimised space) of the attainment boundary of the 2-D points ``P``.

    The boundary rises to ``y_end`` above the leftmost point and runs to ``x_end`` right of
    the lowest one; between points it steps right, then down.
    """
    P = np.asarray(P, dtype=np.float64)
    P = P[non_dominated(P)]
    P = P[np.lexsort((P[:, 1], P[:, 0]))]
    verts = [(P[0, 0], max(y_end, P[0, 1]))]
    for k, (x, y) in enumerate(P):
        if k:
            verts.append((x, P[k - 1, 1]))
        verts.append((x, y))
    verts.append((max(x_end, P[-1, 0]), P[-1, 1]))
    return np.array(verts)


def pair_axes(objectives: Sequence[str]) -> list[tuple[int, int]]:
    """Every pair of objectives as (x, y) columns; ``error`` (accuracy) always on y."""
    pairs = []
    for i in range(len(objectives)):
        for j in range(i + 1, len(objectives)):
            pairs.append((j, i) if objectives[i] == "error" else (i, j))
    return pairs


def pair_figure(objectives: Sequence[str], x: int, y: int, F: np.ndarray, feasible: np.ndarray,
                pareto_F: np.ndarray, constraints: Mapping[str, float], title: str = "", *,
                refined_F: np.ndarray | None = None, refined_feasible: np.ndarray | None = None):
    """Designs on objectives ``x`` vs ``y``: all faint, infeasible as crosses, the run's
    Pareto set highlighted, the feasible 2-D front as a staircase, constraint lines. Designs that
    ``refine`` added (``refined_F``) are diamonds of their own, in no front or Pareto set."""
    ox, oy = objectives[x], objectives[y]
    F, feasible = np.asarray(F, dtype=np.float64), np.asarray(feasible, dtype=bool)
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    bad, good = F[~feasible], F[feasible]
    if len(bad):
        ax.scatter(display(ox, bad[:, x]), display(oy, bad[:, y]), marker="x", s=14, linewidths=0.8,
                   color=INFEASIBLE, alpha=0.6, label=f"infeasible ({len(bad)})")
    if len(good):
        ax.scatter(display(ox, good[:, x]), display(oy, good[:, y]), s=12, color=FAINT, alpha=0.25,
                   linewidths=0, label=f"feasible ({len(good)})")
        V = staircase(good[:, [x, y]], good[:, x].max(), good[:, y].max())
        ax.plot(display(ox, V[:, 0]), display(oy, V[:, 1]), color=STAIR, lw=1.4, label="2-D front (feasible)")
    if len(pareto_F):
        P = np.asarray(pareto_F, dtype=np.float64)
        ax.scatter(display(ox, P[:, x]), display(oy, P[:, y]), s=34, color=PARETO, edgecolors="black",
                   linewidths=0.6, zorder=3, label=f"Pareto set, all objectives ({len(P)})")
    _refined(ax, refined_F, refined_feasible, lambda R: (display(ox, R[:, x]), display(oy, R[:, y])))
    for name, bound in constraints.items():
        axis, text = CONSTRAINT_AXES.get(name, (None, name))
        unit = label(axis).split("(")[-1].rstrip(")") if axis and "(" in label(axis) else ""
        value = constraint_value(name, bound)
        if axis == ox:
            ax.axvline(value, color=LIMIT, ls="--", lw=1.2, label=f"{text} {value:g} {unit}".rstrip())
        elif axis == oy:
            ax.axhline(value, color=LIMIT, ls="--", lw=1.2, label=f"{text} {value:g} {unit}".rstrip())
    if log_scale(ox, F[:, x]):
        set_log_scale(ax, "x")
    if log_scale(oy, F[:, y]):
        set_log_scale(ax, "y")
    ax.set_xlabel(label(ox))
    ax.set_ylabel(label(oy))
    ax.set_title(title or f"{label(oy)} vs {label(ox)}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best", framealpha=0.85)
    fig.tight_layout()
    return fig


def front_3d_figure(objectives: Sequence[str], F: np.ndarray, feasible: np.ndarray, pareto_F: np.ndarray,
                    title: str = "", *, refined_F: np.ndarray | None = None,
                    refined_feasible: np.ndarray | None = None):
    """The first three objectives in 3-D: feasible designs faint, the Pareto set highlighted
    (coloured by the fourth objective when there is one); infeasible designs as crosses where
    no design is feasible; designs that ``refine`` added (``refined_F``) as diamonds of their own."""
    F, feasible = np.asarray(F, dtype=np.float64), np.asarray(feasible, dtype=bool)
    P = np.asarray(pareto_F, dtype=np.float64).reshape(-1, F.shape[1])
    fig = plt.figure(figsize=(7.0, 5.6))
    ax = fig.add_subplot(projection="3d")
    o = objectives[:3]
    logs = [log_scale(o[k], F[feasible, k] if feasible.any() else F[:, k]) for k in range(3)]

    def coords(A):
        return [np.log10(display(o[k], A[:, k])) if logs[k] else display(o[k], A[:, k]) for k in range(3)]

    good = F[feasible]
    if len(good):
        ax.scatter(*coords(good), s=6, color=FAINT, alpha=0.15, label=f"feasible ({len(good)})")
    elif len(F):
        ax.scatter(*coords(F), marker="x", s=14, linewidths=0.8, color=INFEASIBLE, alpha=0.6,
                   label=f"infeasible ({len(F)}): no feasible design")
    if len(P):
        kw = dict(color=PARETO) if len(objectives) < 4 else dict(c=display(objectives[3], P[:, 3]), cmap="viridis")
        sc = ax.scatter(*coords(P), s=30, edgecolors="black", linewidths=0.5, depthshade=False,
                        label=f"Pareto set ({len(P)})", **kw)
        if len(objectives) >= 4:
            fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.12, label=label(objectives[3]))
    _refined(ax, refined_F, refined_feasible, coords, depthshade=False)
    names = [f"log₁₀ {label(o[k])}" if logs[k] else label(o[k]) for k in range(3)]
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_zlabel(names[2])
    ax.set_title(title or "Pareto front (3-D)")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _refined(ax, R, feasible, coords, **kw) -> None:
    """Draw the refined designs ``R`` (rows of F) with ``coords(R)``: filled diamonds, hollow where
    infeasible; their accuracy is measured after training, so they stay out of the search's fronts."""
    if R is None or len(R) == 0:
        return
    R = np.asarray(R, dtype=np.float64)
    ok = np.ones(len(R), bool) if feasible is None else np.asarray(feasible, dtype=bool)
    for rows, face, text in ((ok, REFINED, "refined"), (~ok, "none", "refined, infeasible")):
        if rows.any():
            ax.scatter(*coords(R[rows]), marker="D", s=40, facecolors=face, edgecolors=REFINED if face == "none"
                       else "black", linewidths=1.0, zorder=4, label=f"{text} ({rows.sum()})", **kw)


def parallel_figure(names: Sequence[str], labels: Sequence[str], values: np.ndarray, color_by: np.ndarray,
                    color_label: str, title: str = "", log_axes: Sequence[bool] | None = None):
    """Parallel coordinates: one line per design over axes ``names`` (values (P, K), each
    axis scaled to its own min..max -- logarithmically where ``log_axes`` -- and annotated
    with both), coloured by ``color_by`` (with a colour bar unless every design has one value)."""
    V = np.asarray(values, dtype=np.float64).reshape(-1, len(names))
    lo, hi = V.min(axis=0), V.max(axis=0)
    logs = np.zeros(len(names), bool) if log_axes is None else np.asarray(log_axes, bool) & (lo > 0)
    T = np.where(logs, np.log10(np.where(logs, V, 1.0)), V)
    tlo, thi = T.min(axis=0), T.max(axis=0)
    Z = np.where(thi > tlo, (T - tlo) / np.where(thi > tlo, thi - tlo, 1.0), 0.5)
    fig, ax = plt.subplots(figsize=(max(7.0, 0.75 * len(names) + 2.0), 4.8))
    cmap = plt.get_cmap("viridis")
    c = np.asarray(color_by, dtype=np.float64)
    cn = (c - c.min()) / (np.ptp(c) or 1.0)
    xs = np.arange(len(names))
    for k in np.argsort(cn):
        ax.plot(xs, Z[k], color=cmap(cn[k]), alpha=0.75, lw=1.2)
    for k in xs:
        ax.axvline(k, color="black", lw=0.6)
        ax.annotate(f"{hi[k]:.3g}", (k, 1.0), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=7)
        ax.annotate(f"{lo[k]:.3g}", (k, 0.0), xytext=(0, -10), textcoords="offset points", ha="center", fontsize=7)
    ax.set_xticks(xs, [f"{t} (log)" if lg else t for t, lg in zip(labels, logs)], rotation=40, ha="right",
                  fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.08, 1.08)
    ax.set_xlim(-0.3, len(names) - 0.7)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if np.ptp(c) > 0:  # one value (one design) has no scale: matplotlib would widen it past the data
        sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(c.min(), c.max()))
        fig.colorbar(sm, ax=ax, pad=0.01, label=color_label)
    ax.set_title(title or f"Pareto set ({count(len(V), 'design')}): objectives and main genes")
    fig.tight_layout()
    return fig
