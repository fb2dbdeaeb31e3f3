"""Joint vs separate search: metrics at equal accuracy on a hand-made archive, and the bench's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evo_cosearch.archive import open_archive
from evo_cosearch.bench.joint import (
    BASELINE_ACCELERATOR, bench_joint, equal_accuracy, front_accuracy_levels, joint_markdown, min_at_accuracy,
)
from evo_cosearch.bench.restricted import accelerator_only_problem, repair_problem
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem
from evo_cosearch.engine.accelerator_repair import AcceleratorRepair

ROOT = Path(__file__).resolve().parents[2]
DIGITS = str(ROOT / "problems" / "demo_digits.yaml")


def test_min_at_accuracy_takes_the_least_value_among_feasible_designs_at_or_above_the_threshold():
    acc = np.array([0.9, 0.8, 0.95, 0.7, 0.99])
    energy = np.array([5.0, 2.0, 8.0, 1.0, 0.5])
    feasible = np.array([True, True, True, True, False])     # the cheapest, most accurate one is infeasible
    got = min_at_accuracy(acc, energy, feasible, [0.7, 0.8, 0.85, 0.95, 0.96])
    np.testing.assert_array_equal(got, [1.0, 2.0, 5.0, 8.0, np.nan])


def test_front_levels_are_attained_accuracies():
    front = [0.50, 0.60, 0.70, 0.80, 0.90, 0.95]
    levels = front_accuracy_levels(front, (0, 50, 100))
    assert levels.tolist() == [0.50, 0.70, 0.95] and set(levels) <= set(front)


def _run(label, seed, acc, energy, edp, feasible=None):
    n = len(acc)
    designs = SimpleNamespace(metrics={"accuracy": np.array(acc, float), "energy_uj": np.array(energy, float),
                                       "edp": np.array(edp, float)},
                              feasible=np.ones(n, bool) if feasible is None else np.array(feasible))
    return SimpleNamespace(label=label, seed=seed, designs=designs)


def test_equal_accuracy_ratios_on_a_hand_made_archive():
    results = [
        _run("joint", 0, [0.8, 0.9, 0.95], [1.0, 2.0, 6.0], [0.1, 0.4, 1.0]),
        _run("joint", 1, [0.8, 0.9], [1.5, 3.0], [0.2, 0.3]),
        _run("network_only", 0, [0.8, 0.9, 0.95], [2.0, 5.0, 9.0], [0.2, 0.5, 2.0]),
        _run("network_only", 1, [0.8, 0.9, 0.99], [4.0, 6.0, 0.1], [0.3, 0.9, 0.01], [True, True, False]),
        _run("accelerator_only", 0, [0.85, 0.85], [3.0, 4.0], [0.6, 0.5]),
        _run("accelerator_only", 1, [0.85], [3.5], [0.9]),
    ]
    eq = equal_accuracy(results, [0, 1], np.array([0.8, 0.9, 0.85]))
    p = eq["pooled"]
    assert p["energy_uj"]["joint"] == [1.0, 2.0, 2.0]
    assert p["energy_uj"]["network_only"] == [2.0, 5.0, 5.0]              # the infeasible 0.1 is ignored
    assert p["energy_uj"]["accelerator_only"] == [3.0, None, 3.0]
    assert p["edp"]["accelerator_only"] == [0.5, None, 0.5]
    r = eq["ratios"]
    assert r["energy_uj_network_only_over_joint"]["pooled"] == [2.0, 2.5, 2.5]
    assert r["energy_uj_network_only_over_joint"]["per_seed"] == {"0": [2.0, 2.5, 2.5], "1": [4 / 1.5, 2.0, 2.0]}
    assert r["energy_uj_network_only_over_joint"]["per_seed_median"] == pytest.approx([(2 + 4 / 1.5) / 2, 2.25,
                                                                                        2.25])
    assert r["edp_accelerator_only_over_joint"]["pooled"] == pytest.approx([5.0, None, 0.5 / 0.3])
    assert r["edp_accelerator_only_over_joint"]["per_seed"]["0"] == pytest.approx([0.5 / 0.1, None, 0.5 / 0.4])
    assert r["edp_accelerator_only_over_joint"]["per_seed_median"][1] is None


def test_bench_joint_structure(tmp_path):
    r = bench_joint(DIGITS, seeds=(0, 1), pop=6, gens=3, proxy_accuracy=True, out_dir=tmp_path / "runs",
                    out=tmp_path / "j.json", progress=False)
    assert json.loads((tmp_path / "j.json").read_text()) == r
    assert set(r["runs"]) == set(r["final_hypervolume"]) == {"joint", "joint_front", "joint_min_energy",
                                                             "network_only", "accelerator_only"}
    for variant, runs in r["runs"].items():
        assert [run["seed"] for run in runs] == [0, 1] and all(run["n_designs"] == 18 for run in runs)
        assert r["final_hypervolume"][variant]["values"] == [run["hypervolume"][-1] for run in runs]
    with open_archive(tmp_path / "runs" / "network_only-s1") as arc:  # every design on the baseline
        accels = {a for a in arc.designs().accelerator_json}
        assert [json.loads(a) for a in accels] == [BASELINE_ACCELERATOR]
        assert arc.meta.objectives == ("error", "latency_ms", "energy_uj")
    joint = load_problem(DIGITS)
    acc_only = accelerator_only_problem(joint)
    expected = float(ProxyAccuracy(acc_only)(np.zeros((1, acc_only.space.n_var), dtype=np.int64))[0])
    assert r["variants"]["accelerator_only"]["accuracy"] == pytest.approx(expected, rel=1e-12)
    with open_archive(tmp_path / "runs" / "accelerator_only-s0") as arc:
        assert np.unique(arc.designs().metrics["accuracy"]).tolist() == pytest.approx([expected], rel=1e-12)
    eq = r["equal_accuracy"]
    assert len(eq["thresholds"]) == len(eq["threshold_source"]) == 6
    assert eq["thresholds"][-1] == r["variants"]["accelerator_only"]["accuracy"]
    h = r["headline"]
    assert h["edp_accelerator_only_over_joint"]["pooled"] == eq["ratios"]["edp_accelerator_only_over_joint"][
        "pooled"][-1]
    md = joint_markdown(r)
    assert "| joint | 2 |" in md and "| joint_front | 2 |" in md and "network_only/joint_front" in md
    # joint_front ran with the repair (every archived design is on its network's hardware front); the
    # restricted variants without it
    with open_archive(tmp_path / "runs" / "joint_front-s0") as arc:
        assert arc.meta.settings["accelerator_repair"] == "front"
        X = arc.designs().genome
    np.testing.assert_array_equal(AcceleratorRepair(repair_problem(joint, "front")).apply(X), X)
    with open_archive(tmp_path / "runs" / "joint_min_energy-s1") as arc:   # each on its least-energy accelerator
        assert arc.meta.settings["accelerator_repair"] == "min_energy_uj"
        X = arc.designs().genome
    least = AcceleratorRepair(repair_problem(joint, "min_energy_uj"), rule="min_energy_uj")
    np.testing.assert_array_equal(least.apply(X), X)
    assert "network_only/joint_min_energy" in md and "energy_two_step_over_joint_min_energy" in h
    for name in ("network_only", "accelerator_only"):
        with open_archive(tmp_path / "runs" / f"{name}-s0") as arc:
            assert arc.meta.settings["accelerator_repair"] == "none"
    for key in ("energy_network_only_over_joint_front", "edp_accelerator_only_over_joint_front",
                "energy_two_step_over_joint_front"):
        assert key in h
    # two-step: the baseline accelerator is one of those swept, so no network-only figure is beaten
    two = eq["two_step"]
    assert two["method"]["exhaustive"] and two["method"]["accelerators_tried_per_network"] == 150_000
    for metric in ("energy_uj", "edp"):
        for seed in ("0", "1"):
            mine, base = two["per_seed"][metric][seed], eq["per_seed"][metric]["network_only"][seed]
            assert len(mine) == 6 and all(m <= b * (1 + 1e-9) for m, b in zip(mine, base) if b is not None)
            assert any(m < b * (1 - 1e-6) for m, b in zip(mine, base) if b is not None)  # the sweep finds better
    assert "two-step" in joint_markdown(r)


def test_a_problem_with_a_fixed_side_is_not_joint(tmp_path):
    with pytest.raises(InputError, match="accelerator is fixed"):
        bench_joint(ROOT / "problems" / "autoqkeras_digits.yaml", seeds=(0,), pop=4, gens=1, proxy_accuracy=True,
                    out_dir=tmp_path, out=None, progress=False)


def test_bench_joint_variants_follow_the_objectives_not_the_file_s_repair(tmp_path):
    # no energy objective: no least-energy variant; the file's own repair: plain joint still runs without
    text = Path(DIGITS).read_text().replace("objectives: [error, latency_ms, energy_uj]",
                                            "objectives: [error, latency_ms]")
    path = tmp_path / "latency.yaml"
    path.write_text(text.replace("mutation_prob: 0.067}", "mutation_prob: 0.067, accelerator_repair: front}"))
    assert "accelerator_repair: front" in path.read_text()
    r = bench_joint(str(path), seeds=(0,), pop=6, gens=2, proxy_accuracy=True, out_dir=tmp_path / "runs",
                    out=None, progress=False)
    assert set(r["runs"]) == {"joint", "joint_front", "network_only", "accelerator_only"}
    assert "energy_network_only_over_joint_min_energy" not in r["headline"]
    assert "joint_min_energy" not in joint_markdown(r)
    for variant, rule in (("joint", "none"), ("joint_front", "front")):
        with open_archive(tmp_path / "runs" / f"{variant}-s0") as arc:
            assert arc.meta.settings["accelerator_repair"] == rule



def _bench(capsys, *args: str) -> dict:
    """``bench ARGS`` at a tiny budget in the current folder: the JSON result it says it wrote."""
    from evo_cosearch.cli import main

    capsys.readouterr()
    assert main(["bench", *args, "--pop", "4", "--gens", "1", "--seeds", "0", "--quiet"]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith("JSON: ")]
    return {"json": line[len("JSON: "):], **json.loads(Path(line[len("JSON: "):]).read_text())}


def test_the_default_problem_keeps_its_output_names_and_reuses_the_strategies_run(tmp_path, monkeypatch, capsys,
                                                                                  stand_in_supernet):
    """The README's published figures and existing run folders depend on these names."""
    from evo_cosearch.bench.joint import RESULT_PATH, RUNS_DIR

    assert (RUNS_DIR, RESULT_PATH) == (Path("results/runs/joint_vs_separate"),
                                       Path("results/benchmarks/joint_vs_separate.json"))
    monkeypatch.chdir(tmp_path)
    _bench(capsys, "strategies", "--strategies", "nsga2")
    r = _bench(capsys, "joint")
    assert r["json"] == str(RESULT_PATH) and r["problem_name"] == "demo_digits"
    assert r["runs"]["joint"][0]["run_dir"] == str(Path("results/runs/strategies/nsga2-s0"))
    assert r["runs"]["network_only"][0]["run_dir"] == str(RUNS_DIR / "network_only-s0")
    assert not (RUNS_DIR / "joint-s0").exists()


