"""Energy per inference (µJ) of every layer: MACs, element-wise adds, register files, local
memory, DRAM and leakage.

    mac_pj    = passes · typed_mac_energy_pj(w_quant, min(w_bits, mac_bits),
                                             a_quant, min(a_bits, mac_bits), acc_bits)
    dynamic   = macs · mac_pj + elementwise_ops · elementwise_energy_pj(a_quant, a_bits)
                + register_file_bits · register_file_energy_pj_per_bit(register_file_kb)
                + local_memory_bits · sram_energy_pj_per_bit(1024 · local_memory_mb)
                + dram_bits · DRAM_PJ_PER_BIT                                  [pJ]
    leakage   = LEAKAGE_MW_PER_MM2 · area_mm2 · layer_latency_ms                [mW · ms = µJ]
    layer_energy_uj = dynamic · 1e-6 + leakage

Packed MACs (``b ≤ mac_bits``) cost the energy of the bits they use; a fixed-point MAC wider
than the datapath costs one narrow MAC per pass. A MAC with a binary, ternary, power-of-two or
fp16 operand costs what its operand types cost (:mod:`evo_cosearch.hardware.mac`), once: the
datapath width changes its time, not its energy. For fixed-point operands each term is
non-decreasing in w_bits and a_bits (the traffic and the latency are too), so more bits never
lower the energy of a design on the same hardware. Inactive layers have no MACs, no traffic and
no latency, hence zero energy.
"""

from __future__ import annotations

import numpy as np

from evo_cosearch.hardware.mac import elementwise_energy_pj, typed_mac_energy_pj
from evo_cosearch.hardware.mapping import Mapping, acc_column
from evo_cosearch.hardware.memory import Traffic
from evo_cosearch.hardware.technology import (
    DRAM_PJ_PER_BIT, LEAKAGE_MW_PER_MM2, register_file_energy_pj_per_bit, sram_energy_pj_per_bit,
)
from evo_cosearch.hardware.terms import LayerTerms
from evo_cosearch.space.accelerator import AcceleratorArrays
from evo_cosearch.space.quant import FIXED

__all__ = ["layer_energy_uj"]


def layer_energy_uj(t: LayerTerms, acc: AcceleratorArrays, mapping: Mapping, traffic: Traffic,
                    area_mm2: np.ndarray, layer_latency_ms: np.ndarray) -> np.ndarray:
    """Energy (µJ, (N, L)) of each layer of each design; ``area_mm2`` is (N,)."""
    mac_bits = acc_column(acc.mac_bits)
    passes = mapping.passes
    if t.w_quant.any() or t.a_quant.any():  # typed operands (codes != FIXED = 0) cost one MAC, not passes
        passes = np.where((t.w_quant == FIXED) & (t.a_quant == FIXED), passes, 1)
    mac_pj = passes * typed_mac_energy_pj(t.w_quant, np.minimum(t.w_bits, mac_bits),
                                          t.a_quant, np.minimum(t.a_bits, mac_bits), t.acc_bits)
    rf_pj_per_bit = register_file_energy_pj_per_bit(acc_column(acc.register_file_kb))
    lm_pj_per_bit = sram_energy_pj_per_bit(acc_column(acc.local_memory_mb) * 1024)
    dynamic_pj = t.macs * mac_pj
    dynamic_pj += t.elementwise_ops * elementwise_energy_pj(t.a_quant, t.a_bits)
    dynamic_pj += traffic.register_file_bits * rf_pj_per_bit
    dynamic_pj += traffic.local_memory_bits * lm_pj_per_bit
    dynamic_pj += traffic.dram_bits * DRAM_PJ_PER_BIT
    leakage_uj_per_ms = acc_column(area_mm2) * LEAKAGE_MW_PER_MM2
    return dynamic_pj * 1e-6 + layer_latency_ms * leakage_uj_per_ms
