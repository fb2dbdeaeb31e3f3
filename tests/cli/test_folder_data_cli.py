"""CLI, folder datasets (IDX, CIFAR-10 batches, ImageFolder): a supernet is refused for other images or
labels, never for a file its reader does not read; a run that read a folder resumes from it."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from evo_cosearch.cli import main
from evo_cosearch.supernet.checkpoint import load_checkpoint, load_torch_file, save_atomic


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_tests = Path(__file__).parents[1]
_conf = _load("_sn_conftest", _tests / "supernet" / "conftest.py")
folders = _load("_data_folders", _tests / "data" / "folders.py")
_INPUT = {"imagefolder": "{channels: 1, size: 8, classes: 2}"}


@pytest.fixture(scope="module", params=["mnist", "cifar10", "imagefolder"])
def trained(request, tmp_path_factory):
    """The format, its problem and a supernet trained for one epoch on a clean folder of it."""
    fmt = request.param
    d = tmp_path_factory.mktemp(fmt)
    folders.make(fmt, d / "data")
    problem = _conf.write_tiny(d, dataset=f"{{name: {fmt}, path: {d / 'data'}}}",
                               **({"input": _INPUT[fmt]} if fmt in _INPUT else {}))
    assert main(["train-supernet", "--problem", str(problem), "--epochs", "1", "--out", str(d / "sn.pt"),
                 "--quiet"]) == 0
    return fmt, d, problem, d / "sn.pt"


def _genome(problem: Path) -> str:
    from evo_cosearch.problem import load_problem

    return ",".join(["0"] * load_problem(problem).space.n_var)


def _evaluate(problem: Path, ckpt: Path, data: Path) -> int:
    return main(["evaluate", "--problem", str(problem), "--supernet", str(ckpt), "--data", str(data),
                 "--genome", _genome(problem)])


def test_files_the_reader_never_reads_change_nothing(trained, tmp_path, capsys):
    fmt, d, problem, ckpt = trained
    data = shutil.copytree(d / "data", tmp_path / "data")
    folders.add_unrelated(fmt, data)
    assert _evaluate(problem, ckpt, data) == 0
    part = tmp_path / "part.pt"  # an unfinished training resumes on it too
    c = load_torch_file(ckpt, "supernet checkpoint")
    c.update(epoch=0, history=json.dumps([]))
    save_atomic(c, part)
    capsys.readouterr()
    assert main(["train-supernet", "--problem", str(problem), "--data", str(data), "--epochs", "1", "--out",
                 str(part), "--quiet"]) == 0, capsys.readouterr().err
    assert load_checkpoint(part)["epoch"] == 1


@pytest.mark.parametrize("change", ["change_image", "change_label"])
def test_other_images_or_labels_are_refused_naming_both_datasets(trained, tmp_path, capsys, change):
    fmt, d, problem, ckpt = trained
    data = shutil.copytree(d / "data", tmp_path / "data")
    folders.add_unrelated(fmt, data)
    getattr(folders, change)(fmt, data)
    before = ckpt.read_bytes()
    capsys.readouterr()
    assert _evaluate(problem, ckpt, data) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"error: {ckpt}: holds a supernet trained on dataset {fmt} ({d / 'data'}, sha256 "), err
    assert f"not on dataset {fmt} ({data}, sha256 " in err and ckpt.read_bytes() == before


def test_train_supernet_and_evaluate_refuse_other_data_in_one_wording(trained, tmp_path, capsys):
    fmt, d, problem, ckpt = trained
    data = shutil.copytree(d / "data", tmp_path / "data")
    folders.change_image(fmt, data)
    part = tmp_path / "part.pt"
    c = load_torch_file(ckpt, "supernet checkpoint")
    c.update(epoch=0, history=json.dumps([]))
    save_atomic(c, part)
    capsys.readouterr()
    assert _evaluate(problem, ckpt, data) == 2
    used = capsys.readouterr().err.splitlines()[-1].split(": ", 2)[2]
    assert main(["train-supernet", "--problem", str(problem), "--data", str(data), "--epochs", "1", "--out",
                 str(part), "--quiet"]) == 2
    resumed = capsys.readouterr().err.strip().split(": ", 2)[2]
    said = f"holds a supernet trained on dataset {fmt} ({d / 'data'}, sha256 "
    assert used.startswith(said) and resumed.startswith(said) and " file" not in resumed, resumed
    assert used.rsplit(";", 1)[0] == resumed.rsplit(";", 1)[0]  # the same words; only the remedy differs


def _search(problem: Path, gens: int, *extra: str) -> int:
    return main(["search", "--problem", str(problem), "--out", "run", "--pop", "4", "--gens", str(gens),
                 "--proxy-accuracy", "--quiet", *extra])


def test_a_run_of_a_dataset_folder_resumes_from_it_and_refuses_another(tmp_path, monkeypatch, capsys):
    folders.make("mnist", tmp_path / "data")
    problem = _conf.write_tiny(tmp_path, dataset="{name: mnist, path: nowhere}")
    monkeypatch.chdir(tmp_path)
    assert _search(problem, 1, "--data", "data") == 0
    assert _search(problem, 2) == 0  # the run's folder, not the problem file's path ("not there any more")
    capsys.readouterr()
    shutil.copytree(tmp_path / "data", tmp_path / "other")
    assert _search(problem, 3, "--data", "other") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: run: the run read its data from {tmp_path / 'data'}, not other;"), err
