"""A run's designs as JSON or CSV text: every design or the Pareto set, to a file whole or not at all."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import export_run, open_archive
from evo_cosearch.archive.export import export_format
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "run"
    problem = load_problem(DEMO)
    search(problem, out=out, pop=6, gens=2, seed=0, accuracy_fn=ProxyAccuracy(problem), quiet=True,
           progress=False).close()
    return out


def test_json_is_every_design_one_per_line_and_csv_the_pareto_set_of_them(run_dir):
    text = export_run(run_dir)
    with open_archive(run_dir) as arc:
        designs, front = arc.designs(), arc.pareto()
    assert json.loads(text) == [designs.record(i) for i in range(len(designs))]
    assert text.count("\n") == len(designs) + 2  # "[", one line per design, "]"
    rows = list(csv.DictReader(io.StringIO(export_run(run_dir, pareto=True, fmt="csv"))))
    assert [int(r["id"]) for r in rows] == front.id.tolist()
    assert {"feasible", "cv", "error", "latency_ms", "energy_uj", "genome", "acc.pes_x", "network"} <= set(rows[0])


def test_an_output_file_gets_the_text_in_its_suffix_s_format_and_a_run_file_is_refused(run_dir, tmp_path):
    written = export_run(run_dir, output=tmp_path / "designs.csv")
    assert (tmp_path / "designs.csv").read_text() == written and written.startswith("id,generation,feasible,")
    assert export_format(None, None) == export_format(None, "d.txt") == export_format("json", "d.csv") == "json"
    before = (run_dir / "archive.sqlite").read_bytes()
    with pytest.raises(InputError, match=f"{run_dir / 'problem.yaml'}: is a file of the run in {run_dir}"):
        export_run(run_dir, output=run_dir / "problem.yaml")
    assert (run_dir / "archive.sqlite").read_bytes() == before
    with pytest.raises(InputError, match="no run archive"):
        export_run(tmp_path / "none", output=tmp_path / "never.json")
    assert not (tmp_path / "never.json").exists()
