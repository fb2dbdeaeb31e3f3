"""select_design over a hand-built design table: filters, non-dominance, ranking, no-match."""

from __future__ import annotations

import re

import numpy as np
import pytest

from evo_cosearch.archive import DesignTable
from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.select import Bounds, Knee, NoMatch, Reward, Score, Weights, reference_row, select_design

OBJ = ("error", "latency_ms")


def table(acc, lat, *, energy=None, area=None, feasible=None, genome=None) -> DesignTable:
    acc, lat = np.asarray(acc, float), np.asarray(lat, float)
    n = len(acc)
    metrics = {"accuracy": acc, "error": 1 - acc, "latency_ms": lat,
               "energy_uj": np.asarray(energy if energy is not None else lat * 2, float),
               "area_mm2": np.asarray(area if area is not None else np.ones(n), float)}
    return DesignTable(
        objectives=OBJ, id=np.arange(100, 100 + n), generation=np.zeros(n, int),
        genome=np.asarray(genome if genome is not None else np.arange(n)[:, None], int),
        feasible=np.ones(n, bool) if feasible is None else np.asarray(feasible, bool),
        F=np.c_[1 - acc, lat], G=np.zeros((n, 0)), cv=np.zeros(n), seconds=np.zeros(n),
        strategy=np.array(["nsga2"] * n, dtype=object), metrics=metrics,
        network_json=("{}",) * n, accelerator_json=("{}",) * n,
    )


# a convex front (ids 100..104), a dominated design (105), an infeasible one (106)
FRONT = table(acc=[0.60, 0.85, 0.90, 0.92, 0.93, 0.80, 0.99],
              lat=[1.0, 2.0, 4.0, 8.0, 16.0, 9.0, 0.5],
              feasible=[1, 1, 1, 1, 1, 1, 0])


def test_candidates_are_the_feasible_non_dominated_matches():
    sel = select_design(FRONT, Knee(), top=10)
    assert sorted(sel.ranked.id.tolist()) == [100, 101, 102, 103, 104]
    assert sel.n_candidates == 5
    assert np.all(np.diff(sel.scores) <= 0)   # ranked best first


def test_knee_of_the_front():
    # normalised, 102 = (0.091, 0.2): its cheapest move (to 101) costs 0.152 per 0.133 gained;
    # every other design has a move that gains more than it costs
    assert select_design(FRONT, Knee(epsilon=None)).chosen_id == 102


def test_filter_can_make_a_dominated_design_optimal():
    # with max latency 9.5 and accuracy >= 0.8, ids 100 is out; 105 is still dominated by 101
    sel = select_design(FRONT, Weights((1.0, 0.0)), bounds=Bounds(max_latency_ms=9.5), top=3)
    assert sel.chosen_id == 103   # the most accurate design within 9.5 ms


def test_top_limits_the_runners_up():
    assert len(select_design(FRONT, Knee(), top=2).ranked) == 3
    assert len(select_design(FRONT, Knee(), top=0).ranked) == 1


def test_same_genome_is_listed_once():
    t = table(acc=[0.9, 0.9, 0.8], lat=[1.0, 1.0, 0.5], genome=[[1], [1], [2]])
    assert sorted(select_design(t, Knee(), top=5).ranked.id.tolist()) == [100, 102]


def test_no_match_names_the_closest_design_and_the_bound():
    with cli_names(), pytest.raises(NoMatch, match=r"closest is id 100: latency_ms 1 > 0.5 \(--max-latency-ms\)"):
        select_design(FRONT, Knee(), bounds=Bounds(max_latency_ms=0.5))
    with pytest.raises(NoMatch, match=r"closest is id 100: latency_ms 1 > 0.5 \(max_latency_ms\)$"):  # the argument
        select_design(FRONT, Knee(), bounds=Bounds(max_latency_ms=0.5))


def test_no_feasible_design():
    with pytest.raises(NoMatch, match="no feasible design"):
        select_design(table([0.9], [1.0], feasible=[False]), Knee())


def test_no_design_at_all_is_bad_input_not_a_no_match():
    with pytest.raises(InputError, match="no designs") as info:
        select_design(table([], []), Knee())
    assert not isinstance(info.value, NoMatch)


def test_reward_uses_the_run_constraint_as_default_target():
    hard = Reward(mode="hard")
    sel = select_design(FRONT, hard, constraints={"max_latency_ms": 4.0})
    assert sel.chosen_id == 102   # most accurate design within 4 ms
    with cli_names(), pytest.raises(InputError, match="^--by reward: give --target-latency-ms and/or --target-area"):
        select_design(FRONT, hard, constraints={})
    with pytest.raises(InputError, match="^Reward: give target_latency_ms and/or target_area_mm2 "):  # it said the flags
        select_design(FRONT, hard, constraints={})
    assert select_design(FRONT, Reward(target_latency_ms=8.0, mode="hard")).chosen_id == 103


def test_score_reference_defaults_to_the_most_accurate_feasible_design():
    assert int(FRONT.id[reference_row(FRONT, None)]) == 104
    assert reference_row(FRONT, 102) == 2
    with pytest.raises(InputError, match="no design with id 7"):
        reference_row(FRONT, 7)
    sel = select_design(FRONT, Score(), top=5)
    assert "reference id 104" in sel.rule
    # relative to 104 (32 µJ), 101 (4 µJ, 8x less) gains 0.08*3 = 24 %: 0.85*1.24 beats the rest
    assert sel.chosen_id == 101
    assert sel.scores[0] == pytest.approx(0.85 * 1.24)


@pytest.mark.parametrize("call, cli, python", [
    (lambda: select_design(FRONT, Knee(epsilon=0.0)), "--epsilon: 0.0 must", "epsilon: 0.0 must"),
    (lambda: select_design(FRONT, Knee(min_neighbours=0)), "--min-neighbours: 0 must", "min_neighbours: 0 must"),
    (lambda: select_design(FRONT, Weights((1.0, 1.0), method="best")), "--weights-method: 'best' is not",
     "method: 'best' is not"),
    (lambda: select_design(FRONT, Weights((1.0, 1.0, 1.0))), "--by weights: got 3 weights", "weights: got 3 weights"),
    (lambda: select_design(FRONT, Score(reference_id=7)), "--reference-id: no design with id 7",
     "reference_id: no design with id 7"),
    (lambda: select_design(FRONT, Knee(), top=-1), "--top: -1 must be >= 0", "top: -1 must be >= 0"),
    (lambda: Bounds(max_area_mm2=0.0), "--max-area-mm2: 0.0 must be", "max_area_mm2: 0.0 must be"),
    (lambda: Bounds(min_accuracy=90.0), "--min-accuracy: 90.0 is not", "min_accuracy: 90.0 is not")])
def test_errors_name_the_argument_from_python_and_the_flag_from_the_command_line(call, cli, python):
    # they named the command line's flags to Python callers too
    with pytest.raises(InputError, match=f"^{re.escape(python)}"):
        call()
    with cli_names(), pytest.raises(InputError, match=f"^{re.escape(cli)}"):
        call()


def test_a_knee_with_no_neighbours_says_to_widen_epsilon_as_the_caller_names_it():
    """It said '--epsilon' from Python too."""
    twins = table(acc=[0.9, 0.9], lat=[2.0, 2.0])  # neither gains anything by a move to the other
    with pytest.raises(NoMatch, match=r"no two candidates are neighbours; widen epsilon\)$"):
        select_design(twins, Knee())
    with cli_names(), pytest.raises(NoMatch, match=r"no two candidates are neighbours; widen --epsilon\)$"):
        select_design(twins, Knee())
