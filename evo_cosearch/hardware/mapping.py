"""Loop-nest mapping of each layer onto the edge array -> compute cycles and utilisation.

The template (the NAHAS joint-search method): ``pes_x × pes_y`` processing elements (PEs); each PE
has ``compute_lanes`` lanes; each lane has ``simd_units`` MAC units of ``mac_bits`` bits.
A convolution-like layer (conv, depthwise, pointwise, dense) is unrolled spatially as

* SIMD units: the reduction over the input channels *of one group* (``cpg = in_c / groups``);
  a depthwise layer (cpg = 1) therefore fills one SIMD slot of a vector;
* lanes × pes_x: the output channels (``out_c``);
* pes_y: the output pixels (``out_h · out_w``);
* in time: the kernel window (``kernel_h · kernel_w``) and every remainder.

Precision (bit-fusion style) with operand bits ``b = max(w_bits, a_bits)`` and ``m = mac_bits``:
if ``b ≤ m`` a unit packs ``pack = floor(m / b)`` MACs per cycle along the reduction
(vector length ``V = simd_units · pack``) in one pass; if ``b > m`` a MAC takes
``passes = ceil(w_bits / m) · ceil(a_bits / m)`` cycles on one unit (``pack = 1``).

    compute_cycles = passes · kernel_h · kernel_w · ceil(cpg / V)
                     · ceil(out_c / (pes_x · lanes)) · ceil(out_h · out_w / pes_y)

Element-wise layers (residual add, average pool) run on the SIMD units without packing:
``ceil(elementwise_ops / (pes_x · pes_y · lanes · simd_units))``.

Utilisation is the work done over the slots offered while computing:
``macs · passes / (compute_cycles · pes_x · pes_y · lanes · V)`` for MAC layers and
``elementwise_ops / (compute_cycles · pes_x · pes_y · lanes · simd_units)`` otherwise (0 on
inactive layers); it is at most 1 by construction (every ceil rounds up). Every factor is a
ceil-division by a resource, so more PEs, lanes or SIMD units never increase compute cycles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evo_cosearch.hardware.terms import FLOAT, LayerTerms
from evo_cosearch.space.accelerator import AcceleratorArrays

__all__ = ["Mapping", "map_layers", "precision_factors", "acc_column"]


@dataclass(frozen=True)
class Mapping:
    """How each layer of each design maps onto its accelerator; arrays are (N, L)."""

    compute_cycles: np.ndarray
    utilization: np.ndarray
    passes: np.ndarray  # cycles per MAC on one unit (1 unless operands are wider than mac_bits)
    pack: np.ndarray  # MACs per unit per cycle (1 unless operands are narrower)
    pixels_per_pe: np.ndarray  # ceil(out_h * out_w / pes_y): pixels one PE sweeps per filter


def acc_column(x) -> np.ndarray:
    """An accelerator parameter (N,) as an (N, 1) column in the simulator's dtype."""
    return np.asarray(x, dtype=FLOAT)[:, None]


def precision_factors(w_bits: np.ndarray, a_bits: np.ndarray, mac_bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(pack, passes)``: MACs packed per unit per cycle and cycles per MAC (see module doc).

    ``floor(m / b)`` is 0 when b > m, hence the max with 1; ``ceil(w / m) · ceil(a / m)`` is 1
    whenever both fit, so one expression covers both cases.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        pack = np.maximum(np.floor(mac_bits / np.maximum(w_bits, a_bits)), 1)
    passes = np.ceil(w_bits / mac_bits) * np.ceil(a_bits / mac_bits)
    return pack, passes


def map_layers(t: LayerTerms, acc: AcceleratorArrays) -> Mapping:
    """Compute cycles and utilisation of every layer of every design (no per-design loop)."""
    pes_x, pes_y = acc_column(acc.pes_x), acc_column(acc.pes_y)
    lanes, simd = acc_column(acc.compute_lanes), acc_column(acc.simd_units)
    pack, passes = precision_factors(t.w_bits, t.a_bits, acc_column(acc.mac_bits))
    slots = pes_x * pes_y * lanes * simd  # MAC units on the chip

    pixels_per_pe = np.ceil(t.pixels / pes_y)
    mac_cycles = passes * t.window * np.ceil(t.in_c_per_group / (simd * pack))
    mac_cycles *= np.ceil(t.out_c / (pes_x * lanes))
    mac_cycles *= pixels_per_pe
    elem_cycles = np.ceil(t.elementwise_ops / slots)  # zero on MAC and inactive layers
    compute = mac_cycles * t.mac_layer + elem_cycles

    work = t.macs * passes / pack + t.elementwise_ops  # MAC-unit cycles of useful work
    # work is 0 wherever compute is 0, so a tiny floor gives 0/tiny = 0 (np.where is slow here)
    util = work / np.maximum(compute * slots, np.finfo(FLOAT).tiny)
    return Mapping(compute_cycles=compute, utilization=util, passes=passes, pack=pack,
                   pixels_per_pe=pixels_per_pe)
