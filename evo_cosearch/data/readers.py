"""Readers of on-disk dataset formats -> (x_train, y_train, x_test, y_test) numpy arrays.

Formats: an ``.npz`` with ``x_train, y_train, x_test, y_test``; the official MNIST /
Fashion-MNIST IDX ``.gz`` files; the CIFAR-10 "python" batches (read with an unpickler that
admits only numpy arrays, never arbitrary objects); a torchvision-style ``ImageFolder``.
Every failure raises :class:`~evo_cosearch.errors.DataError` naming the file. Beside each folder
reader, a function names the files it reads (what a dataset's fingerprint covers).
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
from pathlib import Path

import numpy as np

from evo_cosearch.errors import DataError

__all__ = ["read_npz", "read_idx_dir", "idx_files", "read_cifar10", "cifar10_files", "read_imagefolder",
           "imagefolder_files", "Arrays"]

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
              "t10k-labels-idx1-ubyte")
_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff", ".webp"}


def read_npz(path: Path) -> Arrays:
    try:
        with np.load(path, allow_pickle=False) as d:
            missing = [k for k in _NPZ_KEYS if k not in d.files]
            if missing:
                raise DataError(f"{path}: missing array {missing[0]!r} (need {', '.join(_NPZ_KEYS)})")
            arrays = tuple(np.asarray(d[k]) for k in _NPZ_KEYS)
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f"{path}: dataset file not found") from None
    except Exception as exc:  # zipfile/format errors: all mean "not a readable npz"
        raise DataError(f"{path}: not a readable .npz ({exc.__class__.__name__})") from None
    _check_pairs(path, arrays)
    return arrays  # type: ignore[return-value]


def read_idx_dir(path: Path) -> Arrays:
    """The four official IDX files (``.gz`` or raw) in directory ``path``."""
    arrays = [_read_idx(f) for f in idx_files(path)]
    _check_pairs(path, arrays)
    return tuple(arrays)  # type: ignore[return-value]


def idx_files(path: Path) -> list[Path]:
    """The IDX files :func:`read_idx_dir` reads in ``path``: of each, the ``.gz`` where there is
    one, else the raw file."""
    if not path.is_dir():
        raise DataError(f"{path}: not a directory of IDX files (or an .npz)")
    files = []
    for stem in _IDX_FILES:
        f = next((path / n for n in (stem + ".gz", stem) if (path / n).is_file()), None)
        if f is None:
            raise DataError(f"{path / (stem + '.gz')}: IDX file not found")
        files.append(f)
    return files


def _read_idx(f: Path) -> np.ndarray:
    try:
        raw = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
        zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
        if zero != 0 or dtype_code != 0x08:
            raise ValueError("bad magic")
        dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
        data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
        return data.reshape(dims)
    except (OSError, EOFError, ValueError, struct.error, gzip.BadGzipFile) as exc:
        raise DataError(f"{f}: corrupt IDX file ({exc.__class__.__name__})") from None


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Admits the few numpy globals a CIFAR batch needs; anything else is refused."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype")}

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing global {module}.{name}")


def _read_cifar_batch(f: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = _ArrayOnlyUnpickler(io.BytesIO(f.read_bytes()), encoding="bytes").load()
        data = np.asarray(batch[b"data"], np.uint8).reshape(-1, 3, 32, 32)
        labels = np.asarray(batch[b"labels"])  # checked as class indices with the other formats' labels
        if labels.ndim != 1:
            raise ValueError("labels are not a list")
    except FileNotFoundError:
        raise DataError(f"{f}: CIFAR-10 batch not found") from None
    except pickle.UnpicklingError as exc:  # also a refused global: its reason, not "corrupt"
        raise DataError(f"{f}: not a CIFAR-10 batch this reader accepts ({exc})") from None
    except Exception as exc:
        raise DataError(f"{f}: corrupt CIFAR-10 batch ({exc.__class__.__name__})") from None
    if len(data) != len(labels):
        raise DataError(f"{f}: {len(data)} images but {len(labels)} labels")
    return data, labels


def read_cifar10(path: Path) -> Arrays:
    """The official ``cifar-10-batches-py`` directory (data_batch_1..5, test_batch)."""
    *train, (x_test, y_test) = [_read_cifar_batch(f) for f in cifar10_files(path)]
    return (np.concatenate([t[0] for t in train]), np.concatenate([t[1] for t in train]), x_test, y_test)


def cifar10_files(path: Path) -> list[Path]:
    """The batches :func:`read_cifar10` reads in ``path``: ``data_batch_1..5`` and ``test_batch``
    (not ``batches.meta``: the labels are indices)."""
    if not path.is_dir():
        raise DataError(f"{path}: not a CIFAR-10 batches directory")
    files = [path / f"data_batch_{i}" for i in range(1, 6)] + [path / "test_batch"]
    missing = next((f for f in files if not f.is_file()), None)
    if missing is not None:
        raise DataError(f"{missing}: CIFAR-10 batch not found")
    return files


def read_imagefolder(path: Path, *, size: int, channels: int) -> tuple[Arrays, list[str]]:
    """``path/train/<class>/*`` and ``path/test/<class>/*`` images, resized to ``size``."""
    from PIL import Image, UnidentifiedImageError

    classes, splits = _imagefolder_layout(path)
    mode = "L" if channels == 1 else "RGB"
    out: list[np.ndarray] = []
    for images in splits:
        xs = []
        for f, _ in images:
            try:
                with Image.open(f) as im:
                    img = im.convert(mode).resize((size, size))
            except (OSError, UnidentifiedImageError):
                raise DataError(f"{f}: unreadable image") from None
            xs.append(np.asarray(img, np.uint8).reshape(size, size, channels))
        out += [np.stack(xs), np.asarray([c for _, c in images], np.int64)]
    return tuple(out), classes  # type: ignore[return-value]


def imagefolder_files(path: Path) -> list[Path]:
    """The images :func:`read_imagefolder` reads under ``path`` (their folders name their classes)."""
    return [f for images in _imagefolder_layout(path)[1] for f, _ in images]


def _imagefolder_layout(path: Path) -> tuple[list[str], list[list[tuple[Path, int]]]]:
    """The class names (``train/``'s folders, sorted) and, for train and test, the image files
    (by their suffix) with their class index, in reading order."""
    parts = [path / "train", path / "test"]
    for p in parts:
        if not p.is_dir():
            raise DataError(f"{p}: ImageFolder split directory not found (need train/ and test/)")
    classes = sorted(d.name for d in parts[0].iterdir() if d.is_dir() and not _hidden(d))
    if not classes:
        raise DataError(f"{parts[0]}: no class directories")
    splits = []
    for split in parts:
        images = [(f, c) for c, name in enumerate(classes)
                  for f in (sorted((split / name).glob("*")) if (split / name).is_dir() else [])
                  if f.suffix.lower() in _IMAGE_SUFFIXES and f.is_file() and not _hidden(f)]
        if not images:
            raise DataError(f"{split}: no images")
        seen = {c for _, c in images}
        empty = [name for c, name in enumerate(classes) if c not in seen]
        if split is parts[0] and empty:
            raise DataError(f"{split / empty[0]}: no training images for class {empty[0]!r}")
        splits.append(images)
    extra = sorted(d.name for d in parts[1].iterdir() if d.is_dir() and not _hidden(d) and d.name not in classes)
    if extra:
        raise DataError(f"{parts[1] / extra[0]}: a test class with no train/{extra[0]} directory")
    return classes, splits


def _hidden(p: Path) -> bool:
    """A hidden file or folder (``.ipynb_checkpoints``, macOS's ``._x.png``): no class, no image."""
    return p.name.startswith(".")


def _check_pairs(path: Path, arrays) -> None:
    x_tr, y_tr, x_te, y_te = arrays
    for x, y, split in ((x_tr, y_tr, "train"), (x_te, y_te, "test")):
        if len(x) != len(y):
            raise DataError(f"{path}: {split} has {len(x)} images but {len(y)} labels")
        if len(x) == 0:
            raise DataError(f"{path}: empty {split} split")
    if x_tr.shape[1:] != x_te.shape[1:]:
        raise DataError(f"{path}: train images {x_tr.shape[1:]} and test images {x_te.shape[1:]} differ in shape")
