"""CLI: a run that read a dataset folder (IDX files) resumes from it, and refuses another folder
while its own is there, as a run that read a file does."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from evo_cosearch.cli import main


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_tests = Path(__file__).parents[1]
_conf = _load("_sn_conftest_search", _tests / "supernet" / "conftest.py")
folders = _load("_data_folders_search", _tests / "data" / "folders.py")


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