def test_another_problem_s_default_outputs_end_in_its_name_and_reuse_its_own_strategies_run(tmp_path, monkeypatch,
                                                                                            capsys, stand_in_supernet):
    monkeypatch.chdir(tmp_path)
    Path("other.yaml").write_text(Path(DIGITS).read_text().replace("name: demo_digits", "name: other_digits"))
    _bench(capsys, "strategies", "--strategies", "nsga2")  # the default problem's, in results/runs/strategies
    _bench(capsys, "joint")
    default = Path("results/benchmarks/joint_vs_separate.json").read_bytes()
    _bench(capsys, "strategies", "--strategies", "nsga2", "--problem", "other.yaml")
    r = _bench(capsys, "joint", "--problem", "other.yaml")
    assert r["json"] == str(Path("results/benchmarks/joint_vs_separate-other_digits.json"))
    assert r["runs"]["joint"][0]["run_dir"] == str(Path("results/runs/strategies-other_digits/nsga2-s0"))
    assert r["runs"]["network_only"][0]["run_dir"] == str(Path("results/runs/joint_vs_separate-other_digits/"
                                                                "network_only-s0"))
    assert sorted(p.name for p in Path("results/runs").iterdir()) == [
        "joint_vs_separate", "joint_vs_separate-other_digits", "strategies", "strategies-other_digits"]
    assert Path("results/benchmarks/joint_vs_separate.json").read_bytes() == default  # not overwritten


