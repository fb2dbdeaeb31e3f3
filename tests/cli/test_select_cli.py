"""``evo-cosearch select``: table and JSON output, rules and filters, no-match exit 1, export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.cli import main
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem, parse_problem

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
    (["--min-neighbours", "0"], "--min-neighbours: 0 must be >= 1"),
    (["--min-accuracy", "nan"], "--min-accuracy: nan is not a fraction in [0, 1]"),
    (["--max-area-mm2", "inf"], "--max-area-mm2: inf must be a positive, finite number"),
    (["--by", "reward", "--target-latency-ms", "inf"], "target latency (--target-latency-ms): inf must be a positive"),
    (["--by", "score", "--score-p-cheaper", "nan"], "--score-p-cheaper: nan must be a finite number"),
    (["--by", "score", "--score-r-costlier", "inf"], "--score-r-costlier: inf must be > 1 and finite"),
    (["--by", "weights", "1,,2,3,4"], "got 4 weights, the run has 3 objectives"),
    (["--by", "weights", "0.5,0.3,0.2", "--epsilon", "0.2"], "--epsilon: applies to --by knee only, not --by weights"),
    (["--score-stress", "0.5"], "--score-stress: applies to --by score only, not --by knee"),
    (["--supernet", "x.pt"], "--supernet: applies with --finetune only"),
    (["--device", "cuda"], "--device: applies with --finetune only"),
    (["--dataflow", "os"], "--dataflow: applies with --export only"),
    (["--export", ""], "an empty path given for the export"),  # it exported nothing and said nothing
    (["--export", "", "--finetune", "1"], "an empty path given for the export"),
])
def test_bad_options_are_one_line_exit_2(run_dir, capsys, argv, message):
    assert main(["select", str(run_dir), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_rule_before_the_run_directory(run_dir, capsys):
    for by in (["knee"], ["weights", "0.5,0.3,0.2"], ["weights", "0.5", "0.3", "0.2"], ["score"]):
        assert main(["select", str(run_dir), "--format", "json", "--by", *by]) == 0
        expected = json.loads(capsys.readouterr().out)["id"]
        assert main(["select", "--format", "json", "--by", *by, str(run_dir)]) == 0  # RUN after --by's values
        assert json.loads(capsys.readouterr().out)["id"] == expected
    assert main(["select", "--by", "weights", "0.5,0.3,0.2"]) == 2
    assert "give the run directory (RUN)" in capsys.readouterr().err


def test_a_run_folder_named_with_digits_after_the_weights(run_dir, tmp_path, monkeypatch, capsys):
    """``--by`` takes several values: a run folder ``7`` after the weights is the run, not a fourth weight."""
    shutil.copytree(run_dir, tmp_path / "7")
    monkeypatch.chdir(tmp_path)
    assert main(["select", "7", "--format", "json", "--by", "weights", "1,0,0"]) == 0
    expected = json.loads(capsys.readouterr().out)["id"]
    for weights in (["1,0,0"], ["1", "0", "0"], ["1,", "0,", "0"]):
        assert main(["select", "--format", "json", "--by", "weights", *weights, "7"]) == 0
        assert json.loads(capsys.readouterr().out)["id"] == expected
    assert main(["select", "--by", "weights", "1,0,0", "8"]) == 2  # no run 8: the message says how 8 was read
    assert capsys.readouterr().err == ("error: select: give the run directory (RUN); '8' after --by weights is no "
                                       "file or folder here, so it was read as a weight\n")


def test_the_table_says_which_designs_refine_added(run_dir, tmp_path, add_refined, capsys):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    add_refined(run)  # better in every objective: the chosen design for weights on accuracy
    with open_archive(run) as arc:
        d = arc.designs()
    refined, source = int(d.id[-1]), int(d.id[-2])
    assert main(["select", str(run), "--by", "weights", "1,0,0", "--weights-method", "asf", "--top", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()[2:]
    assert rows[0].split()[1] == str(refined) and rows[0].endswith(f"  refined from design {source}")
    assert "refined" not in rows[1]


def test_the_scores_default_reference_is_a_searched_design(run_dir, tmp_path, add_refined, capsys):
    """A refined design (the most accurate: its accuracy is measured after training) is no default reference."""
    assert main(["select", str(run_dir), "--by", "score", "--top", "0"]) == 0
    before = capsys.readouterr().out.splitlines()[0]
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    add_refined(run)
    assert main(["select", str(run), "--by", "score", "--top", "0"]) == 0
    after = capsys.readouterr().out.splitlines()[0]
    assert after.split(":")[0] == before.split(":")[0]  # "score (reference id N, ...)"


def test_the_reward_rule_names_its_targets(tmp_path, capsys):
    """A target the run's constraint gives is not on the command line: the header says which it was."""
    problem = parse_problem(DEMO.read_text().replace("constraints: {}", "constraints: {max_latency_ms: 0.05}"))
    search(problem, out=tmp_path / "run", pop=8, gens=1, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    assert main(["select", str(tmp_path / "run"), "--by", "reward", "--top", "0"]) == 0
    assert capsys.readouterr().out.startswith("reward (soft, latency target 0.05 ms): chose design ")
    argv = ["select", str(tmp_path / "run"), "--by", "reward", "--target-area-mm2", "200", "--reward-mode", "hard"]
    assert main([*argv, "--format", "json"]) == 0
    rule = json.loads(capsys.readouterr().out)["selection"]["rule"]
    assert rule == "reward (hard, latency target 0.05 ms, area target 200 mm²)"


def test_huge_weights_are_normalised_without_overflow(run_dir, capsys):
    assert main(["select", str(run_dir), "--format", "json", "--by", "weights", "1e308,1e308,1e308"]) == 0
    chosen = json.loads(capsys.readouterr().out)["id"]
    assert main(["select", str(run_dir), "--format", "json", "--by", "weights", "1,1,1"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == chosen


def test_json_scores_are_valid_json(run_dir, capsys):
    assert main(["select", str(run_dir), "--format", "json", "--top", "50", "--epsilon", "1e-9",
                 "--min-neighbours", "1"]) == 0
    out = capsys.readouterr().out
    d = json.loads(out, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
    assert all(r["score"] is None or isinstance(r["score"], float) for r in d["selection"]["runners_up"])
    from evo_cosearch.select.report import finite_score  # a knee candidate without a comparable neighbour: -inf
    assert finite_score(float("-inf")) is None and finite_score(float("nan")) is None and finite_score(2.5) == 2.5


def test_an_unwritable_export_is_refused_before_anything_is_printed(run_dir, tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert main(["select", str(run_dir), "--export", str(tmp_path / "afile")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "is a file, not a directory" in err


def test_export_writes_the_three_files(run_dir, tmp_path, capsys):
    assert main(["select", str(run_dir), "--export", str(tmp_path / "d")]) == 0
    assert "exported design" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["design.json", "scalesim.cfg", "topology.csv"]
    assert main(["select", str(run_dir), "--min-accuracy", "0.1", "--by", "score",
                 "--export", str(tmp_path / "e")]) == 0
    chosen = json.loads((tmp_path / "e" / "design.json").read_text())["selection"]  # how it was chosen
    assert chosen["rule"].startswith("score (reference id") and chosen["filters"] == {"min_accuracy": 0.1}
    assert main(["select", str(run_dir), "--export", str(tmp_path / "d")]) == 0  # the same design again: fine
    capsys.readouterr()


def test_export_refuses_a_folder_holding_another_design(run_dir, tmp_path, capsys):
    ends = [["--by", "weights", w, "--weights-method", "asf"] for w in ("1,0,0", "0,1,0")]
    assert main(["select", str(run_dir), *ends[0], "--export", str(tmp_path / "d")]) == 0
    assert main(["select", str(run_dir), *ends[1], "--format", "json"]) == 0
    first = json.loads((tmp_path / "d" / "design.json").read_text())["id"]
    out = capsys.readouterr().out
    assert json.loads(out[out.index("{"):])["id"] != first  # the most accurate and the fastest design
    before = (tmp_path / "d" / "design.json").read_bytes()
    assert main(["select", str(run_dir), *ends[1], "--format", "json", "--export", str(tmp_path / "d")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "holds the export of another design" in err  # refused before anything is printed
    assert (tmp_path / "d" / "design.json").read_bytes() == before
    (tmp_path / "d" / "design.json").write_text("[]")
    assert main(["select", str(run_dir), *ends[0], "--export", str(tmp_path / "d")]) == 2
    assert "design.json: cannot be read as an exported design" in capsys.readouterr().err


def test_the_export_records_the_rules_options(run_dir, tmp_path, capsys):
    assert main(["select", str(run_dir), "--by", "reward", "--target-latency-ms", "0.01", "--reward-mode", "hard",
                 "--export", str(tmp_path / "r")]) == 0
    chosen = json.loads((tmp_path / "r" / "design.json").read_text())["selection"]
    assert chosen["by"] == ["reward"] and chosen["options"] == {"--target-latency-ms": 0.01, "--reward-mode": "hard"}


@pytest.mark.parametrize("method", ["pseudo", "asf"])
def test_one_candidate_is_chosen_by_weights(run_dir, capsys, method):
    with open_archive(run_dir) as arc:
        best = float(arc.pareto().metrics["accuracy"].max())
    assert main(["select", str(run_dir), "--min-accuracy", str(best), "--by", "weights", "1, 1, 1",
                 "--weights-method", method, "--format", "json"]) == 0
    captured = capsys.readouterr()
    d = json.loads(captured.out)
    assert d["selection"]["n_candidates"] == 1 and d["selection"]["score"] == 0.0 and captured.err == ""


def test_finetune_inputs_are_checked_before_anything_is_printed(run_dir, tmp_path, capsys):
    argv = ["select", str(run_dir), "--export", str(tmp_path / "d"), "--finetune", "1"]
    assert main([*argv, "--supernet", str(tmp_path / "missing.pt")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip().endswith("missing.pt: checkpoint not found")
    assert not (tmp_path / "d").exists()
    (tmp_path / "other.pt").write_text("not a supernet")  # there, but no supernet of this network
    assert main([*argv, "--supernet", str(tmp_path / "other.pt")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "other.pt: not a readable supernet checkpoint" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "d").exists()
    assert main([*argv, "--device", "tpu"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "error: --device tpu: not a device (cpu, cuda, cuda:N)\n"
    assert not (tmp_path / "d").exists()


def test_an_export_that_cannot_take_every_file_writes_none(run_dir, tmp_path, capsys):
    (tmp_path / "d" / "topology.csv").mkdir(parents=True)
    assert main(["select", str(run_dir), "--export", str(tmp_path / "d")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "topology.csv: is a directory" in err
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["topology.csv"]


@pytest.mark.parametrize("argv", [["RUN", "--by", "weights", "-1,1,1"], ["--by", "weights", "-1,1,1", "RUN"]])
def test_weights_that_start_with_a_minus_reach_the_weights_check(run_dir, argv, capsys):
    argv = [str(run_dir) if a == "RUN" else a for a in argv]
    assert main(["select", *argv]) == 2  # not argparse's "unrecognized arguments"
    assert capsys.readouterr().err == "error: --by weights: [-1.0, 1.0, 1.0] must be non-negative numbers, not all zero\n"


def test_export_refuses_a_refined_designs_folder(run_dir, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    refined = run / "refined" / "7"  # what `evo-cosearch refine` keeps of a refined design
    refined.mkdir(parents=True)
    (refined / "child.pt").write_bytes(b"the refined design's trained child")
    assert main(["select", str(run), "--export", str(refined)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: {refined}: is a refined design's folder of the run in {run}; "
                   "choose another --export folder\n")
    assert [p.name for p in refined.iterdir()] == ["child.pt"]
    later = run / "refined" / "8"  # the folder a later refinement would fill: it held no file, as it said
    assert main(["select", str(run), "--export", str(later)]) == 2
    assert capsys.readouterr().err == (f"error: {later}: is a refined design's folder of the run in {run}; "
                                       "choose another --export folder\n")
    assert not later.exists()


def test_the_table_shows_the_runs_objectives(run_dir, tmp_path, capsys):
    assert main(["select", str(run_dir), "--top", "0"]) == 0  # error, latency, energy: the usual columns
    assert capsys.readouterr().out.splitlines()[1].split() == [
        "rank", "id", "gen", "acc", "%", "latency", "ms", "energy", "µJ", "area", "mm²", "score"]
    problem = load_problem(DEMO)
    problem = parse_problem(problem.text.replace("objectives: [error, latency_ms, energy_uj]",
                                                 "objectives: [error, macs, edp]"), source="macs.yaml")
    out = tmp_path / "macs"
    search(problem, out=out, pop=8, gens=2, seed=1, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    assert main(["select", str(out), "--by", "weights", "0,1,0", "--weights-method", "asf", "--top", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[-4:] == ["MACs", "EDP", "µJ·ms", "score"]
    with open_archive(out) as arc:  # the chosen design is the one of fewest MACs, and the table says how many
        fewest = int(arc.pareto().metrics["macs"].min())
    assert lines[2].split()[-3] == f"{fewest:,}"


def test_the_usage_reads_by_as_a_rule_then_its_weights(capsys):
    # it read "--by RULE [RULE ...]", as if several rules were taken
    with pytest.raises(SystemExit):
        main(["select", "--help"])
    out = capsys.readouterr().out
    assert "[--by RULE [WEIGHTS ...]]" in out and "RULE [RULE" not in out
