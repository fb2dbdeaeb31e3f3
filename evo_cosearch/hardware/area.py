"""Chip area (mm²) of the edge template from its resources (45 nm constants in technology).

    mac_um2   = mult_area_um2(mac_bits) + add_area_um2(2·mac_bits + ACC_GUARD_BITS)
    lane_mm2  = simd_units · mac_um2 · 1e-6 + register_file_kb · BITS_PER_KB · REGISTER_FILE_UM2_PER_BIT · 1e-6
                + LANE_OVERHEAD_MM2
    pe_mm2    = compute_lanes · lane_mm2 + local_memory_mb · BITS_PER_MB · SRAM_UM2_PER_BIT · 1e-6
                + PE_OVERHEAD_MM2
    area_mm2  = pes_x · pes_y · pe_mm2 + io_bandwidth_gbps · IO_MM2_PER_GBPS + CHIP_OVERHEAD_MM2

Every term is a positive coefficient times a positive resource, so area strictly grows with
each of pes_x, pes_y, simd_units, compute_lanes, local_memory_mb, register_file_kb,
io_bandwidth_gbps and mac_bits (multiplier area is quadratic in mac_bits).
"""

from __future__ import annotations

import numpy as np

from evo_cosearch.hardware.technology import (
    BITS_PER_KB, BITS_PER_MB, CHIP_OVERHEAD_MM2, IO_MM2_PER_GBPS, LANE_OVERHEAD_MM2, PE_OVERHEAD_MM2,
    REGISTER_FILE_UM2_PER_BIT, SRAM_UM2_PER_BIT, add_area_um2, mult_area_um2,
)
from evo_cosearch.space.accelerator import AcceleratorArrays

__all__ = ["area_mm2", "ACC_GUARD_BITS"]

#: Accumulator guard bits above the 2·mac_bits product (room for ≥ 256 accumulations). Assumption.
ACC_GUARD_BITS = 8


def area_mm2(acc: AcceleratorArrays) -> np.ndarray:
    """Chip area (mm², shape (N,)) of each accelerator (see module doc)."""
    mac_bits = np.asarray(acc.mac_bits, dtype=np.float64)
    mac_um2 = mult_area_um2(mac_bits) + add_area_um2(2.0 * mac_bits + ACC_GUARD_BITS)
    rf_mm2 = np.asarray(acc.register_file_kb, dtype=np.float64) * (BITS_PER_KB * REGISTER_FILE_UM2_PER_BIT * 1e-6)
    lane_mm2 = acc.simd_units * mac_um2 * 1e-6 + rf_mm2 + LANE_OVERHEAD_MM2
    sram_mm2 = np.asarray(acc.local_memory_mb, dtype=np.float64) * (BITS_PER_MB * SRAM_UM2_PER_BIT * 1e-6)
    pe_mm2 = acc.compute_lanes * lane_mm2 + sram_mm2 + PE_OVERHEAD_MM2
    return acc.pes_x * acc.pes_y * pe_mm2 + acc.io_bandwidth_gbps * IO_MM2_PER_GBPS + CHIP_OVERHEAD_MM2