def test_proxy_scored_outputs_have_their_own_names_and_reuse_the_proxy_strategies_run(tmp_path, monkeypatch, capsys,
                                                                                        stand_in_supernet):
    monkeypatch.chdir(tmp_path)
    _bench(capsys, "strategies", "--strategies", "nsga2")  # the "supernet" benchmark's, not reused by a proxy one
    _bench(capsys, "strategies", "--strategies", "nsga2", "--proxy-accuracy")
    r = _bench(capsys, "joint", "--proxy-accuracy")
    assert r["json"] == str(Path("results/benchmarks/joint_vs_separate_proxy.json"))
    assert r["runs"]["joint"][0]["run_dir"] == str(Path("results/runs/strategies_proxy/nsga2-s0"))
    assert r["runs"]["network_only"][0]["run_dir"] == str(Path("results/runs/joint_vs_separate_proxy/network_only-s0"))
    assert sorted(p.name for p in Path("results/runs").iterdir()) == [
        "joint_vs_separate_proxy", "strategies", "strategies_proxy"]
    r = _bench(capsys, "joint")  # and the proxy runs do not stand in the supernet benchmark's way
    assert r["runs"]["joint"][0]["run_dir"] == str(Path("results/runs/strategies/nsga2-s0"))


def test_the_python_function_writes_no_json_for_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = bench_joint(DIGITS, seeds=(0,), pop=4, gens=1, proxy_accuracy=True, out=None, progress=False)
    assert r["json"] is None and sorted(p.name for p in Path("results").iterdir()) == ["runs"]


def test_a_budget_or_run_the_searches_cannot_take_is_refused_before_the_supernet_is_made(tmp_path, monkeypatch):
    bench_joint(DIGITS, seeds=(0,), pop=4, gens=1, proxy_accuracy=True, out_dir=tmp_path, out=None, progress=False)

    def no_supernet(*args, **kwargs):
        raise AssertionError("the shared accuracy source was made")
    monkeypatch.setattr("evo_cosearch.bench.joint.shared_accuracy", no_supernet)
    for change, error in (({"pop": 3}, "^pop: 3 is not an integer >= 4"),
                          ({"pop": 5}, "joint-s0: run was made with pop=4, not 5"),
                          ({"proxy_accuracy": False}, "-s0: run was scored by the proxy accuracy, not a supernet")):
        with pytest.raises(InputError, match=error):
            bench_joint(DIGITS, **{"seeds": (0,), "pop": 4, "gens": 1, "proxy_accuracy": True, "out_dir": tmp_path,
                                   "out": None, "progress": False, **change})
