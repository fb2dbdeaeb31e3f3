"""export_design on a real (tiny) archive: design.json, and SCALE-Sim files that parse back."""

from __future__ import annotations

import configparser
import importlib.util
import json
from pathlib import Path

import pytest
import yaml

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.io.hwfile import scalesim_equivalent
from evo_cosearch.io.topology import parse_topology
from evo_cosearch.problem import parse_problem
from evo_cosearch.select import export_design
from evo_cosearch.workload import layers_of, spec_workload

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    problem = parse_problem(DEMO.read_text(), source=str(DEMO))
    out = tmp_path_factory.mktemp("run") / "r"
    search(problem, out=out, pop=8, gens=3, seed=3, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    return out


def test_export_writes_design_and_scalesim_files(run_dir, tmp_path):
    with open_archive(run_dir) as arc:
        designs = arc.designs()
        row = 5
        done = export_design(arc, int(designs.id[row]), tmp_path / "x")
        spec = arc.problem().design(designs.genome[row])
    assert [p.name for p in done.paths] == ["design.json", "scalesim.cfg", "topology.csv"]

    d = json.loads(done.design_json.read_text())
    assert d["id"] == int(designs.id[row])
    assert d["network"] == json.loads(json.dumps(spec.network.to_dict()))
    assert d["accelerator"] == spec.accelerator.to_dict()
    assert d["metrics"]["latency_ms"] == pytest.approx(designs.metrics["latency_ms"][row])
    prov = d["provenance"]
    assert prov["genome"] == designs.genome[row].tolist()
    assert prov["generation"] == int(designs.generation[row]) and prov["seed"] == 3
    assert prov["problem"]["name"] == "demo_digits" and "network:" in prov["problem"]["text"]

    # the topology parses back to the design's conv/dense layers, shapes and strides intact
    back = parse_topology(done.topology_csv.read_text(), source="topology.csv")
    want = [l for l in layers_of(spec_workload(spec.network)) if l.kind in ("conv", "depthwise", "pointwise", "dense")]
    got = layers_of(back)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert (g.in_c, g.out_c, g.kernel_h, g.stride) == (w.in_c, w.out_c, w.kernel_h, w.stride)
        assert g.macs == w.macs

    cfg = configparser.ConfigParser()
    cfg.optionxform = str
    cfg.read_string(done.scalesim_cfg.read_text())
    hw = scalesim_equivalent(spec.accelerator)
    arch = cfg["architecture_presets"]
    assert (int(arch["ArrayHeight"]), int(arch["ArrayWidth"])) == (hw.rows, hw.cols)
    assert int(arch["IfmapSramSzkB"]) == hw.ifmap_sram_kb and arch["Dataflow"] == "ws"
    assert Path(prov["run_dir"]).is_absolute() and Path(prov["run_dir"]) == Path(run_dir).resolve()


def test_scalesim_run_name_is_plain_whatever_the_run_is_called():
    from evo_cosearch.select.export import _plain

    assert _plain("ä b/c_id2") == "__b_c_id2" and _plain("run-1.x_id3") == "run-1.x_id3"


def test_unknown_design_writes_nothing(run_dir, tmp_path):
    with open_archive(run_dir) as arc:
        with pytest.raises(InputError, match="no design with id 9999"):
            export_design(arc, 9999, tmp_path / "y")
    assert not (tmp_path / "y").exists()


def test_an_empty_export_path_writes_nothing_into_the_current_folder(run_dir, tmp_path, monkeypatch):
    from evo_cosearch.select import check_export_folder

    monkeypatch.chdir(tmp_path)  # '' was taken for this folder: the export's files were written here
    with open_archive(run_dir) as arc:
        for check in (check_export_folder, export_design):
            with pytest.raises(InputError, match="^an empty path given for the export$"):
                check(arc, 0, "")
    assert list(tmp_path.iterdir()) == []


def test_finetune_saves_a_child_whose_test_accuracy_reproduces(tmp_path):
    import torch

    from evo_cosearch.supernet import accuracy, build_child, load_child, problem_splits, save_child

    cfg = yaml.safe_load(DEMO.read_text())
    cfg["supernet"] = {"epochs": 1, "max_train_images": 128, "random_children": 0}
    problem = parse_problem(yaml.safe_dump(cfg), source="tiny.yaml")
    arc = search(problem, out=tmp_path / "run", pop=8, gens=2, seed=0, accuracy_fn=ProxyAccuracy(problem),
                 quiet=True)
    with arc:
        design = int(arc.pareto().id[0])
        with pytest.raises(InputError, match="checkpoint not found"):
            export_design(arc, design, tmp_path / "bad", finetune_epochs=1, supernet=tmp_path / "none.pt")
        assert not (tmp_path / "bad").exists()
        (tmp_path / "a_file").write_text("x")  # an unwritable export is refused before fine-tuning
        with pytest.raises(InputError, match="a_file is not a writable directory"):
            export_design(arc, design, tmp_path / "a_file" / "out", finetune_epochs=1, supernet=tmp_path / "none.pt")
        d = arc.designs()  # a child of another network saved where the export goes (train-child --out, say)
        other = next(i for i in range(len(d)) if d.network_json[i] != d.network_json[design])
        other_spec = problem.design(d.genome[other]).network
        save_child(tmp_path / "mine" / "child.pt", build_child(other_spec), other_spec,
                   input_normalization={"mean": 0.0, "std": 1.0})
        mine = (tmp_path / "mine" / "child.pt").read_bytes()
        with pytest.raises(InputError, match="child.pt: holds a child of another network; remove it or choose "
                                             "another out_dir$"):  # the parameter, from Python
            export_design(arc, design, tmp_path / "mine", finetune_epochs=1, supernet=tmp_path / "none.pt")
        with cli_names(), pytest.raises(InputError, match="child.pt: holds a child of another network; remove it "
                                                          "or choose another --export folder$"):  # select's flag
            export_design(arc, design, tmp_path / "mine", finetune_epochs=1, supernet=tmp_path / "none.pt")
        assert [p.name for p in (tmp_path / "mine").iterdir()] == ["child.pt"]
        assert (tmp_path / "mine" / "child.pt").read_bytes() == mine
        with pytest.raises(InputError, match="device='tpu'"):  # refused before the supernet is trained
            export_design(arc, design, tmp_path / "tpu", finetune_epochs=1, supernet_cache=tmp_path / "cache",
                          device="tpu")
        assert not (tmp_path / "tpu").exists() and not (tmp_path / "cache").exists()
        done = export_design(arc, design, tmp_path / "out", finetune_epochs=1, supernet_cache=tmp_path / "cache")
        spec = arc.problem().design(arc.designs().genome[design]).network
    report = json.loads(done.child[-1].read_text())
    with_onnx = importlib.util.find_spec("onnx") is not None and importlib.util.find_spec("onnxscript") is not None
    assert [p.name for p in done.child] == (["child.pt", "child_architecture.json"] + ["child.onnx"] * with_onnx
                                            + ["finetune.json"]), report.get("onnx_error")
    saved = load_child(done.child[0])
    child = saved.module
    assert saved.spec == spec
    assert json.loads(done.child[1].read_text()) == json.loads(json.dumps(spec.to_dict()))
    splits = problem_splits(problem)
    assert accuracy(child, splits.test_x, splits.test_y, batch_size=500) == pytest.approx(report["test_accuracy"])
    assert report["epochs"] == 1 and 0.0 <= report["test_accuracy"] <= 1.0 and report["device"] == "cpu"
    norm = report["input"]  # what a deployment feeds the exported child: (pixel - mean) / std
    raw = splits.test_x * norm["std"] + norm["mean"]
    assert float((raw - raw.round()).abs().max()) < 1e-3 and 0 <= float(raw.min()) and float(raw.max()) <= 16
    assert saved.input_normalization.to_dict() == {"mean": norm["mean"], "std": norm["std"]}
    raw = raw.round().to(torch.uint8)  # the images as the dataset stores them: the loaded child normalises them
    assert torch.equal(saved.input_normalization(raw), splits.test_x)
