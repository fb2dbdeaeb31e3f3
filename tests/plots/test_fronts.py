"""Front figures: the staircase geometry, axis pairing, and that each figure draws what it says."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from evo_cosearch.plots.fronts import front_3d_figure, pair_axes, pair_figure, parallel_figure, staircase  # noqa: E402
from evo_cosearch.plots.style import display, label, log_scale, plt  # noqa: E402


def test_staircase_steps_right_then_down_through_the_non_dominated_points():
    P = np.array([[3.0, 1.0], [1.0, 3.0], [2.0, 2.0], [2.5, 2.5]])   # the last is dominated
    V = staircase(P, x_end=4.0, y_end=5.0)
    assert V.tolist() == [[1, 5], [1, 3], [2, 3], [2, 2], [3, 2], [3, 1], [4, 1]]
    # every segment is horizontal or vertical, and the boundary never goes up or left
    d = np.diff(V, axis=0)
    assert np.all((d[:, 0] == 0) | (d[:, 1] == 0))
    assert np.all(d[:, 0] >= 0) and np.all(d[:, 1] <= 0)


def test_pairs_cover_every_objective_pair_with_accuracy_on_y():
    obj = ("error", "latency_ms", "energy_uj", "area_mm2")
    pairs = pair_axes(obj)
    assert len(pairs) == 6
    assert {frozenset(p) for p in pairs} == {frozenset((i, j)) for i in range(4) for j in range(i + 1, 4)}
    assert all(obj[x] != "error" for x, _ in pairs)


def test_display_shows_error_as_accuracy_percent():
    assert display("error", [0.1, 0.25]).tolist() == [90.0, 75.0]
    assert display("latency_ms", [2.0]).tolist() == [2.0]
    assert label("error") == "accuracy (%)" and label("energy_uj") == "energy (µJ)"
    assert log_scale("latency_ms", [0.01, 1.0]) and not log_scale("latency_ms", [1.0, 2.0])
    assert not log_scale("error", [0.001, 0.9])


def _front(n=30, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.random(n)
    F = np.c_[0.05 + 0.5 * t, 1.0 / (0.2 + t), 3.0 + rng.random(n)]
    feasible = rng.random(n) > 0.2
    return F, feasible


def test_pair_figure_draws_points_front_and_constraint_lines():
    F, feasible = _front()
    fig = pair_figure(("error", "latency_ms", "energy_uj"), 1, 0, F, feasible, F[feasible][:5],
                      {"max_latency_ms": 3.0, "min_accuracy": 0.6, "max_area_mm2": 2.0})
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("infeasible") for t in texts) and any(t.startswith("Pareto set") for t in texts)
    assert "max latency 3 ms" in texts and "min accuracy 60 %" in texts
    assert not any("area" in t for t in texts)          # no area axis, no area line
    assert ax.get_xlabel() == "latency (ms)" and ax.get_ylabel() == "accuracy (%)"
    plt.close(fig)


def test_front_3d_and_parallel_coordinates_render():
    F, feasible = _front()
    fig = front_3d_figure(("error", "latency_ms", "energy_uj", "area_mm2"), np.c_[F, F[:, 2]], feasible,
                          np.c_[F, F[:, 2]][feasible][:6])
    assert len(fig.axes) == 2                            # the 3-D axes and the 4th objective's colour bar
    plt.close(fig)
    fig = front_3d_figure(("error", "latency_ms", "energy_uj"), F, np.zeros(len(F), bool), np.zeros((0, 3)))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [f"infeasible ({len(F)}): no feasible design"]  # not an empty plot
    plt.close(fig)
    V = np.c_[display("error", F[:, 0]), F[:, 1], [1, 2, 4] * 10]
    fig = parallel_figure(["error", "latency_ms", "pes_x"], ["accuracy (%)", "latency (ms)", "pes_x"], V,
                          V[:, 0], "accuracy (%)", log_axes=[False, True, False])
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["accuracy (%)", "latency (ms) (log)", "pes_x"]
    assert len(fig.axes[0].lines) >= len(V)
    plt.close(fig)


@pytest.mark.parametrize("n", [1, 2])
def test_tiny_fronts_render(n):
    F, feasible = _front(n)
    fig = pair_figure(("error", "latency_ms"), 1, 0, F[:, :2], np.ones(n, bool), F[:, :2], {})
    plt.close(fig)
    V = np.c_[display("error", F[:, 0]), F[:, 1]]
    fig = parallel_figure(["error", "latency_ms"], ["accuracy (%)", "latency (ms)"], V, V[:, 0], "accuracy (%)")
    bars = fig.axes[1:]  # one design: no colour bar, whose range matplotlib would widen past 100 % accuracy
    assert len(bars) == (n > 1) and all(b.get_ylim() == (V[:, 0].min(), V[:, 0].max()) for b in bars)
    assert fig.axes[0].get_title().startswith(f"Pareto set ({n} design{'s' * (n > 1)}):")
    plt.close(fig)
