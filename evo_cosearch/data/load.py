"""``load_dataset``: a problem's :class:`DatasetConfig` -> in-memory :class:`Splits`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from evo_cosearch.data import readers
from evo_cosearch.data.splits import Splits, make_splits
from evo_cosearch.errors import DataError, as_called
from evo_cosearch.problem import DATASET_OPTIONS, dataset_options as _options

__all__ = ["load_dataset", "dataset_files", "dataset_path", "DATASET_OPTIONS"]

_SHAPES = {"fashion_mnist": (1, 28, 28), "mnist": (1, 28, 28), "cifar10": (3, 32, 32)}


def dataset_path(cfg: Any) -> Path:
    """The existing file or folder a dataset other than digits reads. A relative path that is
    missing is named with the folder it was looked for in (the current one, not the problem file's)."""
    if cfg.path is None:
        raise DataError(f"dataset {cfg.name!r}: no path given (set dataset.path in the problem file or "
                        f"{as_called('pass --data', 'use Problem.with_data')})")
    path = Path(cfg.path)
    if not path.exists():
        where = "" if path.is_absolute() else f" (looked for in the current folder, {Path.cwd()})"
        raise DataError(f"{path}: dataset path not found{where}; "
                        f"{as_called('pass --data PATH', 'use Problem.with_data(PATH)')}")
    return path


def load_dataset(cfg: Any, *, seed: int = 0, size: int | None = None, channels: int | None = None,
                 classes: int | None = None) -> Splits:
    """Load ``cfg.name`` (digits, fashion_mnist, mnist, cifar10, imagefolder) from ``cfg.path``.

    ``size``/``channels`` are needed only for ``imagefolder`` (images are resized to them and
    converted to that many channels); ``classes``, when given, must be its number of class
    directories. ``test_fraction`` applies to digits only (it ships without a test split).
    Labels must be 1-D integer class indices and pixels finite numbers.
    """
    opts = _options(cfg.options)
    name = cfg.name
    if name == "digits":
        x, y = _digits()
        perm = np.random.default_rng(10_000 + seed).permutation(len(x))
        n_test = int(round(opts["test_fraction"] * len(x)))
        test, train = np.sort(perm[:n_test]), np.sort(perm[n_test:])
        return make_splits(x[train], y[train], x[test], y[test], val_fraction=opts["val_fraction"], seed=seed,
                           num_classes=10, where="dataset digits")
    path = dataset_path(cfg)
    if name in ("fashion_mnist", "mnist"):
        arrays = readers.read_npz(path) if path.suffix == ".npz" else readers.read_idx_dir(path)
        n_cls = 10
    elif name == "cifar10":
        arrays = readers.read_npz(path) if path.suffix == ".npz" else readers.read_cifar10(path)
        n_cls = 10
    elif name == "imagefolder":
        if size is None or channels is None:
            raise DataError(f"{path}: imagefolder needs the problem's input size and channels")
        arrays, names = readers.read_imagefolder(path, size=size, channels=channels)
        n_cls = len(names)
        if classes is not None and n_cls != classes:
            raise DataError(f"{path}: {n_cls} class directories under train/ ({', '.join(names[:5])}"
                            f"{', ...' if n_cls > 5 else ''}), but the problem's input.classes is {classes}")
    else:
        raise DataError(f"dataset {name!r}: unknown dataset")
    x_tr, y_tr, x_te, y_te = arrays
    _check_values(path, x_tr, y_tr, x_te, y_te)
    splits = make_splits(x_tr, y_tr, x_te, y_te, val_fraction=opts["val_fraction"], seed=seed, num_classes=n_cls,
                         where=str(path))
    want = _SHAPES.get(name)
    if want is not None and splits.image_shape != want:
        raise DataError(f"{path}: images have shape {splits.image_shape}, {name} needs {want}")
    for y, split in ((y_tr, "train"), (y_te, "test")):
        if y.min() < 0 or y.max() >= n_cls:
            raise DataError(f"{path}: {split} labels outside 0..{n_cls - 1}")
    return splits


def dataset_files(name: str, path: Path) -> list[Path]:
    """The files :func:`load_dataset` reads for dataset ``name`` at ``path`` (not ``digits``): the
    ``.npz`` itself, or those of its folder that its reader reads (other files in the folder are
    never read); a folder its reader cannot read is a :class:`DataError`."""
    if name in ("fashion_mnist", "mnist", "cifar10") and path.suffix == ".npz":
        if path.is_dir():
            raise DataError(f"{path}: is a directory, not an .npz file")
        return [path]
    if name in ("fashion_mnist", "mnist"):
        return readers.idx_files(path)
    if name == "cifar10":
        return readers.cifar10_files(path)
    if name == "imagefolder":
        return readers.imagefolder_files(path)
    raise DataError(f"dataset {name!r}: unknown dataset")


MAX_PIXEL = 1e6  # beyond any pixel intensity; float32 statistics overflow far above it


def _check_values(path: Path, x_tr, y_tr, x_te, y_te) -> None:
    """Labels: 1-D integer class indices (not one-hot, not fractional); pixels: finite."""
    for y, split in ((y_tr, "train"), (y_te, "test")):
        y = np.asarray(y)
        if y.ndim != 1:
            raise DataError(f"{path}: {split} labels have shape {y.shape}; need one class index per image "
                            "(one-hot labels: take argmax)")
        if not np.issubdtype(y.dtype, np.integer) and not (np.issubdtype(y.dtype, np.number)
                                                            and np.all(np.mod(y, 1) == 0)):
            raise DataError(f"{path}: {split} labels are not whole class indices (dtype {y.dtype})")
    for x, split in ((x_tr, "train"), (x_te, "test")):
        x = np.asarray(x)
        if not np.issubdtype(x.dtype, np.number) or np.iscomplexobj(x):
            raise DataError(f"{path}: {split} images are not real numbers (dtype {x.dtype})")
        if np.issubdtype(x.dtype, np.floating) and not np.isfinite(x).all():
            raise DataError(f"{path}: {split} images hold {int(np.size(x) - np.isfinite(x).sum())} NaN or "
                            "infinite pixel values")
        if x.size and float(np.abs(x).max()) > MAX_PIXEL:
            raise DataError(f"{path}: {split} images hold pixel values up to {float(np.abs(x).max()):.3g}; "
                            f"expected intensities (at most {MAX_PIXEL:.0e})")


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images.astype(np.float32), d.target.astype(np.int64)  # (1797, 8, 8), values 0..16


