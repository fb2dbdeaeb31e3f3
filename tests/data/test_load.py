"""Dataset loading: embedded digits, npz / IDX / CIFAR / ImageFolder readers, one-line errors."""

from __future__ import annotations

import gzip
import os
import pickle
import struct

import numpy as np
import pytest
import torch

from evo_cosearch.data import load_dataset
from evo_cosearch.errors import DataError
from evo_cosearch.problem import DatasetConfig


def _fake(n_train=40, n_test=10, shape=(28, 28), seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n_train, *shape), dtype=np.uint8), rng.integers(0, 10, n_train).astype(np.uint8),
            rng.integers(0, 256, (n_test, *shape), dtype=np.uint8), rng.integers(0, 10, n_test).astype(np.uint8))


def test_digits_splits_are_deterministic_disjoint_and_normalised():
    a = load_dataset(DatasetConfig("digits"), seed=0)
    b = load_dataset(DatasetConfig("digits"), seed=0)
    assert torch.equal(a.val_x, b.val_x) and torch.equal(a.train_y, b.train_y)
    assert a.train_x.shape[1:] == (1, 8, 8) and a.train_x.dtype == torch.float32
    assert len(a.train_x) + len(a.val_x) + len(a.test_x) == 1797
    assert abs(float(a.train_x.mean())) < 1e-4 and abs(float(a.train_x.std()) - 1) < 1e-2
    train_rows = {r.numpy().tobytes() for r in a.train_x}
    assert not any(r.numpy().tobytes() in train_rows for r in a.val_x[:50])
    c = load_dataset(DatasetConfig("digits"), seed=1)
    assert not torch.equal(a.val_y, c.val_y)


def test_npz_and_idx_give_the_same_splits(tmp_path):
    arrays = _fake()
    np.savez(tmp_path / "f.npz", x_train=arrays[0], y_train=arrays[1], x_test=arrays[2], y_test=arrays[3])
    idx = tmp_path / "idx"
    idx.mkdir()
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    for name, arr in zip(names, arrays):
        header = struct.pack(">HBB", 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
        (idx / f"{name}.gz").write_bytes(gzip.compress(header + arr.tobytes()))
    a = load_dataset(DatasetConfig("fashion_mnist", str(tmp_path / "f.npz"), {"val_fraction": 0.25}))
    b = load_dataset(DatasetConfig("mnist", str(idx), {"val_fraction": 0.25}))
    assert len(a.val_x) == 10 and len(a.train_x) == 30 and len(a.test_x) == 10
    for f in ("train_x", "train_y", "val_x", "val_y", "test_x", "test_y"):
        assert torch.equal(getattr(a, f), getattr(b, f))


def test_cifar_batches_and_unsafe_pickles_refused(tmp_path):
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]}
        (tmp_path / name).write_bytes(pickle.dumps(batch))
    s = load_dataset(DatasetConfig("cifar10", str(tmp_path), {"val_fraction": 0.25}))
    assert s.train_x.shape == (15, 3, 32, 32) and s.test_x.shape == (4, 3, 32, 32)

    class Evil:
        def __reduce__(self):
            return (os.getcwd, ())

    (tmp_path / "test_batch").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}))
    with pytest.raises(DataError, match="test_batch: not a CIFAR-10 batch this reader accepts "
                                        r"\(refusing global posix.getcwd\)"):
        load_dataset(DatasetConfig("cifar10", str(tmp_path)))


