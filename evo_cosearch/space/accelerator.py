"""The edge-accelerator space (NAHAS table + datapath width) and its array form."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

import numpy as np

from evo_cosearch.errors import ProblemError
from evo_cosearch.space.config import value_list
from evo_cosearch.space.gene import ORDINAL, Gene
from evo_cosearch.space.spec import AcceleratorSpec

__all__ = ["ACCELERATOR_TABLE", "ACCELERATOR_RANGE", "AcceleratorTemplate", "AcceleratorArrays"]

#: The reference table (the NAHAS joint-search method) plus ``mac_bits``. Defaults for a problem file.
ACCELERATOR_TABLE: dict[str, tuple[Any, ...]] = {
    "pes_x": (1, 2, 4, 6, 8),
    "pes_y": (1, 2, 4, 6, 8),
    "simd_units": (16, 32, 64, 128),
    "compute_lanes": (1, 2, 4, 8),
    "local_memory_mb": (0.5, 1, 2, 3, 4),
    "register_file_kb": (8, 16, 32, 64, 128),
    "io_bandwidth_gbps": (5, 10, 15, 20, 25),
    "mac_bits": (4, 8, 16),
}


#: Any accelerator value lies in this range: far beyond real edge accelerators either way, and
#: inside what the simulator's arithmetic holds (1e-200 MB of memory overflowed a buffer count).
ACCELERATOR_RANGE = (1e-3, 1e6)


@dataclass(frozen=True)
class AcceleratorArrays:
    """A population of accelerators: one float64 array of shape (N,) per parameter."""

    pes_x: np.ndarray
    pes_y: np.ndarray
    simd_units: np.ndarray
    compute_lanes: np.ndarray
    local_memory_mb: np.ndarray
    register_file_kb: np.ndarray
    io_bandwidth_gbps: np.ndarray
    mac_bits: np.ndarray

    @property
    def n(self) -> int:
        return int(np.shape(self.pes_x)[0])

    @staticmethod
    def from_specs(specs: list[AcceleratorSpec]) -> "AcceleratorArrays":
        return AcceleratorArrays(**{
            f.name: np.array([getattr(s, f.name) for s in specs], dtype=np.float64)
            for f in fields(AcceleratorSpec)
        })

    def spec(self, i: int) -> AcceleratorSpec:
        return AcceleratorSpec(**{f.name: _num(getattr(self, f.name)[i]) for f in fields(AcceleratorSpec)})


@dataclass(frozen=True)
class AcceleratorTemplate:
    """Value lists per accelerator parameter (a single value = a fixed parameter)."""

    values: dict[str, tuple[Any, ...]]

    @staticmethod
    def from_config(cfg: Mapping[str, Any] | None, where: str = "accelerator") -> "AcceleratorTemplate":
        cfg = {} if cfg is None else cfg
        if not isinstance(cfg, Mapping):
            raise ProblemError(f"{where}: must be a mapping, got {type(cfg).__name__}")
        unknown = sorted(set(cfg) - set(ACCELERATOR_TABLE))
        if unknown:
            raise ProblemError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(ACCELERATOR_TABLE)})")
        values = {}
        for name, default in ACCELERATOR_TABLE.items():
            vals = value_list(cfg.get(name, list(default)), f"{where}.{name}")
            for v in vals:
                if v <= 0:
                    raise ProblemError(f"{where}.{name}: value {v!r} must be a positive number")
                if not ACCELERATOR_RANGE[0] <= v <= ACCELERATOR_RANGE[1]:
                    raise ProblemError(f"{where}.{name}: value {v!r} is outside {ACCELERATOR_RANGE[0]:g} .. "
                                       f"{ACCELERATOR_RANGE[1]:g}")
            values[name] = vals
        return AcceleratorTemplate(values=values)

    def genes(self) -> list[Gene]:
        return [Gene(name, vals, ORDINAL) for name, vals in self.values.items()]

    def arrays(self, space, X: np.ndarray) -> AcceleratorArrays:
        return AcceleratorArrays(**{name: space.column(X, name).astype(np.float64) for name in self.values})

    def spec(self, space, genome) -> AcceleratorSpec:
        v = space.values_of(genome)
        return AcceleratorSpec(**{name: v[name] for name in self.values})


def _num(x: Any) -> int | float:
    x = float(x)
    return int(x) if x.is_integer() else x
