"""Saving a fine-tuned child: the files written, and none left of an earlier fine-tuning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evo_cosearch.problem import load_problem
from evo_cosearch.select import Finetuned, save_finetuned
from evo_cosearch.supernet import build_child, load_child

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.mark.parametrize("onnx", ["fails", "missing"])
def test_an_earlier_child_onnx_is_not_left_beside_a_new_child(tmp_path, monkeypatch, onnx):
    spec = load_problem(DEMO).network.smallest()
    done = Finetuned(build_child(spec).eval(), spec, 0.5, 0.5, 1, 0, "supernet.pt", {"mean": 0.0, "std": 1.0})
    (tmp_path / "child.onnx").write_bytes(b"an earlier fine-tuning's child")
    if onnx == "fails":
        def broken(*args, **kwargs):
            raise RuntimeError("exporter broke")
        monkeypatch.setattr("evo_cosearch.supernet.onnx_export.export_onnx", broken)
    else:
        monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    paths = save_finetuned(done, tmp_path)
    assert [p.name for p in paths] == ["child.pt", "child_architecture.json", "finetune.json"]
    assert not (tmp_path / "child.onnx").exists()  # it would not be the child.pt beside it
    assert load_child(tmp_path / "child.pt")[1] == spec
    report = json.loads((tmp_path / "finetune.json").read_text())
    assert ("onnx_error" in report) == (onnx == "fails")
