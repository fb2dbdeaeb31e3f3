"""Run-comparison helpers: hypervolume curves, median/IQR bands, attainment surfaces."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from evo_cosearch.plots.runs import HVCurve, RunData, attainment, common_hv_box, hv_curve, median_band  # noqa: E402


def test_median_band_steps_and_ignores_runs_that_have_ended():
    a = HVCurve(np.array([10, 20, 30]), np.array([0.1, 0.2, 0.3]))
    b = HVCurve(np.array([10, 20]), np.array([0.3, 0.4]))
    c = HVCurve(np.array([10, 20, 30]), np.array([0.2, 0.6, 0.9]))
    med, q25, q75 = median_band([a, b, c], np.array([5, 10, 15, 20, 30]))
    assert med.tolist() == pytest.approx([0.0, 0.2, 0.2, 0.4, 0.6])   # at 30: only a and c
    assert np.all(q25 <= med) and np.all(med <= q75)


def test_hv_curve_is_cumulative_and_non_decreasing():
    rng = np.random.default_rng(0)
    gen = np.repeat(np.arange(5), 8)
    F = rng.random((40, 2))
    run = RunData("r", "nsga2", gen, F, rng.random(40) > 0.3)
    curve = hv_curve(run, *common_hv_box([run]))
    assert curve.n_evals.tolist() == [8, 16, 24, 32, 40]
    assert np.all(np.diff(curve.hypervolume) >= 0) and curve.hypervolume[-1] > 0


def test_attainment_levels_of_identical_runs_coincide():
    P = np.array([[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]])
    s = attainment([P, P.copy(), P.copy()])
    assert set(s) == {100 / 3, 50.0, 100.0}
    for surface in s.values():
        assert sorted(map(tuple, surface)) == sorted(map(tuple, P))


def test_attainment_best_and_worst_bracket_the_runs():
    good, bad = np.array([[0.1, 0.1]]), np.array([[0.5, 0.5]])
    s = attainment([good, bad])
    assert s[50.0].tolist() == [[0.1, 0.1]]       # attained by at least half (one of two)
    assert s[100.0].tolist() == [[0.5, 0.5]]      # attained by both


def test_attainment_counts_runs_without_feasible_designs():
    good, bad, empty = np.array([[0.1, 0.1]]), np.array([[0.5, 0.5]]), np.zeros((0, 2))
    s = attainment([good, bad, empty])
    assert s[100 / 3].tolist() == [[0.1, 0.1]]    # attained by at least one of three
    assert s[50.0].tolist() == [[0.5, 0.5]]       # by two of three: not the best run alone
    assert 100.0 not in s                         # no point is attained by all three
    assert set(attainment([good, empty])) == {50.0}


def test_one_run_has_one_attainment_surface():
    P = np.array([[0.1, 0.9], [0.5, 0.5]])
    s = attainment([P])  # its best, median and worst are the same surface
    assert list(s) == [50.0] and sorted(map(tuple, s[50.0])) == sorted(map(tuple, P))
