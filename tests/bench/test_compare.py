"""Strategies head-to-head: budget fraction, rank-sum test, JSON structure, reuse, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.archive import open_archive
from evo_cosearch.bench.compare import bench_strategies, budget_fraction, rank_sum, strategies_markdown
from evo_cosearch.bench.runset import RunSpec, run_all
from evo_cosearch.cli import main
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.plots.runs import HVCurve
from evo_cosearch.problem import load_problem

ROOT = Path(__file__).resolve().parents[2]
DIGITS = str(ROOT / "problems" / "demo_digits.yaml")


def _curve(hv):
    return HVCurve(np.array([10, 20, 30, 40]), np.array(hv, dtype=float))


def test_budget_fraction_is_where_the_median_curve_first_reaches_the_target():
    curves = [_curve([0.1, 0.5, 0.6, 0.9]), _curve([0.2, 0.3, 0.7, 0.8]), _curve([0.0, 0.4, 0.55, 0.6])]
    # medians per count: 0.1, 0.4, 0.6, 0.8
    assert budget_fraction(curves, 0.6, budget=40) == {"target_hv": 0.6, "designs": 30, "fraction": 0.75}
    assert budget_fraction(curves, 0.35, budget=100)["designs"] == 20
    assert budget_fraction(curves, 0.1, budget=40)["fraction"] == 0.25
    assert budget_fraction(curves, 0.81, budget=40) == {"target_hv": 0.81, "designs": None, "fraction": None}


def test_rank_sum_is_two_sided_mann_whitney_u():
    r = rank_sum([5.0, 6.0, 7.0, 8.0, 9.0], [0.0, 1.0, 2.0, 3.0, 4.0])
    # completely separated 5 vs 5: U = 25, exact two-sided p = 2 / C(10, 5)
    assert (r["method"], r["U"], r["n"]) == ("exact", 25.0, [5, 5])
    assert r["p_value"] == pytest.approx(2 / 252)
    assert rank_sum([1.0, 2.0], [1.0, 3.0])["method"] == "asymptotic"  # a tie


def test_rank_sum_of_one_seed_is_not_available_rather_than_p_1():
    r = rank_sum([0.9], [0.1])  # scipy: p = 1 for any 1 vs 1, which reads as "no difference"
    assert r["p_value"] is None and r["U"] is None and r["n"] == [1, 1] and "2 seeds" in r["note"]
    assert rank_sum([0.9, 0.8], [0.1])["p_value"] is None


def test_bench_structure_reuse_and_figure(tmp_path):
    kw = dict(strategies=("nsga2", "random", "reinforce"), seeds=(0, 1), pop=6, gens=3, proxy_accuracy=True,
              out_dir=tmp_path / "runs", out=tmp_path / "s.json", figure=tmp_path / "hv.png", progress=False)
    r = bench_strategies(DIGITS, **kw)
    assert json.loads((tmp_path / "s.json").read_text()) == r
    assert (tmp_path / "hv.png").stat().st_size > 0
    assert r["budget"] == {"pop": 6, "gens": 3, "designs": 18}
    for s in ("nsga2", "random", "reinforce"):
        runs = r["runs"][s]
        assert [run["seed"] for run in runs] == [0, 1]
        for run in runs:
            assert Path(run["run_dir"]) == tmp_path / "runs" / f"{s}-s{run['seed']}"
            assert run["n_evals"] == [6, 12, 18] and run["n_designs"] == 18
            hv = np.array(run["hypervolume"])
            assert np.all(np.diff(hv) >= 0) and 0 < hv[-1] <= 1.0  # cumulative, in the common box
            with open_archive(run["run_dir"]) as arc:  # an ordinary run directory
                assert arc.meta.strategy == s and arc.meta.seed == run["seed"]
        q = r["final_hypervolume"][s]
        assert q["values"] == [run["final_hypervolume"] for run in runs]
        assert q["q25"] <= q["median"] <= q["q75"]
    assert set(r["rank_sum_vs_nsga2"]) == {"random", "reinforce"}
    assert all(0 < t["p_value"] <= 1 for t in r["rank_sum_vs_nsga2"].values())
    reach = r["nsga2_reaches_random_final"]
    assert reach["target_hv"] == r["final_hypervolume"]["random"]["median"]
    medians = {s: q["median"] for s, q in r["final_hypervolume"].items()}
    assert r["nsga2_best"] == (medians["nsga2"] > max(medians["random"], medians["reinforce"]))
    assert reach["fraction"] is None or reach["fraction"] == reach["designs"] / 18
    assert len(r["hv_reference"]["ideal"]) == len(r["objectives"]) == 3
    assert "| nsga2 | 2 |" in strategies_markdown(r)
    assert r["accelerator_repair"] == {"nsga2": "none", "random": "none", "reinforce": "none"}
    assert "accelerator repair" not in strategies_markdown(r)

    again = bench_strategies(DIGITS, **{**kw, "out": None, "figure": None})  # finished runs are reused
    assert again["runs"]["nsga2"][0]["hypervolume"] == r["runs"]["nsga2"][0]["hypervolume"]
    assert again["final_hypervolume"] == r["final_hypervolume"]


def test_reused_runs_must_come_from_the_same_accuracy_source(tmp_path):
    problem = load_problem(DIGITS)
    bench_strategies(DIGITS, strategies=("random",), seeds=(0,), pop=4, gens=1, proxy_accuracy=True,
                     out_dir=tmp_path, out=None, figure=None, progress=False)

    def spec(accuracy_fn):
        return RunSpec("random", 0, tmp_path / "random-s0", problem, "random", accuracy_fn)
    assert len(run_all([spec(ProxyAccuracy(problem))], pop=4, gens=1, progress=False)[0].designs) == 4
    with pytest.raises(InputError, match="scored by the proxy accuracy .*macs_scale.*1000"):
        run_all([spec(ProxyAccuracy(problem, macs_scale=1e3))], pop=4, gens=1, progress=False)

    def scaled(scale):
        def custom(genomes):  # recorded by name and code, not by what it captures: reused runs are re-scored
            return ProxyAccuracy(problem)(genomes) * scale
        return custom
    custom_dir = tmp_path / "custom"
    run_all([RunSpec("random", 0, custom_dir, problem, "random", scaled(0.5))], pop=4, gens=1, progress=False)
    with pytest.raises(InputError, match="stored accuracies"):
        run_all([RunSpec("random", 0, custom_dir, problem, "random", scaled(1.0))], pop=4, gens=1, progress=False)

    def custom(genomes):  # another function of the same qualified name
        return ProxyAccuracy(problem)(genomes)
    custom.__qualname__ = scaled(0.5).__qualname__
    with pytest.raises(InputError, match="its code differs"):
        run_all([RunSpec("random", 0, custom_dir, problem, "random", custom)], pop=4, gens=1, progress=False)


def test_cli_prints_the_table_and_rejects_bad_input(tmp_path, capsys):
    args = ["bench", "strategies", "--problem", DIGITS, "--pop", "4", "--gens", "2", "--seeds", "0",
            "--strategies", "nsga2,random", "--proxy-accuracy", "--quiet", "--out", str(tmp_path / "runs"),
            "--json", str(tmp_path / "s.json"), "--figure", str(tmp_path / "hv.png")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "| random | 1 |" in out and "s.json" in out
    assert out.split("| random | 1 |")[1].splitlines()[0].endswith("| n/a (needs ≥ 2 seeds) |")
    assert json.loads((tmp_path / "s.json").read_text())["rank_sum_vs_nsga2"]["random"]["p_value"] is None
    alone = args[:-6] + ["--strategies", "nsga2", "--out", str(tmp_path / "runs"), "--json", str(tmp_path / "n.json"),
                         "--figure", str(tmp_path / "n.png")]
    assert main(alone) == 0 and capsys.readouterr()  # nsga2 compared with nothing is not "best"
    assert json.loads((tmp_path / "n.json").read_text())["nsga2_best"] is None
    assert main(args[:-6] + ["--strategies", "nsga2,annealing"] + args[-6:]) == 2
    assert "annealing" in capsys.readouterr().err
    for flag, value in (("--seeds", "0,x"), ("--seeds", "0,,1"), ("--seeds", "0,1,"),
                        ("--strategies", "nsga2,,random")):
        with pytest.raises(SystemExit) as exc:  # argparse: one line, exit code 2
            main(["bench", "strategies", flag, value])
        err = capsys.readouterr().err
        assert exc.value.code == 2 and f"{value!r}" in err and len(err.strip().splitlines()) == 1
    for seeds in ("-1", "0,0", str(2 ** 64)):  # a search takes seeds from 0 to 2**64 - 1
        assert main(args[:9] + [seeds] + args[10:]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: --seeds: give distinct seeds from 0 to 2**64 - 1") and len(err.splitlines()) == 1


def test_the_problem_file_s_repair_runs_with_nsga2_only(tmp_path):
    path = tmp_path / "front.yaml"
    path.write_text(Path(DIGITS).read_text().replace("mutation_prob: 0.067}",
                                                     "mutation_prob: 0.067, accelerator_repair: front}"))
    r = bench_strategies(str(path), strategies=("nsga2", "random"), seeds=(0,), pop=6, gens=2, proxy_accuracy=True,
                         out_dir=tmp_path / "runs", out=None, figure=None, progress=False)
    assert r["accelerator_repair"] == {"nsga2": "front", "random": "none"}
    for s, rule in r["accelerator_repair"].items():
        with open_archive(tmp_path / "runs" / f"{s}-s0") as arc:
            assert arc.meta.settings["accelerator_repair"] == rule
    assert "nsga2 (search.accelerator_repair: front); the others without it" in strategies_markdown(r)


def test_reinforce_ppo_runs_reinforce_with_the_ppo_update_beside_plain_reinforce(tmp_path):
    kw = dict(seeds=(0,), pop=6, gens=2, proxy_accuracy=True, out_dir=tmp_path / "runs", out=None, figure=None,
              progress=False)
    r = bench_strategies(DIGITS, strategies=("reinforce", "reinforce_ppo"), **kw)
    assert r["strategies"] == ["reinforce", "reinforce_ppo"] and set(r["final_hypervolume"]) == set(r["strategies"])
    updates = {}
    for label in r["strategies"]:
        with open_archive(tmp_path / "runs" / f"{label}-s0") as arc:
            assert arc.meta.strategy == "reinforce"
            updates[label] = arc.meta.settings["controller"]["update"]
            designs = arc.designs()
        assert set(designs.strategy) == {"reinforce"} and len(designs) == 12
    assert updates == {"reinforce": "reinforce", "reinforce_ppo": "ppo"}
    again = bench_strategies(DIGITS, strategies=("reinforce_ppo",), **kw)  # its run is accepted again, not refused
    assert again["runs"]["reinforce_ppo"][0]["n_designs"] == 12
    with pytest.raises(InputError, match=r"unknown strategy 'ppo' \(known: .*reinforce_ppo"):
        bench_strategies(DIGITS, strategies=("ppo",), **kw)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.parent.name in ("runs", "benchmarks"))


def test_the_default_problem_keeps_its_output_names(tmp_path, monkeypatch, stand_in_supernet):
    """The README's published figures and existing run folders depend on these names."""
    from evo_cosearch.bench.compare import FIGURE_PATH, RESULT_PATH, RUNS_DIR, runs_dir

    assert (RUNS_DIR, RESULT_PATH, FIGURE_PATH) == (Path("results/runs/strategies"),
                                                    Path("results/benchmarks/strategies.json"),
                                                    Path("results/benchmarks/strategies_hv.png"))
    assert runs_dir(load_problem(DIGITS)) == RUNS_DIR
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "strategies", "--pop", "4", "--gens", "1", "--seeds", "0", "--strategies", "nsga2",
                 "--quiet"]) == 0
    assert _files(tmp_path) == ["results/benchmarks/strategies.json", "results/benchmarks/strategies_hv.png",
                                "results/runs/strategies"]
    assert [p.name for p in RUNS_DIR.iterdir()] == ["nsga2-s0"]


