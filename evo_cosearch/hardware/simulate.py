"""``simulate(layers, acc)``: the edge-accelerator analytical model for a population.

Puts mapping (compute cycles, utilisation), memory (traffic), latency, energy and area
together (formulas: docs/simulator.md and each module's docstring). Pure numpy over (N, L)
arrays: no per-design loop, no files, no printing. ``layers`` has N = 1 (one network broadcast
against many accelerators) or the accelerators' N.

The population is processed in blocks of designs whose temporaries fit the CPU cache (about
2–3× faster than whole-population temporaries, which are memory-bound and page-faulted anew),
and layer slots that no design uses are skipped (their outputs are zero anyway); the result
depends on neither.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from evo_cosearch.hardware.area import area_mm2 as _area_mm2
from evo_cosearch.hardware.energy import layer_energy_uj
from evo_cosearch.hardware.latency import cycles_to_ms, layer_cycles
from evo_cosearch.hardware.mapping import map_layers
from evo_cosearch.hardware.memory import memory_traffic
from evo_cosearch.hardware.terms import FLOAT, layer_terms
from evo_cosearch.space.accelerator import AcceleratorArrays
from evo_cosearch.workload import LayerArrays

__all__ = ["HardwareMetrics", "simulate", "BLOCK_ELEMS"]

#: Design × layer elements per block (≈ 128 KB per float32 temporary; measured best of 2**14..2**17).
BLOCK_ELEMS = 1 << 15


@dataclass(frozen=True)
class HardwareMetrics:
    """Per-design (N,) totals (float64) and per-layer (N, L) breakdowns (float32)."""

    latency_ms: np.ndarray
    energy_uj: np.ndarray
    area_mm2: np.ndarray
    dram_bytes: np.ndarray
    cycles: np.ndarray  # per layer, including memory stalls and the per-layer overhead
    compute_cycles: np.ndarray
    utilization: np.ndarray  # fraction of the MAC slots used while computing
    layer_latency_ms: np.ndarray
    layer_energy_uj: np.ndarray
    resident: np.ndarray  # (N,) bool: all weights stay on chip between inferences

    @property
    def n(self) -> int:
        return int(self.latency_ms.shape[0])


_PER_LAYER = ("cycles", "compute_cycles", "utilization", "layer_latency_ms", "layer_energy_uj")


def simulate(layers: LayerArrays, acc: AcceleratorArrays, *, block_elems: int = BLOCK_ELEMS) -> HardwareMetrics:
    """Latency, energy and area of N accelerators each running its network."""
    n_nets, n_layers = layers.shape
    n = acc.n
    if n_nets not in (1, n):
        raise ValueError(f"layers have {n_nets} designs and accelerators {n}: need 1 or {n}")
    area = np.asarray(_area_mm2(acc), dtype=np.float64)
    # (N, L) outputs laid out like the workload's slot columns (filling them is then a copy)
    out = {k: np.zeros((n_layers, n), FLOAT).T for k in _PER_LAYER}
    live = np.flatnonzero(np.asarray(layers.active).any(axis=0))
    cols = None if len(live) in (0, n_layers) else live  # (an all-inactive population: keep all)
    latency_ms, energy_uj, dram_bits = np.empty(n), np.empty(n), np.empty(n)
    resident = np.empty(n, bool)
    block = max(1, block_elems // max(n_layers, 1))
    for start in range(0, n, block):  # a handful of cache-sized blocks, not a loop over designs
        rows = slice(start, min(start + block, n))
        acc_b = AcceleratorArrays(**{f.name: np.asarray(getattr(acc, f.name))[rows] for f in fields(acc)})
        terms = layer_terms(layers, rows if n_nets > 1 else slice(None), cols)
        at = rows if cols is None else (rows, cols)
        mapping = map_layers(terms, acc_b)
        traffic = memory_traffic(terms, acc_b, mapping)
        cycles = layer_cycles(mapping.compute_cycles, traffic.dram_bits, acc_b.io_bandwidth_gbps, terms.active)
        layer_ms = cycles_to_ms(cycles)
        out["cycles"][at] = cycles
        out["compute_cycles"][at] = mapping.compute_cycles
        out["utilization"][at] = mapping.utilization
        out["layer_latency_ms"][at] = layer_ms
        energy = layer_energy_uj(terms, acc_b, mapping, traffic, area[rows], layer_ms)
        out["layer_energy_uj"][at] = energy
        latency_ms[rows] = layer_ms.sum(axis=1, dtype=np.float64)
        energy_uj[rows] = energy.sum(axis=1, dtype=np.float64)
        dram_bits[rows] = traffic.dram_bits.sum(axis=1, dtype=np.float64)
        resident[rows] = traffic.resident
    return HardwareMetrics(
        latency_ms=latency_ms, energy_uj=energy_uj, area_mm2=area, dram_bytes=dram_bits / 8, resident=resident, **out,
    )
