"""Dataset identity: the same file compares equal however it is spelled; other data never does."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from evo_cosearch.data import data_identity, data_mismatch
from evo_cosearch.data import identity as identity_module
from evo_cosearch.errors import DataError
from evo_cosearch.problem import DatasetConfig


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


def test_a_folder_is_fingerprinted_by_its_files(tmp_path):
    for name in ("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"):
        (tmp_path / name).write_bytes(name.encode())
    (tmp_path / ".DS_Store").write_bytes(b"x")
    cfg = DatasetConfig("mnist", str(tmp_path))
    a = data_identity(cfg)
    (tmp_path / ".DS_Store").write_bytes(b"other")
    assert data_identity(cfg) == a
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(b"other images")
    assert data_mismatch(a, data_identity(cfg)) is not None


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
