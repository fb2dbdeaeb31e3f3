"""Hard bounds on a design's metrics (the ``select`` filters) and how far a design misses them."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping

import numpy as np

from evo_cosearch.errors import InputError, arg

__all__ = ["Bounds", "Violation"]

#: Bound name -> (metric it limits, sense). ``max``: metric <= bound; ``min``: metric >= bound.
_BOUNDS = {
    "max_latency_ms": ("latency_ms", "max"),
    "max_energy_uj": ("energy_uj", "max"),
    "max_area_mm2": ("area_mm2", "max"),
    "min_accuracy": ("accuracy", "min"),
}


@dataclass(frozen=True)
class Violation:
    """One bound a design misses: ``value`` of ``metric`` against ``bound``."""

    name: str
    metric: str
    value: float
    bound: float

    def __str__(self) -> str:
        op = ">" if self.name.startswith("max") else "<"
        return f"{self.metric} {self.value:.4g} {op} {self.bound:.4g} ({arg(self.name)})"


@dataclass(frozen=True)
class Bounds:
    """Optional bounds; ``None`` leaves a metric free. Accuracy is a fraction in [0, 1]."""

    max_latency_ms: float | None = None
    max_energy_uj: float | None = None
    max_area_mm2: float | None = None
    min_accuracy: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if v is None:
                continue
            if f.name == "min_accuracy" and not 0.0 <= v <= 1.0:  # NaN included
                raise InputError(f"{arg(f.name)}: {v!r} is not a fraction in [0, 1] (write 0.9 for 90%)")
            if f.name != "min_accuracy" and not 0 < v < np.inf:
                raise InputError(f"{arg(f.name)}: {v!r} must be a positive, finite number")

    @property
    def active(self) -> dict[str, float]:
        """The bounds that are set, by name."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}

    def excess(self, metrics: Mapping[str, np.ndarray]) -> np.ndarray:
        """Relative shortfall per set bound, (N, K) and >= 0; 0 where the bound is met."""
        cols = []
        for name, bound in self.active.items():
            metric, sense = _BOUNDS[name]
            value = np.asarray(metrics[metric], dtype=np.float64)
            miss = value - bound if sense == "max" else bound - value
            cols.append(np.maximum(miss, 0.0) / max(abs(bound), 1e-12))
        n = len(next(iter(metrics.values())))
        return np.column_stack(cols) if cols else np.zeros((n, 0))

    def mask(self, metrics: Mapping[str, np.ndarray]) -> np.ndarray:
        """True for designs that meet every set bound."""
        return ~np.any(self.excess(metrics) > 0, axis=1)

    def closest(self, metrics: Mapping[str, np.ndarray]) -> tuple[int, list[Violation]]:
        """Row of the design with the smallest total relative shortfall, and its violations."""
        total = self.excess(metrics).sum(axis=1)
        i = int(np.argmin(total))
        out = []
        for name, bound in self.active.items():
            metric, sense = _BOUNDS[name]
            value = float(metrics[metric][i])
            if (value > bound) if sense == "max" else (value < bound):
                out.append(Violation(name, metric, value, bound))
        return i, out
