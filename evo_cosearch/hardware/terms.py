"""Per-layer quantities of the workload that the edge models share, as float arrays, once.

Every array is (N, L) (or (1, L) for one network), float32: exact for integers below 2**24,
and every later operation (products, sums, ceil, max) rounds monotonically, so the
monotonicity properties of the formulas survive the rounding. Inactive layers are all zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evo_cosearch.hardware.technology import BIAS_BITS
from evo_cosearch.workload import LayerArrays, layer_counts

__all__ = ["FLOAT", "LayerTerms", "layer_terms"]

#: Floating dtype of the per-layer arrays (half the memory traffic of float64; see module doc).
FLOAT = np.float32


@dataclass(frozen=True)
class LayerTerms:
    """Float views of one :class:`LayerArrays` used by mapping, memory and energy."""

    active: np.ndarray  # bool
    mac_layer: np.ndarray  # 1.0 on active conv / depthwise / pointwise / dense layers, else 0.0
    w_bits: np.ndarray
    a_bits: np.ndarray
    w_quant: np.ndarray  # quantizer kind codes (evo_cosearch.space.quant), as floats; a 0 scalar
    a_quant: np.ndarray  #   when the whole population is fixed point
    acc_bits: np.ndarray  # accumulator width (0: as wide as the product); a 0 scalar when all are
    in_c_per_group: np.ndarray  # reduction channels per output (cpg)
    out_c: np.ndarray
    out_c_per_group: np.ndarray
    kernel_h: np.ndarray
    window: np.ndarray  # kernel_h * kernel_w
    stride: np.ndarray
    in_w: np.ndarray
    pixels: np.ndarray  # out_h * out_w
    macs: np.ndarray
    elementwise_ops: np.ndarray
    weight_bits: np.ndarray  # weights * w_bits + biases * BIAS_BITS
    ifmap_bits: np.ndarray
    ofmap_bits: np.ndarray


def layer_terms(layers: LayerArrays, rows: slice = slice(None), cols: np.ndarray | None = None) -> LayerTerms:
    """The shared per-layer quantities of designs ``rows`` and layer slots ``cols`` (all: None)."""
    cast: dict[str, np.ndarray] = {}

    def f(name: str) -> np.ndarray:  # each field sliced and converted once
        if name not in cast:
            x = getattr(layers, name)[rows]
            cast[name] = np.asarray(x if cols is None else x[:, cols], dtype=FLOAT)
        return cast[name]

    counts = layer_counts(f)  # the workload's own count formulas, in float32
    w_bits, a_bits = f("w_bits"), f("a_bits")
    return LayerTerms(
        active=f("active") > 0, mac_layer=counts.mac_slot, w_bits=w_bits, a_bits=a_bits,
        w_quant=f("w_quant") if layers.any_typed else FLOAT(0),
        a_quant=f("a_quant") if layers.any_typed else FLOAT(0),
        acc_bits=f("acc_bits") if layers.any_acc_bits else FLOAT(0),
        in_c_per_group=counts.in_c_per_group, out_c=f("out_c"),
        out_c_per_group=np.floor(f("out_c") / np.maximum(f("groups"), 1)), kernel_h=f("kernel_h"),
        window=f("kernel_h") * f("kernel_w"), stride=np.maximum(f("stride"), 1), in_w=f("in_w"),
        pixels=counts.out_pixels, macs=counts.macs, elementwise_ops=counts.elementwise_ops,
        weight_bits=counts.weights * w_bits + counts.biases * FLOAT(BIAS_BITS),
        ifmap_bits=counts.ifmap_elems * a_bits, ofmap_bits=counts.ofmap_elems * a_bits,
    )
