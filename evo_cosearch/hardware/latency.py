"""Layer cycles and latency: compute overlapped with DRAM transfers (double buffering).

    dram_cycles      = dram_bits · CLOCK_GHZ / io_bandwidth_gbps        (bits / (bits per cycle))
    cycles           = max(compute_cycles, dram_cycles) + LAYER_OVERHEAD_CYCLES   (active layers)
    layer_latency_ms = cycles / (CLOCK_GHZ · 1e6)

``io_bandwidth_gbps`` is in Gbit/s. More bandwidth never lowers the bits per cycle, so it
never increases latency. Inactive layers take zero cycles.
"""

from __future__ import annotations

import numpy as np

from evo_cosearch.hardware.mapping import acc_column
from evo_cosearch.hardware.technology import CLOCK_GHZ, LAYER_OVERHEAD_CYCLES

__all__ = ["layer_cycles", "cycles_to_ms"]


def layer_cycles(compute_cycles: np.ndarray, dram_bits: np.ndarray, io_bandwidth_gbps: np.ndarray,
                 active: np.ndarray) -> np.ndarray:
    """Cycles (N, L) of each layer including memory stalls; ``io_bandwidth_gbps`` is (N,)."""
    cycles = dram_bits * (CLOCK_GHZ / acc_column(io_bandwidth_gbps))
    np.maximum(cycles, compute_cycles, out=cycles)
    cycles += LAYER_OVERHEAD_CYCLES
    return cycles * active


def cycles_to_ms(cycles: np.ndarray) -> np.ndarray:
    """Cycles at CLOCK_GHZ -> milliseconds."""
    return cycles * (1.0 / (CLOCK_GHZ * 1e6))
