"""How objectives are shown (labels with units, accuracy in %) and how figures are saved."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import LogFormatterSciNotation, LogLocator, NullFormatter  # noqa: E402

__all__ = ["LABELS", "label", "display", "log_scale", "set_log_scale", "count", "save", "plt", "CONSTRAINT_AXES", "FORMATS"]

FORMATS = ("png", "svg")

#: Objective -> axis label with its unit. ``error`` is shown as accuracy in %.
LABELS = {
    "error": "accuracy (%)", "latency_ms": "latency (ms)", "energy_uj": "energy (µJ)",
    "area_mm2": "area (mm²)", "edp": "energy-delay product (µJ·ms)", "params": "parameters",
    "macs": "MACs",
}
#: Constraint name -> (objective axis it is drawn on, short label).
CONSTRAINT_AXES = {
    "max_latency_ms": ("latency_ms", "max latency"), "max_energy_uj": ("energy_uj", "max energy"),
    "max_area_mm2": ("area_mm2", "max area"), "min_accuracy": ("error", "min accuracy"),
}


def label(objective: str) -> str:
    return LABELS.get(objective, objective)


def display(objective: str, values) -> np.ndarray:
    """Objective values as plotted: ``error`` becomes accuracy in %, others unchanged."""
    v = np.asarray(values, dtype=np.float64)
    return 100.0 * (1.0 - v) if objective == "error" else v


def constraint_value(name: str, bound: float) -> float:
    """A constraint bound in its axis's display units."""
    return 100.0 * bound if name == "min_accuracy" else float(bound)


def log_scale(objective: str, values) -> bool:
    """True for a cost axis spanning more than ~1.5 decades (positive values only)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return objective != "error" and len(v) > 1 and v.min() > 0 and v.max() / v.min() > 30.0


def count(n: int, noun: str) -> str:
    """``"1 run"``, ``"3 runs"``: ``n`` and ``noun``, plural unless ``n`` is 1."""
    return f"{n} {noun}{'s' * (n != 1)}"


def set_log_scale(ax, which: str) -> None:
    """Put the ``"x"`` or ``"y"`` axis of ``ax`` on a log scale (after plotting: the labels follow the
    data's range). Where fewer than two powers of ten are in view, matplotlib labels the minor ticks
    at 2, 3, 4 and 6 × 10ᵏ, whose labels run into each other: there 1, 2 and 5 × 10ᵏ are labelled
    instead, the other minor ticks stay unlabelled."""
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    lo, hi = sorted(axis.get_view_interval())
    if np.floor(np.log10(hi)) - np.ceil(np.log10(lo)) >= 1:  # two powers of ten or more: labelled alone
        return
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(LogFormatterSciNotation(minor_thresholds=(np.inf, np.inf)))  # label every major tick
    axis.set_minor_formatter(NullFormatter())


def save(fig, out_dir: Path, stem: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``out_dir``; close the figure."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in FORMATS:
        path = out_dir / f"{stem}.{ext}"
        # no date, and element ids from a fixed salt: the same run gives the same SVG bytes
        with matplotlib.rc_context({"svg.hashsalt": "evo_cosearch"}):
            fig.savefig(path, dpi=150, bbox_inches="tight", metadata={"Date": None} if ext == "svg" else None)
        paths.append(path)
    plt.close(fig)
    return paths
