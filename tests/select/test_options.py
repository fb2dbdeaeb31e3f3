"""A selection rule from its command-line form: ``--by RULE [VALUES]`` and that rule's options."""

from __future__ import annotations

import re

import pytest

from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.select import Knee, Reward, Score, ScoreParams, Weights
from evo_cosearch.select.options import RULE_OPTIONS, check_rule_options, rule_from_options, rule_options


def test_each_rule_is_built_with_its_options_or_its_defaults():
    assert rule_from_options(["knee"], {}) == Knee(epsilon=0.125)
    assert rule_from_options(["knee"], {"epsilon": "all", "min_neighbours": 3}) == Knee(epsilon=None, min_neighbours=3)
    assert rule_from_options(["knee"], {"epsilon": "0.5"}) == Knee(epsilon=0.5)
    assert rule_from_options(["weights", "1, 2", "3"], {}) == Weights((1.0, 2.0, 3.0), method="pseudo")
    assert rule_from_options(["weights", "1,1,1"], {"weights_method": "asf"}).method == "asf"
    assert rule_from_options(["reward"], {"target_latency_ms": 2.0}) == Reward(2.0, None, "soft")
    assert rule_from_options(["score"], {"score_stress": 2.0, "reference_id": 7}) == \
        Score(ScoreParams(stress=2.0), reference_id=7)


@pytest.mark.parametrize("by, options, error, python", [
    (["best"], {}, "--by: unknown rule 'best' (known: knee, weights, reward, score)",
     "by: unknown rule 'best' (known: knee, weights, reward, score)"),
    (["knee", "x"], {}, "--by knee: takes no values, got 'x'", "by='knee': takes no values, got 'x'"),
    (["weights"], {}, "--by weights: give one weight per objective, e.g. --by weights 0.5,0.3,0.2",
     "by='weights': give one weight per objective, e.g. by=['weights', '0.5,0.3,0.2']"),
    (["weights", "1,a"], {}, "--by weights: 'a' is not a number", "by='weights': 'a' is not a number"),
    (["knee"], {"epsilon": "wide"}, "--epsilon: 'wide' is not a number", "epsilon: 'wide' is not a number"),
    (["reward"], {"reward_mode": "medium"}, "reward mode (--reward-mode): 'medium' is not one of soft, hard",
     "reward_mode: 'medium' is not one of soft, hard"),  # not Reward's mode
    (["score"], {"score_p_cheaper": float("nan")}, "--score-p-cheaper: nan must be a finite number",
     "score_p_cheaper: nan must be a finite number"),  # not ScoreParams' p_cheaper, which the caller did not name
    (["score"], {"score_r_costlier": 1.0}, "--score-r-costlier: 1.0 must be > 1 and finite",
     "score_r_costlier: 1.0 must be > 1 and finite"),
    (["score"], {"score_stress": 0.0}, "--score-stress: 0.0 must be > 0 and finite",
     "score_stress: 0.0 must be > 0 and finite")])
def test_a_bad_rule_is_one_line_naming_the_flag(by, options, error, python):
    with cli_names(), pytest.raises(InputError, match=f"^{re.escape(error)}"):
        rule_from_options(by, options)
    with pytest.raises(InputError, match=f"^{re.escape(python)}"):  # from Python: the argument (it said the flag)
        rule_from_options(by, options)


def test_another_rule_s_option_is_refused_and_the_given_ones_are_recorded_by_flag():
    check_rule_options("knee", {"epsilon": "all", "reference_id": None})
    with cli_names(), pytest.raises(InputError, match="^--reference-id: applies to --by score only, not --by knee$"):
        check_rule_options("knee", {"reference_id": 3})
    with pytest.raises(InputError, match=r"^reference_id: applies to by='score' only, not by='knee'$"):
        check_rule_options("knee", {"reference_id": 3})
    assert rule_options("knee", {"epsilon": "all", "min_neighbours": None, "reference_id": 3}) == {"--epsilon": "all"}
    assert set(RULE_OPTIONS.values()) == {"knee", "weights", "reward", "score"}