def test_imagefolder(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in (("train", 6), ("test", 2)):
        for cls in ("cat", "dog"):
            d = tmp_path / split / cls
            d.mkdir(parents=True)
            for i in range(n):
                Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)).save(d / f"{i}.png")
    s = load_dataset(DatasetConfig("imagefolder", str(tmp_path), {"val_fraction": 0.25}), size=8, channels=3)
    assert s.train_x.shape == (9, 3, 8, 8) and s.num_classes == 2 and set(s.test_y.tolist()) == {0, 1}
    cfg = DatasetConfig("imagefolder", str(tmp_path))
    with pytest.raises(DataError, match="2 class directories under train/ .*input.classes is 3"):
        load_dataset(cfg, size=8, channels=3, classes=3)
    (tmp_path / "test" / "cow").mkdir()
    (tmp_path / "test" / "dog" / "0.png").rename(tmp_path / "test" / "cow" / "0.png")
    with pytest.raises(DataError, match="test/cow: a test class with no train/cow directory"):
        load_dataset(cfg, size=8, channels=3)
    (tmp_path / "train" / "emu").mkdir()
    with pytest.raises(DataError, match="train/emu: no training images for class 'emu'"):
        load_dataset(cfg, size=8, channels=3)


@pytest.mark.parametrize("case", ["missing", "corrupt", "key", "mismatch", "shape", "onehot", "fraction", "nan",
                                  "complex", "huge"])
def test_bad_files_raise_one_line_data_errors(tmp_path, case):
    x_tr, y_tr, x_te, y_te = _fake()
    path = tmp_path / "f.npz"
    options = {}
    if case == "corrupt":
        path.write_bytes(b"garbage")
    elif case == "key":
        np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te)
    elif case == "mismatch":
        np.savez(path, x_train=x_tr, y_train=y_tr[:-1], x_test=x_te, y_test=y_te)
    elif case == "shape":
        x_tr, _, x_te, _ = _fake(shape=(32, 32))
        np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    elif case == "onehot":
        np.savez(path, x_train=x_tr, y_train=np.eye(10)[y_tr], x_test=x_te, y_test=y_te)
    elif case == "fraction":
        np.savez(path, x_train=x_tr, y_train=y_tr + 0.5, x_test=x_te, y_test=y_te)
    elif case in ("complex", "huge"):
        x_tr = x_tr.astype(np.complex64) if case == "complex" else x_tr.astype(np.float32) * 1e35
        np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    elif case == "nan":
        x_tr = x_tr.astype(np.float32)
        x_tr[0, 0, 0] = np.nan
        np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    with pytest.raises(DataError) as err:
        load_dataset(DatasetConfig("fashion_mnist", str(path), options))
    msg = str(err.value)
    assert "\n" not in msg and "f.npz" in msg
    needle = {"onehot": "train labels have shape (40, 10)", "fraction": "train labels are not whole class indices",
              "nan": "train images hold 1 NaN or infinite pixel values",
              "complex": "train images are not real numbers (dtype complex64)",
              "huge": "train images hold pixel values up to"}.get(case)
    assert needle is None or needle in msg


@pytest.mark.parametrize("n_train,options,split", [(1, {}, "validation"), (1, {"val_fraction": 0.9}, "training")])
def test_a_split_left_empty_is_an_error_not_an_accuracy_of_nothing(tmp_path, n_train, options, split):
    x_tr, y_tr, x_te, y_te = _fake(n_train=n_train)
    path = tmp_path / "f.npz"
    np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    with pytest.raises(DataError, match=rf"f.npz: the {split} split is empty \(1 training images, val_fraction"):
        load_dataset(DatasetConfig("fashion_mnist", str(path), options))


def test_digits_with_a_test_fraction_that_leaves_no_test_image():
    with pytest.raises(DataError, match="dataset digits: the test split is empty"):
        load_dataset(DatasetConfig("digits", None, {"test_fraction": 1e-4}))


def test_cifar_fractional_labels_are_refused_not_truncated(tmp_path):
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        labels = [0.5, 1, 2, 3] if name == "data_batch_2" else [0, 1, 2, 3]
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": labels}
        (tmp_path / name).write_bytes(pickle.dumps(batch))
    with pytest.raises(DataError, match="train labels are not whole class indices"):
        load_dataset(DatasetConfig("cifar10", str(tmp_path), {"val_fraction": 0.25}))
