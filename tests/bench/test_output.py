"""Benchmark output paths: refused before the work, with one line naming them; JSON written whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evo_cosearch.bench.output import figure_path, json_path, write_json
from evo_cosearch.cli import main
from evo_cosearch.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
DIGITS = str(ROOT / "problems" / "demo_digits.yaml")


def test_write_json_writes_the_whole_file_and_nothing_beside_it(tmp_path):
    path = tmp_path / "sub" / "r.json"
    write_json({"a": [1, 2]}, path)
    assert json.loads(path.read_text()) == {"a": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["r.json"]
    write_json({"a": 1}, None)  # no file: nothing to do


def test_a_directory_or_an_unwritable_place_is_refused(tmp_path):
    (tmp_path / "d.json").mkdir()
    with pytest.raises(InputError, match="d.json: is a directory"):
        json_path(tmp_path / "d.json")
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        json_path(tmp_path / "file" / "r.json")
    assert json_path(None) is None and figure_path(None) is None


@pytest.mark.parametrize("name", ["hv.json", "hv"])
def test_a_figure_needs_an_image_suffix(tmp_path, name):
    with pytest.raises(InputError, match=r"\.png"):
        figure_path(tmp_path / name)
    assert figure_path(tmp_path / "hv.svg") == tmp_path / "hv.svg"


@pytest.mark.parametrize("bench, flag", [("strategies", "--json"), ("strategies", "--figure"),
                                         ("joint", "--json")])
def test_search_benchmarks_refuse_a_bad_output_before_any_run(tmp_path, capsys, bench, flag):
    (tmp_path / "taken").mkdir()
    args = {"--json": str(tmp_path / "r.json"), "--figure": str(tmp_path / "hv.png"), flag: str(tmp_path / "taken")}
    if bench == "joint":
        del args["--figure"]
    argv = ["bench", bench, "--problem", DIGITS, "--pop", "4", "--gens", "2", "--seeds", "0", "--proxy-accuracy",
            "--quiet", "--out", str(tmp_path / "runs"), *[x for kv in args.items() for x in kv]]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "taken" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.mark.parametrize("bench", [["simulator", "--designs", "8", "--repeats", "1"],
                                   ["search-overhead", "--pop", "4", "--gens", "2"]])
def test_timing_benchmarks_refuse_a_directory_as_out(tmp_path, capsys, bench):
    (tmp_path / "r.json").mkdir()
    assert main(["bench", *bench, "--problem", DIGITS, "--out", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {tmp_path / 'r.json'}: is a directory, not a benchmark JSON result file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


@pytest.mark.parametrize("bench, problem, name", [
    (["simulator", "--designs", "8", "--repeats", "1"], DIGITS, "simulator-demo_digits"),
    (["simulator", "--designs", "8", "--repeats", "1"], None, "simulator"),
    (["search-overhead", "--pop", "4", "--gens", "2"], str(ROOT / "problems" / "autoqkeras_digits.yaml"),
     "search_overhead-autoqkeras_digits"),
    (["search-overhead", "--pop", "4", "--gens", "2"], None, "search_overhead")])
def test_timing_benchmarks_name_their_default_json_after_a_non_default_problem(tmp_path, monkeypatch, capsys,
                                                                               bench, problem, name):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", *bench, *(["--problem", problem] if problem else [])]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [p.name for p in (tmp_path / "results" / "benchmarks").iterdir()] == [f"{name}.json"]
    assert printed["benchmark"] == bench[0].replace("-", "_")  # the benchmark's own name, whatever the problem


def test_the_benchmark_field_is_the_benchmarks_own_name_for_every_problem(tmp_path):
    from evo_cosearch.bench.supernet import bench_supernet_eval_speed

    result = bench_supernet_eval_speed(DIGITS, n_children=1, tune_malloc=False, out_dir=tmp_path)
    assert result["benchmark"] == "supernet_eval_speed"
    assert json.loads((tmp_path / "supernet_eval_speed-demo_digits.json").read_text()) == result


@pytest.mark.parametrize("bench", ["simulator", "search_overhead"])
def test_the_python_functions_write_no_file_for_a_json_path_of_none(tmp_path, monkeypatch, bench):
    """None has meant no file since these functions took a path; their default is the default name."""
    from evo_cosearch.bench.search import search_overhead
    from evo_cosearch.bench.simulator import bench_simulator

    def run(**out):
        if bench == "simulator":
            return bench_simulator(n_designs=8, repeats=1, **out)
        return search_overhead(pop=4, gens=2, **out)

    monkeypatch.chdir(tmp_path)
    run(**{"out_path" if bench == "simulator" else "out": None})
    assert list(tmp_path.iterdir()) == []
    run()
    assert [p.name for p in (tmp_path / "results" / "benchmarks").iterdir()] == [f"{bench}.json"]
