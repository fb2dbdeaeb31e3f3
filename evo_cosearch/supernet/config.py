"""The problem file's ``supernet:`` and ``evaluation:`` sections, validated, with defaults."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping

from evo_cosearch.errors import ProblemError, arg

__all__ = ["SupernetConfig", "EvaluationConfig"]


@dataclass(frozen=True)
class SupernetConfig:
    """Sandwich-rule training of the supernet (SGD, Nesterov momentum, cosine learning rate)."""

    epochs: int = 4
    batch_size: int = 128
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 4e-5
    distill: float = 1.0          # weight of the in-place distillation loss for the smaller children
    random_children: int = 4      # random children per step, besides the largest and the smallest
    label_smoothing: float = 0.0  # for the largest child's cross-entropy
    max_train_images: int | None = None  # train on a fixed seeded subset (None: the whole train split)
    smallest_bits: str = "least"  # the sandwich rule's smallest child: least precise fixed-point, or random per layer

    @staticmethod
    def from_section(raw: Mapping[str, Any] | None, *, epochs: int | None = None) -> "SupernetConfig":
        cfg = _parse(SupernetConfig, raw, "supernet")
        if epochs is not None:
            if epochs < 1:
                raise ProblemError(f"{arg('epochs')}: {epochs} must be >= 1")
            cfg = replace(cfg, epochs=int(epochs))
        if not cfg.lr > 0:
            raise ProblemError(f"supernet.lr: {cfg.lr} must be > 0")
        if not 0.0 < cfg.momentum < 1.0:
            raise ProblemError(f"supernet.momentum: {cfg.momentum} must be in (0, 1) (Nesterov momentum)")
        if not 0.0 <= cfg.distill <= 1.0:
            raise ProblemError(f"supernet.distill: {cfg.distill} must be in [0, 1]")
        if not 0.0 <= cfg.label_smoothing < 1.0:
            raise ProblemError(f"supernet.label_smoothing: {cfg.label_smoothing} must be in [0, 1)")
        return cfg

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["smallest_bits"] == "least":  # the default before the option: checkpoints keep their key
            del d["smallest_bits"]
        return d


@dataclass(frozen=True)
class EvaluationConfig:
    """Child evaluation: BatchNorm recalibration images, validation images, batch size."""

    recal_images: int = 500
    val_images: int | None = 2000  # None: the whole validation split
    batch_size: int = 500

    @staticmethod
    def from_section(raw: Mapping[str, Any] | None) -> "EvaluationConfig":
        return _parse(EvaluationConfig, raw, "evaluation")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_POSITIVE_INTS = {"epochs", "batch_size", "recal_images", "val_images", "max_train_images"}
_NON_NEGATIVE_INTS = {"random_children"}
_NULLABLE = {"val_images", "max_train_images"}  # null: all images
_CHOICES = {"smallest_bits": ("least", "random")}


def _parse(cls, raw: Mapping[str, Any] | None, section: str):
    raw = dict(raw or {})
    known = {f.name: f for f in fields(cls)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ProblemError(f"{section}.{key}: unknown key (allowed: {', '.join(sorted(known))})")
        where = f"{section}.{key}"
        if value is None and key in _NULLABLE:
            out[key] = None
            continue
        if key in _CHOICES:
            if value not in _CHOICES[key]:
                raise ProblemError(f"{where}: {value!r} is not one of {', '.join(_CHOICES[key])}")
            out[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProblemError(f"{where}: {value!r} is not a number")
        if not math.isfinite(value):
            raise ProblemError(f"{where}: {value!r} is not a finite number")
        if key in _POSITIVE_INTS | _NON_NEGATIVE_INTS:
            if int(value) != value or value < (0 if key in _NON_NEGATIVE_INTS else 1):
                kind = "non-negative" if key in _NON_NEGATIVE_INTS else "positive"
                raise ProblemError(f"{where}: {value!r} must be a {kind} integer")
            value = int(value)
        elif value < 0:
            raise ProblemError(f"{where}: {value!r} must not be negative")
        out[key] = value if key in _POSITIVE_INTS | _NON_NEGATIVE_INTS else float(value)
    return cls(**out)
