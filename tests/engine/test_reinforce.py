"""The ``reinforce`` strategy: LSTM controller learning, JSON state, reward targets, runs and resume."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import torch

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.errors import InputError, ProblemError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.rewards import RewardTargets, nahas_reward
from evo_cosearch.engine.controller import ControllerConfig, ControllerLearner
from evo_cosearch.engine.reinforce import resolve_targets
from evo_cosearch.engine.settings import ControllerSettings, search_settings

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"
PROBLEM = load_problem(DEMO)


def run(out: Path, problem=PROBLEM, **kw) -> Path:
    kw = {"pop": 8, "gens": 3, "seed": 1, "strategy": "reinforce", "accuracy_fn": ProxyAccuracy(problem), **kw}
    search(problem, out=out, quiet=True, **kw).close()
    return out


# -- the controller ---------------------------------------------------------------------

CARDS = [5, 3, 4]


def marginal_of_first_gene(learner: ControllerLearner) -> np.ndarray:
    """Exact P(gene 0 = v) by summing pi over the whole (small) space."""
    X = np.array(list(itertools.product(*(range(c) for c in CARDS))))
    p = np.exp(learner.log_prob(X))
    assert p.sum() == pytest.approx(1.0, abs=1e-5)
    return np.bincount(X[:, 0], weights=p, minlength=CARDS[0])


def test_controller_moves_towards_high_reward():
    learner = ControllerLearner(CARDS, seed=0)
    before = marginal_of_first_gene(learner)
    for _ in range(15):
        X = learner.sample(8)
        learner.update(X, np.where(X[:, 0] == 3, 1.0, 0.2))   # only gene 0 matters; best value 3
    after = marginal_of_first_gene(learner)
    assert before[3] < 0.3 and after[3] > 0.6 and after.argmax() == 3


def test_ppo_moves_towards_high_reward_and_its_first_step_is_reinforces():
    ppo = ControllerLearner(CARDS, seed=0, config=ControllerConfig(update="ppo"))
    before = marginal_of_first_gene(ppo)
    for _ in range(15):
        X = ppo.sample(8)
        ppo.update(X, np.where(X[:, 0] == 3, 1.0, 0.2))
    after = marginal_of_first_gene(ppo)
    assert before[3] < 0.3 and after[3] > 0.6 and after.argmax() == 3

    def one_update(config):
        learner = ControllerLearner(CARDS, seed=2, config=config)
        X = learner.sample(16)
        learner.update(X, X[:, 1] * 0.3 + 0.1)
        return [p.detach().clone() for p in learner.policy.parameters()]

    plain = one_update(ControllerConfig())
    first = one_update(ControllerConfig(update="ppo", ppo_epochs=1))  # ratio 1: REINFORCE's gradient
    more = one_update(ControllerConfig(update="ppo", ppo_epochs=4))
    assert all(torch.allclose(a, b, atol=1e-7) for a, b in zip(plain, first))
    assert not all(torch.allclose(a, b, atol=1e-7) for a, b in zip(plain, more))


def test_controller_samples_valid_genomes_reproducibly_and_leaves_global_torch_rng_alone():
    torch.manual_seed(123)
    global_state = torch.get_rng_state()
    a, b = ControllerLearner(CARDS, seed=4), ControllerLearner(CARDS, seed=4)
    X = a.sample(50)
    assert torch.equal(torch.get_rng_state(), global_state)
    assert X.shape == (50, 3) and X.dtype == np.int64 and np.all((X >= 0) & (X < np.array(CARDS)))
    np.testing.assert_array_equal(X, b.sample(50))
    assert not np.array_equal(X, ControllerLearner(CARDS, seed=5).sample(50))


def test_controller_state_round_trips_through_json_exactly():
    a = ControllerLearner(PROBLEM.space.cardinalities, seed=0)
    for _ in range(2):
        X = a.sample(8)
        a.update(X, X[:, 0] * 0.1)
    text = json.dumps(a.state())
    assert len(text) < 2_000_000
    b = ControllerLearner(PROBLEM.space.cardinalities, seed=9)
    b.load(json.loads(text))
    assert b.baseline == a.baseline
    X = a.sample(8)
    np.testing.assert_array_equal(X, b.sample(8))
    assert a.update(X, X[:, 1] * 0.1) == b.update(X, X[:, 1] * 0.1)
    for p, q in zip(a.policy.parameters(), b.policy.parameters()):
        assert torch.equal(p, q)


# -- reward targets ----------------------------------------------------------------------

def test_targets_explicit_then_constraint_then_first_batch_median():
    explicit = RewardTargets(target_latency_ms=3.0)
    assert resolve_targets(explicit, {"max_latency_ms": 5.0, "max_area_mm2": 2.0}) == \
        {"target_latency_ms": 3.0, "target_area_mm2": 2.0}
    assert resolve_targets(RewardTargets(), {}) == {"target_latency_ms": None, "target_area_mm2": None}


def test_reward_section_is_validated():
    def settings(section):
        return search_settings(parse_problem(DEMO.read_text().replace(
            "search: {pop: 24, gens: 10, seed: 0, mutation_prob: 0.067}", f"search: {section}")))
    s = settings("{strategy: reinforce, reward: {target_latency_ms: 0.5, mode: hard}}")
    assert s.reward == RewardTargets(target_latency_ms=0.5, target_area_mm2=None, mode="hard")
    assert settings("{pop: 8}").reward == RewardTargets()
    for section, where in (("{reward: {target_ms: 1}}", "search.reward.target_ms"),
                           ("{reward: {target_area_mm2: -1}}", "search.reward.target_area_mm2"),
                           ("{reward: {mode: medium}}", "search.reward.mode"),
                           ("{reward: 3}", "search.reward")):
        with pytest.raises(ProblemError, match=where.replace(".", r"\.")):
            settings(section)


def test_controller_section_is_validated():
    def settings(section):
        return search_settings(parse_problem(DEMO.read_text().replace(
            "search: {pop: 24, gens: 10, seed: 0, mutation_prob: 0.067}", f"search: {section}")))
    assert settings("{pop: 8}").controller == ControllerSettings(update="reinforce", ppo_epochs=4, clip=0.2)
    assert settings("{controller: {update: ppo, clip: 0.1}}").controller == ControllerSettings("ppo", 4, 0.1)
    assert settings("{controller: {lr: 0.05, entropy_weight: 0, baseline_decay: 0.5}}").controller == \
        ControllerSettings(lr=0.05, entropy_weight=0.0, baseline_decay=0.5)
    for section, where in (("{controller: {update: a2c}}", "search.controller.update: unknown update 'a2c'"),
                           ("{controller: {ppo_epochs: 0}}", "search.controller.ppo_epochs: 0"),
                           ("{controller: {ppo_epochs: true}}", "search.controller.ppo_epochs: True"),
                           ("{controller: {clip: 1.0}}", "search.controller.clip: 1.0"),
                           ("{controller: {lr: 0}}", "search.controller.lr: 0 is not a finite number > 0"),
                           ("{controller: {lr: .inf}}", "search.controller.lr: inf"),
                           ("{controller: {entropy_weight: -0.1}}", "search.controller.entropy_weight: -0.1"),
                           ("{controller: {baseline_decay: 1}}", "search.controller.baseline_decay: 1 is not"),
                           ("{controller: {baseline_decay: '0.5'}}", "search.controller.baseline_decay: '0.5'"),
                           ("{controller: {momentum: 0.1}}", "search.controller.momentum: unknown key"),
                           ("{controller: ppo}", "search.controller: must be a mapping")):
        with pytest.raises(ProblemError, match=where.replace(".", r"\.")):
            settings(section)


# -- runs ---------------------------------------------------------------------------------

def test_runs_into_the_archive_and_records_the_reward_it_optimised(tmp_path):
    with open_archive(run(tmp_path / "r")) as arc:
        table = arc.designs()
        assert arc.meta.strategy == "reinforce" and arc.meta.status == "completed"
        assert set(table.strategy) == {"reinforce"} and len(table) == 24
        assert [h.n_evals for h in arc.history()] == [8, 16, 24]
        state = arc.resume_state().state
        first = table.take(np.flatnonzero(table.generation == 0))
        # no constraint and no search.reward: the targets are generation 0's medians
        assert state["targets"] == {"target_latency_ms": float(np.median(first.metrics["latency_ms"])),
                                    "target_area_mm2": float(np.median(first.metrics["area_mm2"]))}
        last = table.take(np.flatnonzero(table.generation == 2))
        R = nahas_reward(last.metrics["accuracy"], last.metrics["latency_ms"], last.metrics["area_mm2"],
                         **state["targets"], mode="soft")
        assert state["reward_mean"] == pytest.approx(R.mean())
        assert sorted(arc.resume_state().population) == sorted(arc.pareto().id.tolist())


def test_constraint_sets_the_latency_target(tmp_path):
    text = DEMO.read_text().replace("constraints: {}", "constraints: {max_latency_ms: 0.05}")
    text = text.replace("search: {pop: 24, gens: 10, seed: 0, mutation_prob: 0.067}",
                        "search: {reward: {mode: hard}}")
    with open_archive(run(tmp_path / "c", parse_problem(text), gens=1)) as arc:
        state = arc.resume_state().state
        assert state["targets"]["target_latency_ms"] == 0.05 and state["mode"] == "hard"


def test_same_seed_same_archive_and_resume_equals_an_uninterrupted_run(tmp_path, contents):
    straight = contents(run(tmp_path / "a"))
    assert straight == contents(run(tmp_path / "b"))
    run(tmp_path / "part", gens=2)
    run(tmp_path / "part", gens=3)
    assert contents(tmp_path / "part") == straight


def test_only_the_latest_generation_keeps_the_controller_state(tmp_path):
    out = run(tmp_path / "r")
    with sqlite3.connect(out / "archive.sqlite") as c:
        states = [json.loads(s) for (s,) in c.execute("SELECT state FROM generations ORDER BY generation")]
    assert states[:-1] == [{}] * (len(states) - 1)
    assert states[-1]  # what a resume loads


def test_a_resume_with_another_reward_is_refused_untouched(tmp_path, contents):
    out = run(tmp_path / "r", gens=2)
    before = contents(out)
    other = parse_problem(DEMO.read_text().replace("search: {", "search: {reward: {mode: hard}, "))
    with pytest.raises(InputError, match=r"run was made with reward=.*'mode': 'soft'.*not .*'mode': 'hard'"):
        run(out, other, gens=3)
    assert contents(out) == before


def test_a_ppo_run_records_its_controller_and_a_resume_must_keep_it(tmp_path, contents):
    ppo = parse_problem(DEMO.read_text().replace("search: {", "search: {controller: {update: ppo, ppo_epochs: 2}, "))
    out = run(tmp_path / "p", ppo, gens=2)
    with open_archive(out) as arc:
        assert arc.meta.settings["controller"] == {"update": "ppo", "ppo_epochs": 2, "clip": 0.2, "lr": 0.01,
                                                   "entropy_weight": 1e-4, "baseline_decay": 0.9}
    assert contents(out) != contents(run(tmp_path / "r", gens=2))  # another update, other samples after generation 0
    before = contents(out)
    with pytest.raises(InputError, match=r"run was made with controller=.*'ppo'.*not .*'reinforce'"):
        run(out, gens=3)
    assert contents(out) == before
    run(out, ppo, gens=3)  # the same controller resumes


def test_a_run_from_before_the_controller_setting_resumes_as_reinforce(tmp_path):
    out = run(tmp_path / "old", gens=2)
    with sqlite3.connect(out / "archive.sqlite") as c:  # what such a run recorded: no controller
        (text,) = c.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        settings = json.loads(text)
        del settings["controller"]
        c.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (json.dumps(settings),))
    ppo = parse_problem(DEMO.read_text().replace("search: {", "search: {controller: {update: ppo}, "))
    with pytest.raises(InputError, match=r"run was made with controller=.*'reinforce'"):
        run(out, ppo, gens=3)
    run(out, gens=3)


def test_the_controllers_learning_rate_is_a_setting_and_runs_that_recorded_fewer_fields_resume(tmp_path, contents):
    fast = parse_problem(DEMO.read_text().replace("search: {", "search: {controller: {lr: 0.2}, "))
    out = run(tmp_path / "fast", fast, gens=3)
    assert contents(out) != contents(run(tmp_path / "r", gens=3))  # the policy moved otherwise after generation 0
    with pytest.raises(InputError, match=r"run was made with controller=.*'lr': 0\.2.*not .*'lr': 0\.01"):
        run(out, gens=4)
    old = run(tmp_path / "old", gens=2)
    with sqlite3.connect(old / "archive.sqlite") as c:  # what a run recorded before lr and the others were settings
        (text,) = c.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        settings = json.loads(text)
        settings["controller"] = {"update": "reinforce", "ppo_epochs": 4, "clip": 0.2}
        c.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (json.dumps(settings),))
    with pytest.raises(InputError, match=r"run was made with controller=.*'lr': 0\.01"):
        run(old, fast, gens=3)
    run(old, gens=3)  # the defaults it used resume it