def test_proxy_scored_outputs_keep_out_of_the_supernet_benchmark_s_places(tmp_path, monkeypatch, capsys,
                                                                           stand_in_supernet):
    """A smoke test with --proxy-accuracy left its runs where the real benchmark's rerun refused them."""
    monkeypatch.chdir(tmp_path)
    args = ["bench", "strategies", "--pop", "4", "--gens", "1", "--seeds", "0", "--strategies", "nsga2", "--quiet"]
    assert main(args + ["--proxy-accuracy"]) == 0
    assert "JSON: results/benchmarks/strategies_proxy.json\nfigure: results/benchmarks/strategies_proxy_hv.png" \
        in capsys.readouterr().out
    assert _files(tmp_path) == ["results/benchmarks/strategies_proxy.json",
                                "results/benchmarks/strategies_proxy_hv.png", "results/runs/strategies_proxy"]
    assert main(args) == 0, capsys.readouterr().err  # the "supernet" benchmark: its own places, nothing refused
    assert _files(tmp_path) == ["results/benchmarks/strategies.json", "results/benchmarks/strategies_hv.png",
                                "results/benchmarks/strategies_proxy.json",
                                "results/benchmarks/strategies_proxy_hv.png", "results/runs/strategies",
                                "results/runs/strategies_proxy"]
    assert main(args + ["--proxy-accuracy", "--problem", str(ROOT / "problems" / "autoqkeras_digits.yaml")]) == 0
    assert (tmp_path / "results/runs/strategies_proxy-autoqkeras_digits/nsga2-s0").is_dir()


