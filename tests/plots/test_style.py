"""How axes are shown: log-axis tick labels that can be read."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from evo_cosearch.plots.fronts import pair_figure  # noqa: E402
from evo_cosearch.plots.runs import eaf_figure  # noqa: E402
from evo_cosearch.plots.style import plt  # noqa: E402


def _labels(fig, axis):
    """The tick labels drawn on ``axis`` (inside its view), left to right or bottom to top, with their extents."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    lo, hi = sorted(axis.get_view_interval())
    ticks = [t for t in axis.get_major_ticks() + axis.get_minor_ticks()
             if lo <= t.get_loc() <= hi and t.label1.get_visible() and t.label1.get_text()]
    return sorted(((t.get_loc(), t.label1.get_text(), t.label1.get_window_extent(renderer)) for t in ticks),
                  key=lambda item: item[0])


@pytest.mark.parametrize("lo, hi", [(1.5, 50.0), (0.2, 7.0), (3.0, 100.0), (30.0, 5e3)])
def test_log_axis_tick_labels_do_not_run_into_each_other(lo, hi):
    # about 1.5 decades used to label 2, 3, 4 and 6 x 10^k: "3x10^0" and "4x10^0" ran together
    energy = np.geomspace(lo, hi, 12)
    error = np.linspace(0.5, 0.05, 12)
    F = np.c_[error, energy]
    two_runs = [F[::2, ::-1], F[1::2, ::-1]]
    for fig, axis in ((pair_figure(("error", "energy_uj"), 1, 0, F, np.ones(12, bool), F[:3], {}), "x"),
                      (eaf_figure(("energy_uj", "error"), {"nsga2": two_runs}), "x"),
                      (pair_figure(("energy_uj", "latency_ms"), 1, 0, np.c_[energy, energy[::-1]],
                                   np.ones(12, bool), F[:0], {}), "y")):
        ax = fig.axes[0]
        labels = _labels(fig, ax.xaxis if axis == "x" else ax.yaxis)
        assert len(labels) >= 2, labels  # more than the one power of ten that may be in view
        for (_, a, box_a), (_, b, box_b) in zip(labels, labels[1:]):
            gap = box_b.x0 - box_a.x1 if axis == "x" else box_b.y0 - box_a.y1
            assert gap > 2, f"{a!r} and {b!r} overlap"
        plt.close(fig)
