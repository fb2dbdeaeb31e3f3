"""Tiny dataset folders of every folder format (loaded by path: tests are imported in importlib mode).

Each maker writes random images and labels (0..9, or two classes) into ``d`` and returns, per
format, the files its reader reads (``read``) and one image file and one label file among them.
"""

from __future__ import annotations

import gzip
import os
import pickle
import struct
from pathlib import Path

import numpy as np

IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR_NAMES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)


def idx_folder(d: Path, *, seed: int = 0, n_train: int = 200, n_test: int = 40) -> Path:
    """The four MNIST IDX ``.gz`` files."""
    rng = np.random.default_rng(seed)
    arrays = (rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8), (np.arange(n_train) % 10).astype(np.uint8),
              rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8), (np.arange(n_test) % 10).astype(np.uint8))
    d.mkdir(parents=True, exist_ok=True)
    for name, arr in zip(IDX_NAMES, arrays):
        write_idx(d / f"{name}.gz", arr)
    return d


def write_idx(path: Path, arr: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
    data = header + arr.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def cifar_folder(d: Path, *, seed: int = 0, per_batch: int = 40) -> Path:
    """The six CIFAR-10 python batches."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    for name in CIFAR_NAMES:
        write_cifar_batch(d / name, rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                          [i % 10 for i in range(per_batch)])
    return d


def write_cifar_batch(path: Path, data: np.ndarray, labels: list[int]) -> None:
    path.write_bytes(pickle.dumps({b"data": data, b"labels": labels}))


def image_folder(d: Path, *, seed: int = 0, n_train: int = 20, n_test: int = 4) -> Path:
    """``train/<cat|dog>/*.png`` and ``test/<cat|dog>/*.png``, 8x8 grey."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("test", n_test)):
        for cls in ("cat", "dog"):
            (d / split / cls).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(d / split / cls / f"{i}.png")
    return d


def make(fmt: str, d: Path, seed: int = 0) -> Path:
    return {"mnist": idx_folder, "cifar10": cifar_folder, "imagefolder": image_folder}[fmt](d, seed=seed)


def _later(path: Path, write) -> None:
    """``write()`` a new version of ``path``, then date it a second after the old one (a fingerprint
    is cached while a file keeps its inode, size and modification time, whatever the clock's resolution)."""
    before = path.stat().st_mtime_ns
    write()
    os.utime(path, ns=(before + 10 ** 9, before + 10 ** 9))


def change_image(fmt: str, d: Path) -> None:
    """Rewrite one image the reader reads (other pixels, same labels)."""
    if fmt == "mnist":
        f = d / "train-images-idx3-ubyte.gz"
        _later(f, lambda: write_idx(f, np.random.default_rng(99).integers(0, 256, (200, 28, 28), dtype=np.uint8)))
    elif fmt == "cifar10":
        f = d / "data_batch_3"
        _later(f, lambda: write_cifar_batch(f, np.random.default_rng(99).integers(0, 256, (40, 3072), dtype=np.uint8),
                                            [i % 10 for i in range(40)]))
    else:
        from PIL import Image

        f = d / "train" / "cat" / "0.png"
        _later(f, lambda: Image.fromarray(np.full((8, 8), 7, np.uint8)).save(f))


def change_label(fmt: str, d: Path) -> None:
    """Change the label of one image the reader reads (the same pixels)."""
    if fmt == "mnist":
        labels = (np.arange(200) % 10).astype(np.uint8)
        labels[0] = 9
        f = d / "train-labels-idx1-ubyte.gz"
        _later(f, lambda: write_idx(f, labels))
    elif fmt == "cifar10":
        f = d / "test_batch"
        batch = pickle.loads(f.read_bytes())
        batch[b"labels"][0] = 9
        _later(f, lambda: f.write_bytes(pickle.dumps(batch)))
    else:  # an image's class is its folder
        (d / "train" / "cat" / "0.png").rename(d / "train" / "dog" / "moved.png")


def add_unrelated(fmt: str, d: Path) -> None:
    """Files a reader never reads, as people leave them in a dataset folder."""
    (d / "README.md").write_text("where these came from\n")
    (d / "notes").mkdir(exist_ok=True)
    (d / "notes" / "todo.txt").write_text("check the labels\n")
    if fmt == "mnist":  # unpacked copies beside the .gz files, and the archive they came in
        for name in IDX_NAMES:
            (d / name).write_bytes(gzip.decompress((d / f"{name}.gz").read_bytes()))
        (d / "mnist.tar.gz").write_bytes(gzip.compress(b"archive", mtime=0))
    elif fmt == "cifar10":
        (d / "batches.meta").write_bytes(pickle.dumps({b"label_names": [b"airplane"] * 10}))
        (d / "readme.html").write_text("<html></html>\n")
    else:
        (d / "train" / "cat" / "labels.csv").write_text("0.png,cat\n")
        (d / "train" / "cat" / "thumbnails.png").mkdir()  # a folder, though named like an image
        (d / "val" / "cat").mkdir(parents=True)
        (d / "val" / "cat" / "0.png").write_bytes((d / "train" / "cat" / "0.png").read_bytes())