def test_another_problem_s_default_outputs_end_in_its_name(tmp_path, monkeypatch, capsys, stand_in_supernet):
    monkeypatch.chdir(tmp_path)
    args = ["bench", "strategies", "--pop", "4", "--gens", "1", "--seeds", "0", "--strategies", "nsga2", "--quiet"]
    assert main(args) == 0
    default = {p: p.read_bytes() for p in Path("results/benchmarks").iterdir()}
    capsys.readouterr()
    # the default problem's runs are in results/runs/strategies: another problem's are not refused there
    assert main(args + ["--problem", str(ROOT / "problems" / "autoqkeras_digits.yaml")]) == 0
    out = capsys.readouterr().out
    assert _files(tmp_path) == [
        "results/benchmarks/strategies-autoqkeras_digits.json",
        "results/benchmarks/strategies-autoqkeras_digits_hv.png",
        "results/benchmarks/strategies.json", "results/benchmarks/strategies_hv.png",
        "results/runs/strategies", "results/runs/strategies-autoqkeras_digits"]
    assert all(p.read_bytes() == b for p, b in default.items())  # the default problem's are not overwritten
    result = json.loads(Path("results/benchmarks/strategies-autoqkeras_digits.json").read_text())
    assert result["benchmark"] == "strategies" and result["problem_name"] == "autoqkeras_digits"
    assert result["runs"]["nsga2"][0]["run_dir"] == str(Path("results/runs/strategies-autoqkeras_digits/nsga2-s0"))
    assert "JSON: results/benchmarks/strategies-autoqkeras_digits.json\n" in out
    assert "figure: results/benchmarks/strategies-autoqkeras_digits_hv.png" in out


