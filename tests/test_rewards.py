"""Scalar rewards: the NAHAS reward by hand (soft / hard, targets met / missed), its one home."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from evo_cosearch import rewards
from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.rewards import REWARD_MODES, ScoreParams, nahas_reward, reward_exponents, score_param_error
from evo_cosearch.select import rules

ACC = np.array([0.8, 0.8, 0.8, 0.8])
LAT = np.array([1.0, 4.0, 1.0, 4.0])    # target 2 ms: met, missed, met, missed
AREA = np.array([5.0, 5.0, 20.0, 20.0])  # target 10 mm²: met, met, missed, missed


def test_soft_mode_by_hand():
    r = nahas_reward(ACC, LAT, AREA, target_latency_ms=2.0, target_area_mm2=10.0, mode="soft")
    w = -0.071
    expected = [0.8 * 0.5 ** w * 0.5 ** w, 0.8 * 2.0 ** w * 0.5 ** w, 0.8 * 0.5 ** w * 2.0 ** w,
                0.8 * 2.0 ** w * 2.0 ** w]
    assert r == pytest.approx(expected, rel=1e-12)
    assert r[0] == pytest.approx(0.8 * 1.103434, rel=1e-6)  # 0.25 ** -0.071 = 1.1034337...
    assert r[1] == pytest.approx(r[2]) and r[0] > r[1] > r[3]  # soft: being under a target still pays


def test_hard_mode_by_hand():
    r = nahas_reward(ACC, LAT, AREA, target_latency_ms=2.0, target_area_mm2=10.0, mode="hard")
    # met: factor 1 (p = 0); missed: (value / target) ** -1
    assert r == pytest.approx([0.8, 0.8 / 2.0, 0.8 / 2.0, 0.8 / 4.0], rel=1e-12)
    only_latency = nahas_reward(ACC, LAT, AREA, target_latency_ms=2.0, target_area_mm2=None, mode="hard")
    assert only_latency == pytest.approx([0.8, 0.4, 0.8, 0.4])


def test_exactly_on_target_counts_as_met_and_explicit_exponents_override_the_mode():
    r = nahas_reward([0.5], [2.0], [10.0], target_latency_ms=2.0, target_area_mm2=10.0, mode="hard")
    assert r == pytest.approx([0.5])
    r = nahas_reward(ACC, LAT, AREA, target_latency_ms=2.0, target_area_mm2=None, mode="hard", p=0.5, q=-2.0)
    assert r == pytest.approx([0.8 * 0.5 ** 0.5, 0.8 * 2.0 ** -2.0, 0.8 * 0.5 ** 0.5, 0.8 * 2.0 ** -2.0])
    assert reward_exponents("soft") == REWARD_MODES["soft"] == (-0.071, -0.071)
    assert reward_exponents("hard") == (0.0, -1.0)


def test_bad_inputs_raise_one_line_errors():
    with pytest.raises(InputError, match="^mode: 'medium' is not one of soft, hard$"):
        nahas_reward(ACC, LAT, AREA, target_latency_ms=2.0, target_area_mm2=None, mode="medium")
    with pytest.raises(InputError, match="both p and q"):
        reward_exponents("soft", p=0.0)
    with pytest.raises(InputError, match="positive"):
        nahas_reward(ACC, LAT, AREA, target_latency_ms=0.0, target_area_mm2=None)


@pytest.mark.parametrize("call, python, cli", [
    (lambda: reward_exponents("medium"), "mode: 'medium'", "reward mode (--reward-mode): 'medium'"),
    (lambda: nahas_reward(ACC, LAT, AREA, target_latency_ms=float("inf"), target_area_mm2=None),
     "target_latency_ms: inf must be a positive number", "target latency (--target-latency-ms): inf must be"),
    (lambda: nahas_reward(ACC, LAT, AREA, target_latency_ms=None, target_area_mm2=-1.0),
     "target_area_mm2: -1.0 must be a positive number", "target area (--target-area-mm2): -1.0 must be"),
    (lambda: ScoreParams(p_cheaper=float("nan")), "p_cheaper: nan must be a finite number", "--score-p-cheaper: nan"),
    (lambda: ScoreParams(r_costlier=1.0), "r_costlier: 1.0 must be > 1 and finite", "--score-r-costlier: 1.0"),
    (lambda: ScoreParams(stress=0.0), "stress: 0.0 must be > 0 and finite", "--score-stress: 0.0"),
])
def test_errors_name_the_parameter_from_python_and_the_flag_from_the_command_line(call, python, cli):
    """They named select's flags (--reward-mode, --target-latency-ms, --score-*) to Python callers too."""
    with pytest.raises(InputError) as python_err:
        call()
    assert str(python_err.value).startswith(python)
    with cli_names(), pytest.raises(InputError) as cli_err:
        call()
    assert str(cli_err.value).startswith(cli)


def test_select_rules_use_the_same_functions():
    for name in ("nahas_reward", "energy_score", "ScoreParams", "REWARD_MODES"):
        assert getattr(rules, name) is getattr(rewards, name)


def test_score_param_error_knows_the_fields_of_score_params_only():
    assert [score_param_error(f.name, 1.5) for f in fields(ScoreParams)] == [None] * 5
    with pytest.raises(KeyError):
        score_param_error("strees", 0.0)
