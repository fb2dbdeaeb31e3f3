"""Energy of one multiply-accumulate by the quantizer types of its operands (the AutoQKeras method).

A MAC multiplies a weight by an activation and adds the product into an accumulator of
``acc`` bits (``acc_bits``; 0 means as wide as the product, ``w_bits + a_bits``). What the
multiply costs depends on the operand types (:mod:`evo_cosearch.space.quant`), in this order
of precedence (the pair is unordered):

=============================  =====================================  ======================
operands                       multiply                               accumulate
=============================  =====================================  ======================
binary × binary                XNOR                                   popcount (1 bit)
fp16 × fp16 or fixed           fp16 multiply                          fp16 add
fp16 × binary or ternary       — (sign / zero select)                 fp16 add
fp16 × po2                     add into the 5 exponent bits           fp16 add
binary or ternary × the rest   — (sign / zero select)                 add/sub of ``acc`` bits
po2 × po2                      add of the exponents (``b − 1`` bits)  add of ``acc`` bits
po2 × fixed(``n``)             shift ``n`` bits by ``b − 1`` stages   add of ``acc`` bits
fixed × fixed                  ``a·w·a + b·(w + a)/2`` (Horowitz fit) add of ``acc`` bits
=============================  =====================================  ======================

For fixed × fixed with ``acc = 0`` this is :func:`~evo_cosearch.hardware.technology.mac_energy_pj`
exactly (the model every earlier design was priced with). Constants: technology.py.
Vectorised over any broadcastable arrays; float32 in, float32 out.
"""

from __future__ import annotations

import numpy as np

from evo_cosearch.hardware.technology import (
    FP16_ADD_PJ, FP16_EXPONENT_BITS, FP16_MULT_PJ, POPCOUNT_PJ_PER_BIT, XNOR_PJ, add_energy_pj, mac_energy_pj,
    mult_energy_pj, shift_energy_pj,
)
from evo_cosearch.space.quant import BINARY, FIXED, FLOAT, PO2, TERNARY

__all__ = ["typed_mac_energy_pj", "elementwise_energy_pj"]


def typed_mac_energy_pj(w_quant, w_bits, a_quant, a_bits, acc_bits=0) -> np.ndarray:
    """Energy (pJ) of one MAC of a ``w_quant``/``w_bits`` weight and an ``a_quant``/``a_bits``
    activation into an ``acc_bits`` accumulator (see the module doc's table)."""
    wq, aq = np.asarray(w_quant), np.asarray(a_quant)
    w, a = np.asarray(w_bits), np.asarray(a_bits)
    w, a = (w, a) if w.dtype.kind == "f" else (w.astype(np.float64), a.astype(np.float64))
    acc = np.asarray(acc_bits, dtype=w.dtype)
    legacy = not np.any(acc > 0)
    typed = np.any(wq != FIXED) or np.any(aq != FIXED)
    if legacy and not typed:  # fixed point, product-wide accumulators: every earlier design
        return mac_energy_pj(w, a)
    accumulate = add_energy_pj(np.where(acc > 0, acc, w + a))
    fixed = mac_energy_pj(w, a) if legacy else mult_energy_pj(w, a) + accumulate  # (same sum if legacy)
    if not typed:
        return fixed

    w_po2, a_po2 = wq == PO2, aq == PO2
    shift = shift_energy_pj(np.where(w_po2, a, w), np.where(w_po2, w, a) - 1) + accumulate
    exponents = add_energy_pj(np.maximum(w, a) - 1) + accumulate
    sign_select = (wq == BINARY) | (wq == TERNARY) | (aq == BINARY) | (aq == TERNARY)
    float_mult = np.where(sign_select, 0.0,
                          np.where(w_po2 | a_po2, add_energy_pj(FP16_EXPONENT_BITS), FP16_MULT_PJ))
    return np.select(
        [(wq == BINARY) & (aq == BINARY), (wq == FLOAT) | (aq == FLOAT), sign_select, w_po2 & a_po2,
         w_po2 | a_po2],
        [XNOR_PJ + POPCOUNT_PJ_PER_BIT, float_mult + FP16_ADD_PJ, accumulate, exponents, shift],
        default=fixed,
    ).astype(w.dtype, copy=False)


def elementwise_energy_pj(a_quant, a_bits) -> np.ndarray:
    """Energy (pJ) of one element-wise add (residual, pooling) of ``a_quant``/``a_bits`` operands."""
    add = add_energy_pj(a_bits)
    is_float = np.asarray(a_quant) == FLOAT
    return np.where(is_float, add.dtype.type(FP16_ADD_PJ), add) if is_float.any() else add
