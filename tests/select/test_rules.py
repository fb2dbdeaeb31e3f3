"""Selection rules: knee trade-off (with a real neighbourhood), weights, NAHAS reward, energy score."""

from __future__ import annotations

import numpy as np
import pytest
from pymoo.mcdm.high_tradeoff import HighTradeoffPoints

from evo_cosearch.archive import non_dominated
from evo_cosearch.errors import InputError
from evo_cosearch.select.rules import (
    ScoreParams, asf, energy_score, nahas_reward, normalise, pseudo_weight_distance, tradeoff,
)


def polyline(vertices, n=10):
    """Points along straight segments through ``vertices`` (n per segment)."""
    pts = []
    for a, b in zip(vertices[:-1], vertices[1:]):
        for t in np.linspace(0, 1, n, endpoint=False):
            pts.append((1 - t) * np.asarray(a, float) + t * np.asarray(b, float))
    pts.append(np.asarray(vertices[-1], float))
    return np.array(pts)


def dented_front():
    """A big corner at (0.3, 0.3) and, on the flat right arm, a small dent (a local corner)."""
    right = lambda x: 0.3 - 0.3 * (x - 0.3) / 0.7  # noqa: E731
    xs = np.r_[np.linspace(0, 0.3, 8), np.linspace(0.3, 1, 15)[1:]]
    F = np.c_[xs, np.where(xs <= 0.3, 1 - 0.7 * xs / 0.3, right(xs))]
    F = np.r_[F, [[0.62, right(0.62) - 0.05]]]
    return F[non_dominated(F)]


@pytest.mark.parametrize("epsilon", [0.05, 0.125, None])
def test_knee_of_a_two_segment_front_is_its_corner(epsilon):
    F = polyline([(0, 1), (0.2, 0.2), (1, 0)], n=20)
    mu = tradeoff(F, epsilon=epsilon)
    assert np.allclose(F[np.argmax(mu)], (0.2, 0.2))
    # moving off the corner costs 4 units per unit gained (slopes 0.8/0.2 on both sides)
    assert mu.max() == pytest.approx(4.0)


def test_knee_is_invariant_to_objective_scale():
    F = polyline([(0, 1), (0.2, 0.2), (1, 0)], n=20)
    scaled = F * np.array([1000.0, 0.001])
    assert np.argmax(tradeoff(scaled)) == np.argmax(tradeoff(F))


def test_epsilon_is_a_real_neighbourhood():
    F = dented_front()
    local = F[np.argmax(tradeoff(F, epsilon=0.1, min_neighbours=2))]
    whole = F[np.argmax(tradeoff(F, epsilon=None))]
    assert np.allclose(whole, (0.3, 0.3))          # the global corner
    assert local[0] > 0.6                          # the local corner beside the dent
    # a wider neighbourhood can only lower each point's minimum trade-off
    assert np.all(tradeoff(F, epsilon=None) <= tradeoff(F, epsilon=0.1) + 1e-12)


def test_pymoo_high_tradeoff_points_ignores_epsilon():
    """Why we compute the trade-off ourselves: pymoo 0.6.2 hard-codes a 0.125 radius."""
    F = dented_front()
    assert np.array_equal(HighTradeoffPoints(epsilon=0.01).do(F), HighTradeoffPoints(epsilon=10.0).do(F))


def test_duplicates_and_single_points_do_not_break_tradeoff():
    assert tradeoff(np.array([[1.0, 2.0]])).shape == (1,)
    mu = tradeoff(np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]))
    assert np.all(np.isfinite(mu))


def test_normalise_maps_columns_to_unit_range_and_constant_to_zero():
    Z = normalise(np.array([[1.0, 5.0, 3.0], [3.0, 7.0, 3.0]]))
    assert np.array_equal(Z, [[0, 0, 0], [1, 1, 0]])


@pytest.mark.parametrize("method", [pseudo_weight_distance, asf])
def test_weights_pick_the_extreme_for_a_one_hot_weight(method):
    F = polyline([(0, 1), (0.3, 0.3), (1, 0)], n=10)
    assert np.argmin(method(F, [1.0, 0.0])) == np.argmin(F[:, 0])
    assert np.argmin(method(F, [0.0, 1.0])) == np.argmin(F[:, 1])
    balanced = F[np.argmin(method(F, [0.5, 0.5]))]
    assert 0.1 < balanced[0] < 0.6


@pytest.mark.parametrize("weights", [[1.0, 0.0, 0.0], [0.0, 2.0, 2.0], [1.0, 1.0, 1.0]])
def test_asf_is_the_largest_weighted_normalised_objective_zero_weights_breaking_ties_only(weights):
    # a zero weight made every score about 1e10 times larger (select printed -3.209e+09)
    F = np.random.default_rng(0).random((12, 3))
    F[:3, [i for i, w in enumerate(weights) if w]] = 0.0  # three designs the weighted objectives cannot tell apart
    w = np.array(weights) / sum(weights)
    got = asf(F, weights)
    np.testing.assert_allclose(got, (np.maximum(w, 1e-10) * normalise(F)).max(axis=1), rtol=1e-12, atol=0)
    assert np.all((got >= 0) & (got <= 1))
    assert np.argmin(got) == np.argmin([max(normalise(F)[k, w == 0], default=0) for k in range(3)])


def test_weights_must_match_the_number_of_objectives():
    F = np.random.default_rng(0).random((5, 3))
    with pytest.raises(InputError, match="got 2 weights, the run has 3 objectives"):
        pseudo_weight_distance(F, [0.5, 0.5])
    with pytest.raises(InputError, match="non-negative"):
        asf(F, [1.0, -1.0, 0.5])


def test_nahas_reward_soft_and_hard():
    acc, lat, area = np.array([0.9, 0.9]), np.array([1.0, 4.0]), np.array([2.0, 2.0])
    soft = nahas_reward(acc, lat, area, target_latency_ms=2.0, target_area_mm2=None, mode="soft")
    assert soft == pytest.approx(0.9 * np.array([0.5, 2.0]) ** -0.071)
    hard = nahas_reward(acc, lat, area, target_latency_ms=2.0, target_area_mm2=None, mode="hard")
    assert hard == pytest.approx([0.9, 0.9 / 2.0])   # met: factor 1; missed: (LAT/T)^-1
    both = nahas_reward(acc, lat, area, target_latency_ms=2.0, target_area_mm2=1.0, mode="hard")
    assert both == pytest.approx([0.9 / 2.0, 0.9 / 4.0])
    with pytest.raises(InputError, match="^mode: 'medium' is not one of"):
        nahas_reward(acc, lat, area, target_latency_ms=2.0, target_area_mm2=None, mode="medium")


def test_energy_score_follows_the_autoqkeras_formula():
    acc = np.full(3, 0.9)
    s = energy_score(acc, [1.0, 2.0, 6.0], reference_energy_uj=2.0)
    # half the energy: +8 % (p=8, r=2); same: 0; three times: -2 % (p=2, r=3)
    assert s == pytest.approx([0.9 * 1.08, 0.9, 0.9 * 0.98])
    stressed = energy_score(acc[:1], [1.0], reference_energy_uj=2.0, params=ScoreParams(stress=0.5))
    assert stressed == pytest.approx([0.9])   # stress moves the reference down to 1 µJ
    with pytest.raises(InputError, match="must be > 1"):
        ScoreParams(r_cheaper=1.0)
