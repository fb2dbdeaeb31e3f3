"""A selection as text and JSON: the ranked table, the chosen design's record, what an export wrote."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem
from evo_cosearch.select import Bounds, Export, Knee, design_record, select_design
from evo_cosearch.select.report import export_lines, finite_score, selection_info, selection_record, selection_table

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def chosen(tmp_path_factory):
    problem = load_problem(DEMO)
    out = tmp_path_factory.mktemp("report") / "run"
    search(problem, out=out, pop=8, gens=2, seed=1, accuracy_fn=ProxyAccuracy(problem), quiet=True,
           progress=False).close()
    arc = open_archive(out)
    yield arc, select_design(arc.designs(), Knee(epsilon=None), top=3)
    arc.close()


def test_the_table_is_the_rule_then_one_row_per_ranked_design_the_chosen_one_starred(chosen):
    _, sel = chosen
    lines = selection_table(sel).split("\n")
    n = sel.n_candidates
    assert lines[0] == f"{sel.rule}: chose design {sel.chosen_id} of {n} candidate{'s' * (n != 1)}"
    assert lines[1].split() == ["rank", "id", "gen", "acc", "%", "latency", "ms", "energy", "µJ", "area", "mm²",
                                "score"]
    assert len(lines) == 2 + len(sel.ranked)
    for k, line in enumerate(lines[2:]):
        cells = line.split()
        assert cells[0] == f"{k + 1}{'*' if k == 0 else ''}" and int(cells[1]) == sel.ranked.id[k]
        assert float(cells[3]) == pytest.approx(100 * sel.ranked.metrics["accuracy"][k], abs=0.005)


def test_the_record_is_the_design_s_with_its_selection_and_json_safe_scores(chosen):
    arc, sel = chosen
    record = selection_record(arc, sel)
    assert {k: v for k, v in record.items() if k != "selection"} == design_record(arc, sel.ranked, 0)
    assert record["selection"]["rule"] == sel.rule and record["selection"]["n_candidates"] == sel.n_candidates
    assert [r["id"] for r in record["selection"]["runners_up"]] == sel.ranked.id[1:].tolist()
    json.dumps(record, allow_nan=False)
    assert finite_score(np.float64(-np.inf)) is None and finite_score(float("nan")) is None
    assert finite_score(np.float64(2.5)) == 2.5
    info = selection_info(sel, ["knee"], {"--epsilon": "all"}, Bounds(max_latency_ms=5.0))
    assert info == {"rule": sel.rule, "by": ["knee"], "options": {"--epsilon": "all"},
                    "filters": {"max_latency_ms": 5.0}, "n_candidates": sel.n_candidates}


def test_export_lines_name_every_file_and_a_fine_tuned_child_s_accuracy(tmp_path):
    files = [tmp_path / name for name in ("design.json", "scalesim.cfg", "topology.csv", "child.pt", "finetune.json")]
    assert export_lines(Export(*files[:3]), 4) == ["exported design 4:"] + [f"  {p}" for p in files[:3]]
    files[-1].write_text(json.dumps({"epochs": 1, "test_accuracy": 0.91234, "onnx_error": "no onnx"}))
    assert export_lines(Export(*files[:3], child=tuple(files[3:])), 4)[-2:] == [
        "fine-tuned 1 epoch: test accuracy 91.23 %", "child.onnx not written: no onnx"]
