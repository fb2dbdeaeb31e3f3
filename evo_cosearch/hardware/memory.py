"""On-chip capacity, DRAM traffic and local-memory / register-file traffic of every layer.

Memories (decision, documented in docs/simulator.md): ``local_memory_mb`` is **per PE** (the
lanes of a PE share it); a layer's tensors are split across the PEs, so the chip holds
``capacity = local_memory_mb · pes_x · pes_y``. ``register_file_kb`` is **per lane**; half of
it holds the lane's current filter, the other half its input line buffer.

DRAM (steady state of a stream of batch-1 inferences; all sizes in bits):

* the network input (ifmap of the first active layer) is read and the network output (ofmap
  of the last active layer) written every inference;
* *resident*: if all weights plus the largest layer working set ``ifmap + ofmap`` fit in the
  capacity, the weights stay on chip (loaded once, amortised) and no other DRAM traffic occurs;
* otherwise each layer streams its weights once through a weight buffer of ``capacity / 2``;
  its activations stay on chip if ``ifmap + ofmap ≤ capacity / 2``; if not, the ofmap is
  written out and the ifmap read once per weight tile ``ceil(weight_bits / (capacity / 2))``.

More capacity only turns "spills" off and weight tiles down, so DRAM traffic never grows with
local memory; it does not depend on the register file.

Local memory (reads + writes): every DRAM transfer is written to / read from it once; a MAC
layer reads its weights once per active PE row (``min(pes_y, pixels)``) plus, for the part of a
filter (``kernel_h·kernel_w·cpg·w_bits``) that overflows half the register file, once more per
output pixel; it reads its ifmap once per output-channel pass ``ceil((out_c / groups) /
(pes_x · lanes))`` and, for the part of the line buffer (``kernel_h·in_w·cpg·a_bits``) that
overflows the other half, up to ``kernel_h·kernel_w / stride²`` times (no window reuse); it
writes its ofmap once. Element-wise layers read their inputs and write their output once.
Register file: every MAC reads its activation operand (``a_bits``); a weight is read once and
held in the MAC unit's operand latch while the PE sweeps its pixels, i.e. ``w_bits /
ceil(pixels / pes_y)`` per MAC (weight-stationary within the lane). Every element-wise op
reads two ``a_bits`` operands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evo_cosearch.hardware.mapping import Mapping, acc_column
from evo_cosearch.hardware.technology import BITS_PER_KB, BITS_PER_MB
from evo_cosearch.hardware.terms import LayerTerms
from evo_cosearch.space.accelerator import AcceleratorArrays

__all__ = ["Traffic", "memory_traffic", "network_io_bits"]


@dataclass(frozen=True)
class Traffic:
    """Bits moved per inference; (N, L) arrays, zero on inactive layers."""

    dram_bits: np.ndarray
    local_memory_bits: np.ndarray
    register_file_bits: np.ndarray
    resident: np.ndarray  # (N,) bool: all weights stay on chip


def _overflow(need_bits: np.ndarray, have_bits: np.ndarray) -> np.ndarray:
    """Fraction of ``need_bits`` that does not fit ``have_bits`` (0 when it all fits or is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.fmax(1 - have_bits / need_bits, 0)  # fmax: 0/0 -> nan -> 0


def network_io_bits(t: LayerTerms) -> np.ndarray:
    """(N, L) bits of the network input (ifmap of the first active layer) and output (ofmap of
    the last active layer), which cross DRAM every inference; zero elsewhere."""
    active = t.active
    n, n_layers = active.shape
    io = np.zeros(active.shape, dtype=t.ifmap_bits.dtype)
    if n_layers == 0:
        return io
    rows = np.arange(n)
    first = np.argmax(active, axis=1)
    last = n_layers - 1 - np.argmax(active[:, ::-1], axis=1)
    io[rows, first] = t.ifmap_bits[rows, first]  # zero when a design has no active layer
    io[rows, last] += t.ofmap_bits[rows, last]
    return io


def memory_traffic(t: LayerTerms, acc: AcceleratorArrays, mapping: Mapping) -> Traffic:
    """DRAM, local-memory and register-file traffic of every layer (see module doc)."""
    pes_x, pes_y, lanes = acc_column(acc.pes_x), acc_column(acc.pes_y), acc_column(acc.compute_lanes)
    capacity = acc_column(acc.local_memory_mb) * (BITS_PER_MB * pes_x * pes_y)
    half = capacity / 2
    rf_half = acc_column(acc.register_file_kb) * (BITS_PER_KB / 2)
    mac = t.mac_layer

    # -- DRAM --------------------------------------------------------------------------------
    working = t.ifmap_bits + t.ofmap_bits
    resident = (t.weight_bits.sum(axis=1, keepdims=True, dtype=np.float64)
                + working.max(axis=1, keepdims=True, initial=0)) <= capacity
    tiles = np.maximum(np.ceil(t.weight_bits / half), 1)
    streamed = t.weight_bits + (working > half) * (t.ifmap_bits * tiles + t.ofmap_bits)
    dram = streamed * ~resident + network_io_bits(t)

    # -- local memory ------------------------------------------------------------------------
    filter_bits = t.window * t.in_c_per_group * t.w_bits
    weight_reads = t.weight_bits * (np.minimum(pes_y, t.pixels) + t.pixels * _overflow(filter_bits, rf_half))
    line_bits = t.kernel_h * t.in_w * t.in_c_per_group * t.a_bits
    window_reuse = np.maximum(t.window / (t.stride * t.stride), 1)
    refetch = 1 + (window_reuse - 1) * _overflow(line_bits, rf_half)
    ifmap_reads = t.ifmap_bits * np.ceil(t.out_c_per_group / (pes_x * lanes)) * refetch
    local = (weight_reads + ifmap_reads - t.ifmap_bits) * mac + working + dram

    # -- register file -----------------------------------------------------------------------
    rf = t.macs * (t.a_bits + t.w_bits / np.maximum(mapping.pixels_per_pe, 1)) + t.elementwise_ops * (2 * t.a_bits)
    return Traffic(dram_bits=dram, local_memory_bits=local, register_file_bits=rf, resident=resident[:, 0])