def test_the_python_function_writes_no_json_or_figure_for_none(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = bench_strategies(ROOT / "problems" / "autoqkeras_digits.yaml", strategies=("nsga2",), seeds=(0,), pop=4,
                         gens=1, proxy_accuracy=True, out=None, figure=None, progress=False)
    assert "figure" not in r and r["json"] is None
    assert _files(tmp_path) == ["results/runs/strategies_proxy-autoqkeras_digits"]


def test_a_budget_or_run_the_searches_cannot_take_is_refused_before_the_supernet_is_made(tmp_path, monkeypatch):
    """A missing supernet is trained first: `--pop 2` was refused only after that (minutes to hours)."""
    kw = dict(strategies=("nsga2", "random"), seeds=(0,), pop=4, gens=2, proxy_accuracy=True, out_dir=tmp_path,
              out=None, figure=None, progress=False)
    bench_strategies(DIGITS, **kw)
    latency = tmp_path / "latency.yaml"
    latency.write_text(Path(DIGITS).read_text().replace("objectives: [error, latency_ms, energy_uj]",
                                                        "objectives: [error, latency_ms]"))

    def no_supernet(*args, **kwargs):
        raise AssertionError("the shared accuracy source was made")
    monkeypatch.setattr("evo_cosearch.bench.compare.shared_accuracy", no_supernet)
    for change, error in (({"pop": 2}, "^pop: 2 is not an integer >= 4"),
                          ({"gens": 0}, "^gens: 0 is not an integer >= 1"),
                          ({"pop": 6}, "nsga2-s0: run was made with pop=4, not 6"),
                          ({"gens": 1}, "^gens=1: run .*nsga2-s0 already has 2 generations"),
                          # a smoke test's runs (say, from before they went to strategies_proxy): the supernet-scored
                          # rerun refused them only once its supernet had trained
                          ({"proxy_accuracy": False}, "nsga2-s0: run was scored by the proxy accuracy, not a "
                                                      "supernet; use another out directory"),
                          ({"strategies": ("layer_groups",), "out_dir": tmp_path / "latency"},
                           "^strategy: layer_groups needs objectives error, energy_uj")):
        with pytest.raises(InputError, match=error):
            bench_strategies(latency if "strategies" in change else DIGITS, **{**kw, **change})


def test_an_edited_copy_of_the_problem_is_refused_its_default_runs_before_its_supernet_is_made(
        tmp_path, monkeypatch, capsys):
    """A copy of the default problem, edited (its supernet: section) but keeping its name:, shares the default
    run folder: it trained its own supernet (minutes to hours) before it refused the original's runs."""
    monkeypatch.chdir(tmp_path)
    problem = load_problem(DIGITS)
    proxy = ProxyAccuracy(problem)

    class Supernet:  # stands in for the original's supernet
        def __call__(self, X):
            return proxy(X)

        def source(self):
            return {"kind": "supernet", "supernet": "results/supernets/original.pt", "sha256": "0123456789abcdef"}
    run_dir = tmp_path / "results/runs/strategies/nsga2-s0"
    run_all([RunSpec("nsga2", 0, run_dir, problem, "nsga2", Supernet())], pop=4, gens=1, progress=False)
    Path("copy.yaml").write_text(Path(DIGITS).read_text().replace("epochs: 20", "epochs: 2"))

    def no_supernet(*args, **kwargs):
        raise AssertionError("the shared accuracy source was made")
    monkeypatch.setattr("evo_cosearch.bench.compare.shared_accuracy", no_supernet)
    assert main(["bench", "strategies", "--problem", "copy.yaml", "--strategies", "nsga2", "--seeds", "0",
                 "--pop", "4", "--gens", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: results/runs/strategies/nsga2-s0: run was scored by supernet "
                          "results/supernets/original.pt (sha256 0123456789abcdef), not supernet results/supernets/"
                          "demo_digits-") and err.count("\n") == 1
    assert err.endswith(".pt (to be trained), the cached one of copy.yaml; it is a run of another problem named "
                        "'demo_digits' (its file: results/runs/strategies/nsga2-s0/problem.yaml); give copy.yaml a "
                        "name: of its own, or use another --out\n")
    assert sorted(str(p) for p in Path("results").rglob("*")) == [
        "results/runs", "results/runs/strategies", "results/runs/strategies/nsga2-s0",
        "results/runs/strategies/nsga2-s0/archive.sqlite", "results/runs/strategies/nsga2-s0/problem.yaml"]


@pytest.mark.parametrize("bench", ["strategies", "joint"])
def test_proxy_accuracy_and_a_supernet_exclude_each_other(tmp_path, capsys, bench):
    """As in `search`: the proxy ignored --supernet, and its results read as that supernet's."""
    ckpt = tmp_path / "some.pt"
    ckpt.write_bytes(b"")
    assert main(["bench", bench, "--problem", DIGITS, "--pop", "4", "--gens", "1", "--seeds", "0", "--quiet",
                 "--proxy-accuracy", "--supernet", str(ckpt), "--out", str(tmp_path / "runs"),
                 "--json", str(tmp_path / "r.json")]) == 2
    assert capsys.readouterr().err == "error: --proxy-accuracy and --supernet exclude each other (the proxy uses " \
                                      "no supernet)\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["some.pt"]


@pytest.mark.parametrize("bench", ["strategies", "joint"])
def test_data_for_the_embedded_digits_is_refused_as_search_refuses_it(tmp_path, capsys, bench):
    """It was ignored: the benchmark ran on the embedded digits while the user named another dataset."""
    (tmp_path / "mine.npz").write_bytes(b"")
    assert main(["bench", bench, "--problem", DIGITS, "--pop", "4", "--gens", "1", "--seeds", "0", "--quiet",
                 "--proxy-accuracy", "--data", str(tmp_path / "mine.npz"), "--out", str(tmp_path / "runs"),
                 "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --data {tmp_path / 'mine.npz'}: ") and "digits is embedded" in err
    assert len(err.splitlines()) == 1 and sorted(p.name for p in tmp_path.iterdir()) == ["mine.npz"]


def test_the_json_result_may_not_overwrite_the_figure(tmp_path, capsys):
    """--json and --figure naming one file wrote the figure, then the JSON over it."""
    assert main(["bench", "strategies", "--problem", DIGITS, "--pop", "4", "--gens", "1", "--seeds", "0", "--quiet",
                 "--strategies", "nsga2", "--proxy-accuracy", "--out", str(tmp_path / "runs"),
                 "--json", str(tmp_path / "hv.png"), "--figure", str(tmp_path / "hv.png")]) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path / 'hv.png'}: is the hypervolume figure this benchmark uses; "
                                       "write its JSON result to another file\n")
    assert list(tmp_path.iterdir()) == []
