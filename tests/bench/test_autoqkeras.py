"""AutoQKeras reproduction benchmark: reference figures, the chosen design, its energy reduction."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.archive import db_path, open_archive
from evo_cosearch.bench.autoqkeras import bench_autoqkeras
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import Evaluator, ProxyAccuracy
from evo_cosearch.problem import load_problem

PROBLEM = Path(__file__).resolve().parents[2] / "problems" / "autoqkeras_digits.yaml"


def test_chooses_lowest_energy_within_tolerance(tmp_path):
    p = load_problem(PROBLEM)
    acc = ProxyAccuracy(p)
    res = bench_autoqkeras(PROBLEM, data=None, accuracy_fn=acc, strategies=("nsga2", "layer_groups"), pop=8,
                           gens=3, tolerance_points=1.0, out_root=tmp_path / "runs", progress=False,
                           out_dir=tmp_path)
    ref = Evaluator(p, acc).evaluate(np.array([p.reference]))
    assert np.isclose(res["reference"]["energy_uj"], ref.metrics["energy_uj"][0])
    assert np.isclose(res["reference"]["accuracy"], ref.metrics["accuracy"][0])
    assert [r["strategy"] for r in res["runs"]] == ["nsga2", "layer_groups"]
    for row in res["runs"]:
        with open_archive(row["run"]) as arc:
            t = arc.designs()
        assert row["designs"] == len(t) == 24
        ok = t.feasible & (t.metrics["accuracy"] >= res["reference"]["accuracy"] - 0.01)
        if not ok.any():
            assert row["found"] is False
            continue
        assert np.isclose(row["energy_uj"], t.metrics["energy_uj"][ok].min())
        assert row["accuracy"] >= res["reference"]["accuracy"] - 0.01
        assert np.isclose(row["energy_reduction"], 1 - row["energy_uj"] / res["reference"]["energy_uj"])
    assert (tmp_path / "autoqkeras-autoqkeras_digits.json").is_file()  # not the default problem's name


def test_standalone_training_reports_the_mean_over_training_seeds(tmp_path, monkeypatch):
    p = load_problem(PROBLEM)
    res = bench_autoqkeras(PROBLEM, data=None, accuracy_fn=ProxyAccuracy(p), strategies=("nsga2",), pop=8, gens=2,
                           tolerance_points=100.0, train_epochs=1, train_seeds=2, out_root=tmp_path / "runs",
                           cache=tmp_path / "standalone.json", progress=False, out_dir=None)
    ref, row = res["reference"], res["runs"][0]
    assert ref["standalone_seeds"] == [0, 1]
    for entry in (ref, row):
        per_seed = entry["standalone_test_accuracy_per_seed"]
        assert len(per_seed) == 2 and all(0.0 <= a <= 1.0 for a in per_seed)
        assert np.isclose(entry["standalone_test_accuracy"], np.mean(per_seed))
    assert np.isclose(row["standalone_drop_points"],
                      100 * (ref["standalone_test_accuracy"] - row["standalone_test_accuracy"]))
    import evo_cosearch.bench.standalone as standalone

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(standalone, "train_child", no_training)
    again = bench_autoqkeras(PROBLEM, data=None, accuracy_fn=ProxyAccuracy(p), strategies=("nsga2",), pop=8, gens=2,
                             tolerance_points=100.0, train_epochs=1, train_seeds=2, out_root=tmp_path / "runs",
                             cache=tmp_path / "standalone.json", progress=False, out_dir=None)
    assert again["reference"] == ref and again["runs"] == res["runs"]  # from the cache, nothing retrained


def test_verify_trains_the_front_designs_that_meet_the_energy_target(tmp_path):
    from evo_cosearch.bench.autoqkeras import TARGET_REDUCTION

    p = load_problem(PROBLEM)
    res = bench_autoqkeras(PROBLEM, data=None, accuracy_fn=ProxyAccuracy(p), strategies=("nsga2",), pop=10, gens=3,
                           train_epochs=1, verify=3, out_root=tmp_path / "runs", cache=tmp_path / "standalone.json",
                           progress=False, out_dir=None)
    ref, row = res["reference"], res["runs"][0]
    with open_archive(row["run"]) as arc:
        front = arc.pareto()
    saving = 1 - front.metrics["energy_uj"] / ref["energy_uj"]
    eligible = np.flatnonzero(saving >= TARGET_REDUCTION)
    assert len(eligible) >= 2  # the check below must have something to check
    cands = row["verify"]["candidates"]
    assert len(cands) == min(3, len({front.network_json[i] for i in eligible}))
    accs = [c["accuracy"] for c in cands]
    assert accs == sorted(accs, reverse=True)
    assert accs[0] == front.metrics["accuracy"][eligible].max()
    assert all(c["energy_reduction"] >= TARGET_REDUCTION for c in cands)
    assert len({str(c["network"]) for c in cands}) == len(cands)
    best = max(cands, key=lambda c: c["standalone_val_accuracy"])
    assert row["verify"]["best"] == best["id"]
    assert row["verify"]["meets_target"] == (best["standalone_drop_points"] <= 1.0)
    assert np.isclose(best["standalone_drop_points"],
                      100 * (ref["standalone_test_accuracy"] - best["standalone_test_accuracy"]))


def test_rerun_reuses_its_runs_but_refuses_runs_scored_by_another_source(tmp_path):
    p = load_problem(PROBLEM)
    kw = dict(data=None, strategies=("nsga2",), pop=8, gens=2, out_root=tmp_path / "runs", progress=False,
              out_dir=None)
    first = bench_autoqkeras(PROBLEM, accuracy_fn=ProxyAccuracy(p), **kw)
    again = bench_autoqkeras(PROBLEM, accuracy_fn=ProxyAccuracy(p), **kw)
    assert again["runs"] == first["runs"]
    db = db_path(first["runs"][0]["run"])
    before = db.read_bytes()

    def other(genomes):
        return ProxyAccuracy(p)(genomes) * 0.5

    with pytest.raises(InputError, match="scored by the proxy accuracy"):
        bench_autoqkeras(PROBLEM, accuracy_fn=other, **kw)
    assert db.read_bytes() == before


def test_a_budget_or_run_the_searches_cannot_take_is_refused_before_the_supernet_is_made(tmp_path, monkeypatch):
    """The supernet is trained first when missing (11 min on Fashion-MNIST): `--pop 2` was refused after it."""
    kw = dict(data=None, strategies=("nsga2",), pop=4, gens=2, out_root=tmp_path / "runs", progress=False,
              out_dir=None)
    proxy = ProxyAccuracy(load_problem(PROBLEM))
    bench_autoqkeras(PROBLEM, accuracy_fn=proxy, **kw)
    before = db_path(tmp_path / "runs" / "nsga2-s0").read_bytes()

    def no_supernet(*args, **kwargs):
        raise AssertionError("the supernet was made")
    monkeypatch.setattr("evo_cosearch.runs.run_checkpoint", no_supernet)
    for change, error in (({"pop": 2}, "^pop: 2 is not an integer >= 4"),
                          ({"gens": 0}, "^gens: 0 is not an integer >= 1"),
                          ({"pop": 6, "accuracy_fn": proxy}, "nsga2-s0: run was made with pop=4, not 6"),
                          # a run the proxy scored (a smoke test's, `search --proxy-accuracy`): it was refused only
                          # once the supernet had trained
                          ({}, "nsga2-s0: run was scored by the proxy accuracy, not a supernet; use another out directory")):
        with pytest.raises(InputError, match=error):
            bench_autoqkeras(PROBLEM, **{**kw, **change})
    assert db_path(tmp_path / "runs" / "nsga2-s0").read_bytes() == before


@pytest.mark.parametrize("change, error", [
    # the runs went to the current folder
    ({"out_root": ""}, "an empty path given for the run directories"),
    ({"out_root": "afile"}, "afile: is a file, not a directory"),
    # digits are embedded: the data file was ignored unsaid
    ({"data": "mine.npz"}, "^data='mine.npz': .*autoqkeras_digits.yaml: dataset digits is embedded")])
def test_an_empty_run_folder_or_data_the_problem_does_not_read_is_refused_before_any_run(tmp_path, monkeypatch,
                                                                                         change, error):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")

    def untouched(genomes):
        pytest.fail("must not evaluate")
    kw = dict(data=None, accuracy_fn=untouched, strategies=("nsga2",), pop=4, gens=1, out_root=tmp_path / "runs",
              progress=False, out_dir=None)
    with pytest.raises(InputError, match=error):
        bench_autoqkeras(PROBLEM, **{**kw, **change})
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


@pytest.mark.parametrize("change, error", [
    # named as the function's arguments (they were named by the command's flags)
    ({"tolerance_points": float("nan")}, "^tolerance_points: nan must be a finite number of points >= 0"),
    ({"verify": 2}, "^verify: needs train_epochs=N"),
    ({"train_epochs": 1, "train_seeds": 0}, "^train_seeds: 0 must be >= 1"),
    ({"workers": 0}, "^workers: 0 must be >= 1")])
def test_settings_it_cannot_take_are_refused_by_the_function_too(tmp_path, change, error):
    """Only the command line checked them: the function took a NaN tolerance (nothing found) or `verify` without
    training (ignored unsaid)."""
    def untouched(genomes):
        pytest.fail("must not evaluate")
    with pytest.raises(InputError, match=error):
        bench_autoqkeras(PROBLEM, **{"data": None, "accuracy_fn": untouched, "strategies": ("nsga2",), "pop": 4,
                                     "gens": 1, "out_root": tmp_path / "runs", "progress": False, "out_dir": None,
                                     **change})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("strategies, match", [((), "give distinct strategies"), (("nsga2", "annealing"), "annealing"),
                                               (("nsga2", "nsga2"), "distinct")])
def test_bad_strategies_are_refused_before_any_run(tmp_path, strategies, match):
    def untouched(genomes):
        pytest.fail("must not evaluate")

    with pytest.raises(InputError, match=f"^strategies: .*{match}"):
        bench_autoqkeras(PROBLEM, data=None, accuracy_fn=untouched, strategies=strategies, pop=4, gens=1,
                         out_root=tmp_path / "runs", progress=False, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_another_problem_reads_its_own_data_by_default(tmp_path):
    from evo_cosearch.bench.autoqkeras import DEFAULT_PROBLEM
    from evo_cosearch.bench.supernet import DEFAULT_DATA, bench_data

    p = load_problem(PROBLEM)
    res = bench_autoqkeras(PROBLEM, accuracy_fn=ProxyAccuracy(p), strategies=("nsga2",), pop=4, gens=1,
                           out_root=tmp_path / "runs", progress=False, out_dir=None)
    assert res["data"] is None  # the problem's own dataset, as `bench autoqkeras` without --data
    assert bench_data(None, DEFAULT_PROBLEM, DEFAULT_PROBLEM) == DEFAULT_DATA


def test_json_out_names_the_result_file(tmp_path):
    p = load_problem(PROBLEM)
    res = bench_autoqkeras(PROBLEM, accuracy_fn=ProxyAccuracy(p), strategies=("nsga2",), pop=4, gens=1,
                           out_root=tmp_path / "runs", progress=False, out_dir=tmp_path / "unused",
                           json_out=tmp_path / "mine.json")
    assert json.loads((tmp_path / "mine.json").read_text()) == json.loads(json.dumps(res))
    assert not (tmp_path / "unused").exists()


def test_another_problem_writes_its_default_json_and_runs_under_its_own_name(tmp_path, monkeypatch):
    from evo_cosearch.bench.autoqkeras import DEFAULT_PROBLEM
    from evo_cosearch.bench.output import output_name

    monkeypatch.chdir(tmp_path)
    p = load_problem(PROBLEM)
    res = bench_autoqkeras(PROBLEM, accuracy_fn=ProxyAccuracy(p), strategies=("nsga2",), pop=4, gens=1,
                           progress=False)
    assert [p.name for p in Path("results/benchmarks").iterdir()] == ["autoqkeras-autoqkeras_digits.json"]
    assert res["runs"][0]["run"] == str(Path("results/runs/autoqkeras-autoqkeras_digits/nsga2-s0"))
    assert [p.name for p in Path("results/runs").iterdir()] == ["autoqkeras-autoqkeras_digits"]
    assert output_name("autoqkeras", load_problem(DEFAULT_PROBLEM), DEFAULT_PROBLEM) == "autoqkeras"  # as before
