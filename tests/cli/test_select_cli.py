"""``evo-cosearch select``: table and JSON output, rules and filters, no-match exit 1, export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.cli import main
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    problem = load_problem(DEMO)
    out = tmp_path_factory.mktemp("selectcli") / "run"
    search(problem, out=out, pop=8, gens=3, seed=1, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    return out


def test_table_lists_the_chosen_design_and_runners_up(run_dir, capsys):
    assert main(["select", str(run_dir), "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("knee (trade-off, epsilon 0.125): chose design ")
    assert lines[1].split()[:2] == ["rank", "id"]
    assert len(lines) == 2 + 3 and lines[2].lstrip().startswith("1*")


def test_json_is_the_chosen_design_with_archive_id(run_dir, capsys):
    assert main(["select", str(run_dir), "--by", "weights", "1,0,0", "--weights-method", "asf",
                 "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    with open_archive(run_dir) as arc:
        pareto = arc.pareto()
    assert d["id"] in pareto.id.tolist()
    assert d["metrics"]["accuracy"] == pytest.approx(pareto.metrics["accuracy"].max())   # all weight on error
    assert {"network", "accelerator", "metrics", "provenance", "selection"} <= set(d)
    assert d["provenance"]["run"] and d["selection"]["rule"].startswith("weights")


@pytest.mark.parametrize("rule", [["reward", "--target-latency-ms", "0.01"], ["score"],
                                  ["score", "--score-stress", "0.5"], ["weights", "0.4,0.3,0.3"],
                                  ["knee", "--epsilon", "all"]])
def test_every_rule_chooses_a_pareto_design(run_dir, capsys, rule):
    assert main(["select", str(run_dir), "--format", "json", "--by", *rule]) == 0
    d = json.loads(capsys.readouterr().out)
    with open_archive(run_dir) as arc:
        assert d["id"] in arc.pareto().id.tolist()


def test_filters_are_respected(run_dir, capsys):
    with open_archive(run_dir) as arc:
        lat = arc.pareto().metrics["latency_ms"]
    bound = float(sorted(lat)[len(lat) // 2])
    assert main(["select", str(run_dir), "--format", "json", "--max-latency-ms", str(bound)]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"]["latency_ms"] <= bound


def test_no_match_names_closest_and_bound_exit_1(run_dir, capsys):
    assert main(["select", str(run_dir), "--max-latency-ms", "1e-9"]) == 1
    err = capsys.readouterr().err
    assert "closest is id" in err and "(--max-latency-ms)" in err


@pytest.mark.parametrize("argv, message", [
    (["--by", "weights", "0.5,0.5"], "got 2 weights, the run has 3 objectives"),
    (["--by", "best"], "unknown rule 'best'"),
    (["--min-accuracy", "95"], "fraction"),
    (["--finetune", "2"], "needs --export"),
])
def test_bad_options_are_one_line_exit_2(run_dir, capsys, argv, message):
    assert main(["select", str(run_dir), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_export_writes_the_three_files(run_dir, tmp_path, capsys):
    assert main(["select", str(run_dir), "--export", str(tmp_path / "d")]) == 0
    assert "exported design" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["design.json", "scalesim.cfg", "topology.csv"]
