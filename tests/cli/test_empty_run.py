"""A run with no designs (stopped before its first generation was saved): select, plot and export
each say so in one line naming the run, exit 2, and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from evo_cosearch.api import search
from evo_cosearch.archive.store import ArchiveWriter
from evo_cosearch.cli import main
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def empty_run(tmp_path_factory):
    problem = load_problem(DEMO)
    run = tmp_path_factory.mktemp("empty") / "run"
    search(problem, out=run, pop=4, gens=1, seed=0, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    writer = ArchiveWriter.open(run)
    writer.truncate_after(-1)  # as a resume finds a run killed during its first generation
    writer.close()
    return run


@pytest.mark.parametrize("argv", [["select", "RUN"], ["select", "RUN", "--export", "OUT"], ["plot", "RUN"],
                                  ["plot", "RUN", "--out", "OUT"], ["export", "RUN"], ["export", "RUN", "--pareto"],
                                  ["export", "RUN", "--format", "csv", "-o", "OUT/x.csv"]])
@pytest.mark.parametrize("given", ["folder", "database file"])
def test_an_empty_run_is_one_line_exit_2_and_nothing_written(empty_run, tmp_path, argv, given, capsys):
    def listing():  # a reader may leave SQLite's -wal/-shm files beside the archive
        return sorted(p.name for p in empty_run.iterdir() if not p.name.startswith("archive.sqlite-"))

    before = listing()
    run = empty_run if given == "folder" else empty_run / "archive.sqlite"
    argv = [str(run) if a == "RUN" else a.replace("OUT", str(tmp_path / "out")) for a in argv]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"error: {run}: the run has no designs yet\n"  # the run as it was named
    assert not (tmp_path / "out").exists() and listing() == before  # no RUN/plots either


def test_a_run_with_designs_but_no_feasible_one_is_not_empty(tmp_path, capsys):
    strict = tmp_path / "strict.yaml"  # no design of the proxy reaches 100 % accuracy
    strict.write_text(DEMO.read_text().replace("constraints: {}", "constraints: {min_accuracy: 1.0}"))
    problem = load_problem(strict)
    run = tmp_path / "run"
    search(problem, out=run, pop=4, gens=1, seed=0, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    assert main(["export", str(run), "--pareto"]) == 0
    assert capsys.readouterr().out == "[]\n"  # the Pareto set of feasible designs is empty: not an error
    assert main(["export", str(run), "--pareto", "--format", "csv"]) == 0  # the header of a full export
    header = capsys.readouterr().out
    assert main(["export", str(run), "--format", "csv"]) == 0
    assert header == capsys.readouterr().out.splitlines(keepends=True)[0] and "acc.pes_x" in header
    assert main(["select", str(run)]) == 1  # nothing meets the run's constraints: "no match", exit 1
    assert "no feasible design" in capsys.readouterr().err
