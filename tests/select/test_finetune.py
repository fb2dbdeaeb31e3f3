"""Saving a fine-tuned child: the files written, and none left of an earlier fine-tuning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evo_cosearch.problem import load_problem
from evo_cosearch.select import Finetuned, save_finetuned
from evo_cosearch.supernet import InputNormalization, build_child, load_child

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.mark.parametrize("onnx", ["fails", "missing"])
def test_an_earlier_child_onnx_is_not_left_beside_a_new_child(tmp_path, monkeypatch, onnx):
    spec = load_problem(DEMO).network.smallest()
    done = Finetuned(build_child(spec).eval(), spec, 0.5, 0.5, 1, 0, "supernet.pt", InputNormalization(0.0, 1.0))
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
    assert load_child(tmp_path / "child.pt").spec == spec
    report = json.loads((tmp_path / "finetune.json").read_text())
    assert ("onnx_error" in report) == (onnx == "fails")


def test_a_save_stopped_midway_leaves_whole_files(tmp_path, monkeypatch):
    # a crash (here Ctrl-C, or an exporter error) while a file is written leaves the earlier file or none,
    # never half a file
    spec = load_problem(DEMO).network.smallest()
    done = Finetuned(build_child(spec).eval(), spec, 0.5, 0.5, 1, 0, "supernet.pt", InputNormalization(0.0, 1.0))
    earlier = '{"test_accuracy": 0.25}\n'
    (tmp_path / "finetune.json").write_text(earlier)

    def half_an_onnx_file(module, spec, path):
        Path(path).write_bytes(b"half an ONNX file")
        raise RuntimeError("exporter broke")

    write_text = Path.write_text

    def stopped_midway(self, text, *args, **kwargs):
        if '"test_accuracy": 0.5' in text:
            write_text(self, text[: len(text) // 2], *args, **kwargs)
            raise KeyboardInterrupt
        return write_text(self, text, *args, **kwargs)

    monkeypatch.setattr("evo_cosearch.supernet.onnx_export.export_onnx", half_an_onnx_file)
    monkeypatch.setattr(Path, "write_text", stopped_midway)
    with pytest.raises(KeyboardInterrupt):
        save_finetuned(done, tmp_path)
    # the earlier report described another child: it is not left beside this one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["child.pt", "child_architecture.json"]
    assert json.loads((tmp_path / "child_architecture.json").read_text()) == json.loads(json.dumps(spec.to_dict()))


def test_a_fine_tuned_child_records_its_input_normalization_as_a_saved_child_does(tmp_path):
    spec = load_problem(DEMO).network.smallest()
    norm = InputNormalization(3.0, 2.0)
    done = Finetuned(build_child(spec).eval(), spec, 0.5, 0.5, 1, 0, "supernet.pt", norm)
    save_finetuned(done, tmp_path)
    assert load_child(tmp_path / "child.pt").input_normalization == norm
    report = json.loads((tmp_path / "finetune.json").read_text())["input"]
    assert (report["mean"], report["std"], report["layout"]) == (3.0, 2.0, "NCHW")


def test_an_empty_path_saves_nothing_into_the_current_folder(tmp_path, monkeypatch):
    from evo_cosearch.errors import InputError
    from evo_cosearch.select import save_trained_child

    spec = load_problem(DEMO).network.smallest()
    done = Finetuned(build_child(spec).eval(), spec, 0.5, 0.5, 1, 0, "supernet.pt", InputNormalization(0.0, 1.0))
    monkeypatch.chdir(tmp_path)  # '' was this folder: the child's files were written here (or an OSError)
    with pytest.raises(InputError, match="^an empty path given for the export$"):
        save_finetuned(done, "")
    with pytest.raises(InputError, match="^an empty path given for the child checkpoint$"):
        save_trained_child("", done.module, spec, input_normalization=done.input_normalization)
    assert list(tmp_path.iterdir()) == []


def test_epochs_below_one_are_named_as_the_caller_gave_them():
    # 'epochs: 0 ...' from Python; the CLI's '--finetune: 0 epochs must be >= 1' (it said that to Python callers too)
    from evo_cosearch.errors import InputError, cli_names
    from evo_cosearch.select.finetune import finetune

    problem = load_problem(DEMO)
    spec = problem.design([0] * problem.space.n_var).network
    with pytest.raises(InputError, match="^epochs: 0 epochs must be >= 1$"):
        finetune(problem, spec, epochs=0)
    with cli_names(), pytest.raises(InputError, match="^--finetune: 0 epochs must be >= 1$"):
        finetune(problem, spec, epochs=0)
