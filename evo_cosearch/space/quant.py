"""Quantizers as gene values: a bit-width (fixed point) or the name of a non-uniform quantizer.

A ``w_bits`` / ``a_bits`` gene value is either

* an integer ``b``: fixed-point ("m-quant") with ``b`` bits, sign included (16 = not
  quantized in the supernet, a 16-bit integer datapath in the simulator), or
* a name: ``binary`` (±1, 1 bit), ``ternary`` (−1/0/+1, 2 bits), ``po2_<b>`` (power of two,
  "e-quant": 1 sign bit and ``b − 1`` exponent bits, ``b`` in 3..8) or ``fp16`` (IEEE half).

Arrays carry a quantizer as two integers: its kind code (:data:`QUANT_KINDS`) and its storage
bits (what a weight or an activation occupies in memory).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from evo_cosearch.errors import ProblemError

__all__ = ["QUANT_KINDS", "FIXED", "BINARY", "TERNARY", "PO2", "FLOAT", "PO2_BITS", "parse_quantizer",
           "is_quantizer", "quantizer_value", "quant_rank", "quant_json"]

QUANT_KINDS = ("fixed", "binary", "ternary", "po2", "float")
FIXED, BINARY, TERNARY, PO2, FLOAT = range(len(QUANT_KINDS))
#: Storage bits a ``po2_<b>`` quantizer may have (sign + at least 2 exponent bits, at most 7).
PO2_BITS = range(3, 9)
_NAMED = {"binary": (BINARY, 1), "ternary": (TERNARY, 2), "fp16": (FLOAT, 16),
          **{f"po2_{b}": (PO2, b) for b in PO2_BITS}}
#: Precision order of the named quantizers among the bit-widths (binary < ternary < 2 bits ...).
_RANK = {BINARY: lambda b: 1.0, TERNARY: lambda b: 1.5, PO2: lambda b: b - 0.5, FLOAT: lambda b: 15.5}


def is_quantizer(value: Any) -> bool:
    """True for a positive integer bit-width or a known quantizer name."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        return value > 0
    return isinstance(value, str) and value in _NAMED


def parse_quantizer(value: Any, where: str = "quantizer") -> tuple[int, int]:
    """``(kind code, storage bits)`` of a gene value; :class:`ProblemError` names ``where``."""
    if not is_quantizer(value):
        names = ", ".join(n for n in _NAMED if not n.startswith("po2_"))
        raise ProblemError(f"{where}: {value!r} is not a quantizer (a positive bit-width, or one of "
                           f"{names}, po2_{PO2_BITS[0]}..po2_{PO2_BITS[-1]})")
    if isinstance(value, str):
        return _NAMED[value]
    return FIXED, int(value)


def quantizer_value(kind: int, bits: int) -> int | str:
    """The gene value of ``(kind, bits)``: the bit-width for fixed point, else the name."""
    kind, bits = int(kind), int(bits)
    if kind == FIXED:
        return bits
    for name, kb in _NAMED.items():
        if kb == (kind, bits):
            return name
    raise ValueError(f"no quantizer of kind {kind} with {bits} bits")


def quant_rank(value: Any) -> float:
    """A precision key: larger is more precise (picks the largest / smallest child)."""
    kind, bits = parse_quantizer(value)
    return float(bits) if kind == FIXED else _RANK[kind](bits)


def quant_json(kind: np.ndarray, bits: np.ndarray) -> list:
    """The gene value of every ``(kind, bits)`` pair as something whose ``str`` is its JSON
    (an int for fixed point, else the quoted name), in nested lists like the inputs."""
    kind, bits = np.asarray(kind), np.asarray(bits)
    if not kind.any():  # all fixed point (code 0): the bit-widths themselves
        return bits.tolist()
    text = np.vectorize(lambda k, b: json.dumps(quantizer_value(k, b)), otypes=[object])
    return text(kind, bits).tolist()
