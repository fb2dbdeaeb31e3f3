"""``evo-cosearch bench``: every benchmark is listed and documents its options."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from evo_cosearch.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]

BENCHMARKS = ["simulator", "supernet-speed", "supernet-train", "supernet-ranking", "search-overhead", "strategies",
              "joint", "autoqkeras"]


def _benchmarks() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    bench = sub.choices["bench"]
    return next(a for a in bench._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_benchmark_is_a_subcommand():
    assert list(_benchmarks()) == BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_help_describes_every_option(name):
    bare = [a.option_strings[0] for a in _benchmarks()[name]._actions if a.option_strings and not a.help]
    assert bare == []


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_takes_its_json_path_as_json(name):
    assert sum("--json" in a.option_strings for a in _benchmarks()[name]._actions) == 1


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmarks_json_help_reads_alike(name):
    (action,) = [a for a in _benchmarks()[name]._actions if "--json" in a.option_strings]
    assert action.metavar == "PATH" and action.help.startswith("JSON result (default results/benchmarks/")
    assert "--json PATH" in _benchmarks()[name].format_usage()
    assert "-<problem name>.json for another problem" in action.help  # no default overwrites the default problem's


@pytest.mark.parametrize("name, flag, default", [
    ("strategies", "--out", "results/runs/strategies, strategies-<problem name> for another problem"),
    ("strategies", "--figure", "results/benchmarks/strategies_hv.png, strategies-<problem name>_hv.png for another "
                               "problem"),
    ("joint", "--out", "results/runs/joint_vs_separate, joint_vs_separate-<problem name> for another problem"),
])
def test_search_benchmarks_name_their_default_outputs_per_problem(name, flag, default):
    (action,) = [a for a in _benchmarks()[name]._actions if flag in a.option_strings]
    assert action.default is None and f"(default {default})" in action.help


@pytest.mark.parametrize("name, renamed, other", [
    ("strategies", "the default run folder, JSON and figure are then named strategies_proxy", "joint_vs_separate"),
    # joint draws no figure; it reuses strategies_proxy's nsga2 runs
    ("joint", "the default run folder and JSON are then named joint_vs_separate_proxy", "figure"),
])
def test_proxy_accuracy_names_only_its_own_benchmarks_outputs(name, renamed, other):
    (action,) = [a for a in _benchmarks()[name]._actions if "--proxy-accuracy" in a.option_strings]
    assert renamed in action.help and other not in action.help


@pytest.mark.parametrize("name, fn, kwarg", [("simulator", "evo_cosearch.cli.bench.bench_simulator", "out_path"),
                                             ("search-overhead", "evo_cosearch.bench.search.search_overhead", "out")])
@pytest.mark.parametrize("flag", ["--json", "--out"])  # --out: the earlier name, still taken
def test_simulator_and_search_overhead_take_json_and_out_alike(name, fn, kwarg, flag, monkeypatch, capsys):
    from evo_cosearch.cli import main

    seen = {}
    module, attr = fn.rsplit(".", 1)
    monkeypatch.setattr(module + "." + attr, lambda *a, **kw: seen.update(kw) or {"ok": True})
    assert main(["bench", name, flag, "mine.json"]) == 0
    assert seen[kwarg] == "mine.json" and '"ok": true' in capsys.readouterr().out


@pytest.mark.parametrize("name", BENCHMARKS)
@pytest.mark.parametrize("blank", ["", "  "])
def test_every_benchmark_refuses_an_empty_json_path_in_the_same_words(name, blank, tmp_path, monkeypatch, capsys):
    from evo_cosearch.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["bench", name, "--json", blank]) == 2
    assert capsys.readouterr().err == "error: an empty path given for the benchmark JSON result\n"
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a file named "  "


@pytest.mark.parametrize("name, result", [("strategies", ["strategies_proxy.json", "strategies_proxy_hv.png"]),
                                          ("joint", ["joint_vs_separate_proxy.json"])])
def test_a_benchmark_of_its_own_run_folder_writes_its_default_results_there(name, result, tmp_path, monkeypatch,
                                                                              capsys):
    # they went to results/benchmarks/, over those of the benchmark of the default run folder (an edited copy
    # of the problem keeps its name, and so its output name)
    from evo_cosearch.cli import main

    demo = str(ROOT / "problems" / "demo_digits.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["bench", name, "--problem", demo, "--pop", "4", "--gens", "1", "--seeds", "0", "--proxy-accuracy",
                 "--quiet", "--out", "mine", *(["--strategies", "nsga2"] if name == "strategies" else [])]) == 0
    assert sorted(p.name for p in (tmp_path / "mine").iterdir() if p.is_file()) == result
    assert not (tmp_path / "results" / "benchmarks").exists()
    assert f"JSON: mine/{result[0]}" in capsys.readouterr().out


def test_autoqkeras_of_its_own_run_folder_writes_its_default_json_there(monkeypatch, capsys):
    from evo_cosearch.cli import main

    seen = {}
    monkeypatch.setattr("evo_cosearch.bench.autoqkeras.bench_autoqkeras", lambda *a, **kw: seen.update(kw) or {})
    assert main(["bench", "autoqkeras", "--out", "mine"]) == 0
    assert seen["out_root"] == "mine" and str(seen["out_dir"]) == "mine" and seen["json_out"] is None
    assert main(["bench", "autoqkeras"]) == 0
    assert seen["out_root"] is None and str(seen["out_dir"]) == "results/benchmarks"  # the real benchmark's
