"""Dataset identity: the same file compares equal however it is spelled; other data never does."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.data import data_identity, data_mismatch, load_dataset
from evo_cosearch.data import identity as identity_module
from evo_cosearch.data.load import dataset_files
from evo_cosearch.data.readers import read_imagefolder
from evo_cosearch.errors import DataError, cli_names
from evo_cosearch.problem import DatasetConfig

_spec = importlib.util.spec_from_file_location("_data_folders", Path(__file__).parent / "folders.py")
folders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(folders)
FORMATS = ["mnist", "cifar10", "imagefolder"]


def _npz(path, seed):
    rng = np.random.default_rng(seed)
    np.savez(path, x_train=rng.integers(0, 256, (20, 28, 28), dtype=np.uint8), y_train=np.arange(20) % 10,
             x_test=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), y_test=np.arange(5))


def test_the_same_file_spelled_otherwise_or_copied_is_the_same_data(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    _npz(tmp_path / "data" / "a.npz", 0)
    shutil.copy(tmp_path / "data" / "a.npz", tmp_path / "data" / "copy.npz")
    os.symlink(tmp_path / "data" / "a.npz", tmp_path / "link.npz")
    monkeypatch.chdir(tmp_path)
    base = data_identity(DatasetConfig("mnist", "data/a.npz"))
    assert base["path"] == str(tmp_path / "data" / "a.npz") and len(base["sha256"]) == 16
    for spelling in ("./data/a.npz", "data//a.npz", "data/../data/a.npz", str(tmp_path / "data" / "a.npz"),
                     "link.npz", "data/copy.npz"):
        assert data_mismatch(base, data_identity(DatasetConfig("mnist", spelling))) is None, spelling
    assert data_mismatch(base, data_identity(DatasetConfig("mnist", "data/a.npz", {"test_fraction": 0.5}))) is None


def test_other_data_is_named_with_both_files(tmp_path):
    _npz(tmp_path / "a.npz", 0)
    _npz(tmp_path / "b.npz", 1)
    a = data_identity(DatasetConfig("mnist", str(tmp_path / "a.npz")))
    b = data_identity(DatasetConfig("mnist", str(tmp_path / "b.npz")))
    was, now = data_mismatch(a, b)
    assert was == f"dataset mnist ({tmp_path / 'a.npz'}, sha256 {a['sha256']})"
    assert now == f"dataset mnist ({tmp_path / 'b.npz'}, sha256 {b['sha256']})"
    assert data_mismatch(a, data_identity(DatasetConfig("fashion_mnist", str(tmp_path / "a.npz")))) is not None
    _npz(tmp_path / "a.npz", 1)  # the same path, other contents
    assert data_mismatch(a, data_identity(DatasetConfig("mnist", str(tmp_path / "a.npz")))) is not None


def test_digits_differ_by_their_options_only():
    a = data_identity(DatasetConfig("digits"))
    assert a == {"name": "digits", "path": None, "options": {"val_fraction": 0.1, "test_fraction": 0.2},
                 "sha256": None}
    assert data_mismatch(a, data_identity(DatasetConfig("digits", None, {"val_fraction": 0.1}))) is None
    was, now = data_mismatch(a, data_identity(DatasetConfig("digits", None, {"val_fraction": 0.3})))
    assert was == "dataset digits (embedded, test_fraction 0.2, val_fraction 0.1)"
    assert now == "dataset digits (embedded, test_fraction 0.2, val_fraction 0.3)"


def test_a_single_files_fingerprint_is_the_sha256_of_its_bytes(tmp_path):
    """Pinned: checkpoints recorded for .npz files keep matching."""
    _npz(tmp_path / "a.npz", 0)
    want = hashlib.sha256((tmp_path / "a.npz").read_bytes()).hexdigest()[:16]
    for name in ("mnist", "fashion_mnist", "cifar10"):
        assert data_identity(DatasetConfig(name, str(tmp_path / "a.npz")))["sha256"] == want


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_folders_fingerprint_ignores_files_its_reader_never_reads(tmp_path, fmt):
    d = folders.make(fmt, tmp_path / "d")
    cfg = DatasetConfig(fmt, str(d))
    a = data_identity(cfg)
    folders.add_unrelated(fmt, d)
    (d / ".DS_Store").write_bytes(b"x")
    assert data_identity(cfg) == a


@pytest.mark.parametrize("change", ["change_image", "change_label"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_folders_fingerprint_covers_every_image_and_label_read(tmp_path, fmt, change):
    d = folders.make(fmt, tmp_path / "d")
    folders.add_unrelated(fmt, d)
    cfg = DatasetConfig(fmt, str(d))
    a = data_identity(cfg)
    getattr(folders, change)(fmt, d)
    assert data_mismatch(a, data_identity(cfg)) is not None


def test_hidden_images_and_folders_are_neither_read_nor_fingerprinted(tmp_path):
    from PIL import Image

    d = folders.image_folder(tmp_path / "d")
    cfg = DatasetConfig("imagefolder", str(d))
    a = data_identity(cfg)
    (x_train, *_), _ = read_imagefolder(d, size=8, channels=1)
    for split in ("train", "test"):  # a notebook's checkpoints, macOS's resource forks
        (d / split / ".ipynb_checkpoints").mkdir()
        Image.fromarray(np.zeros((8, 8), np.uint8)).save(d / split / ".ipynb_checkpoints" / "0.png")
        (d / split / "cat" / "._0.png").write_bytes(b"not an image")
    (x_again, *_), classes = read_imagefolder(d, size=8, channels=1)
    assert len(x_again) == len(x_train) and ".ipynb_checkpoints" not in classes
    assert data_identity(cfg) == a


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_fingerprinted_files_are_those_the_reader_opens(tmp_path, fmt):
    d = folders.make(fmt, tmp_path / "d")
    folders.add_unrelated(fmt, d)
    (d / "train-labels-idx1-ubyte.gz").unlink(missing_ok=True)  # mnist: this one read raw
    opened = []
    _RECORD.append(opened)
    try:
        load_dataset(DatasetConfig(fmt, str(d)), size=8, channels=1)
    finally:
        _RECORD.remove(opened)
    root = d.resolve()
    assert {Path(f).resolve() for f in opened if root in Path(f).resolve().parents} == {
        f.resolve() for f in dataset_files(fmt, d)}
    assert len(dataset_files(fmt, d)) == len(set(dataset_files(fmt, d)))


_RECORD: list[list[str]] = []  # while a list is in it, the audit hook adds the files opened


def _on_audit(event, args):
    if event == "open" and _RECORD and isinstance(args[0], (str, os.PathLike)):
        _RECORD[-1].append(os.fspath(args[0]))


sys.addaudithook(_on_audit)


def test_a_file_is_hashed_once_while_it_is_unchanged(tmp_path, monkeypatch):
    _npz(tmp_path / "a.npz", 0)
    calls = []
    real = identity_module.file_sha256
    monkeypatch.setattr(identity_module, "file_sha256", lambda p: calls.append(p) or real(p))
    cfg = DatasetConfig("mnist", str(tmp_path / "a.npz"))
    first = data_identity(cfg)
    assert data_identity(cfg) == first and len(calls) == 1
    _npz(tmp_path / "a.npz", 1)
    os.utime(tmp_path / "a.npz", ns=(1, 1))  # a new modification time, whatever the clock's resolution
    assert data_identity(cfg)["sha256"] != first["sha256"] and len(calls) == 2


def test_a_missing_file_is_a_one_line_data_error(tmp_path):
    with pytest.raises(DataError, match="nowhere.npz: dataset path not found"):
        data_identity(DatasetConfig("mnist", str(tmp_path / "nowhere.npz")))
    with pytest.raises(DataError, match="dataset 'mnist': no path given"):
        data_identity(DatasetConfig("mnist"))


def test_a_missing_relative_path_names_the_folder_it_was_looked_for_in(tmp_path, monkeypatch):
    # relative to the current folder, not the problem file's: the message says where it looked
    monkeypatch.chdir(tmp_path)
    cfg = DatasetConfig("mnist", "data/mnist.npz")
    for read in (data_identity, load_dataset):
        with pytest.raises(DataError, match=rf"^data/mnist.npz: dataset path not found \(looked for in the "
                                            rf"current folder, {re.escape(str(tmp_path))}\); use Problem.with_data\(PATH\)$"):
            read(cfg)
    # an absolute one: as given
    with pytest.raises(DataError, match=r"nowhere.npz: dataset path not found; use Problem.with_data\(PATH\)$"):
        load_dataset(DatasetConfig("mnist", str(tmp_path / "nowhere.npz")))
    with cli_names(), pytest.raises(DataError, match=r"nowhere.npz: dataset path not found; pass --data PATH$"):
        load_dataset(DatasetConfig("mnist", str(tmp_path / "nowhere.npz")))  # the CLI's flag
