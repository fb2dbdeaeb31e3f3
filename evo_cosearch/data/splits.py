"""In-memory dataset splits: the frozen :class:`Splits` and how they are carved and normalised."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from evo_cosearch.errors import DataError

__all__ = ["Splits", "make_splits"]


@dataclass(frozen=True)
class Splits:
    """Normalised NCHW float32 images and int64 labels of the train/validation/test splits.

    ``val`` is carved from the original training set (deterministically from the seed);
    ``test`` is the dataset's own test split, untouched until a final design is reported.
    """

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    num_classes: int
    mean: float = 0.0  # every split is (pixel - mean) / std, pixels as the dataset stores them
    std: float = 1.0

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_x.shape[1:])  # type: ignore[return-value]


def make_splits(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, *,
                val_fraction: float, seed: int, num_classes: int | None = None, where: str = "dataset") -> Splits:
    """Carve a seeded validation split off the training set; normalise with train mean/std.

    ``x_*`` are (N, H, W) or (N, H, W, C) or (N, C, H, W) arrays (uint8 or float); the layout
    is NCHW when the second axis is the smallest of the three spatial/channel axes. A split left
    empty is a :class:`DataError` naming ``where`` (an accuracy of no images would read 0).
    """
    x_train, x_test = _nchw(x_train), _nchw(x_test)
    perm = np.random.default_rng(seed).permutation(len(x_train))
    n_val = int(round(val_fraction * len(x_train)))
    for split, n in (("training", len(x_train) - n_val), ("validation", n_val), ("test", len(x_test))):
        if n == 0:
            raise DataError(f"{where}: the {split} split is empty ({len(x_train)} training images, val_fraction "
                            f"{val_fraction}; {len(x_test)} test images)")
    val_idx, train_idx = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    train = x_train[train_idx].astype(np.float32)
    mean = float(train.mean())
    std = float(train.std()) or 1.0

    def norm(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(((a.astype(np.float32) - mean) / std).astype(np.float32))

    def lab(a: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(a).astype(np.int64))

    n_cls = int(num_classes if num_classes is not None else max(y_train.max(), y_test.max()) + 1)
    return Splits(train_x=norm(train), train_y=lab(y_train[train_idx]),
                  val_x=norm(x_train[val_idx]), val_y=lab(y_train[val_idx]),
                  test_x=norm(x_test), test_y=lab(y_test), num_classes=n_cls, mean=mean, std=std)


def _nchw(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim == 3:
        return x[:, None, :, :]
    if x.ndim == 4 and x.shape[-1] < x.shape[1]:
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return x
