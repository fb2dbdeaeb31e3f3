"""The SCALE-Sim-compatible systolic-array template: compute cycles, latency and energy per layer.

An R x C array of MACs runs every conv-like layer as a matrix product of an ifmap operand
matrix (``px`` output pixels x ``window`` = kh*kw*channels-per-group) and a filter matrix
(``window`` x ``filters`` per group). The dataflow decides which two of the three GEMM
dimensions are laid out in space (``Sr`` on the rows, ``Sc`` on the columns) and which one is
streamed in time (``T``), as in SCALE-Sim 3.0.0:

=========  ==========  ==========  ==========  ===============================
dataflow   Sr (rows)   Sc (cols)   T (time)    cycles per fold
=========  ==========  ==========  ==========  ===============================
``os``     px          filters     window      T + R + C - 2   (fill + drain)
``ws``     window      filters     px          T + 2R + C - 2  (+ weight load)
``is``     window      px          filters     T + 2R + C - 2  (+ ifmap load)
=========  ==========  ==========  ==========  ===============================

``folds = ceil(Sr / R) * ceil(Sc / C)`` and a layer takes ``folds * per_fold - 1`` cycles
(SCALE-Sim counts the last cycle index, not the count). A depthwise layer (``groups > 1``) runs
as SCALE-Sim runs a topology row named ``DP``: one single-channel layer per group, so the cycles
are ``groups`` times those of a group. Residual adds and pooling are not array operations:
they take zero cycles here (SCALE-Sim has no such layers).

SCALE-Sim sizes the output as ``ceil((H - R) / S) + 1`` of the padded input ``H``; with
``ofmap_rounding="scalesim"`` (the default) this module does the same, so its cycles equal
SCALE-Sim's compute cycles exactly; ``"floor"`` uses the layers' own output size instead.
Pure numpy; no files, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evo_cosearch.errors import EvoCosearchError
from evo_cosearch.hardware import technology as tech
from evo_cosearch.hardware.mac import typed_mac_energy_pj
from evo_cosearch.workload import DENSE, DW, PW, CONV, LayerArrays

__all__ = ["DATAFLOWS", "SystolicMetrics", "systolic_compute_cycles", "simulate_systolic"]

DATAFLOWS = ("os", "ws", "is")
_ROUNDINGS = ("scalesim", "floor")


@dataclass(frozen=True)
class SystolicMetrics:
    """Per-layer (N, L) and per-design (N,) results of the systolic template.

    ``dram_bits`` / ``sram_bits`` are per layer (all three operands together).
    """

    cycles: np.ndarray
    utilization: np.ndarray
    layer_latency_ms: np.ndarray
    layer_energy_uj: np.ndarray
    mac_energy_uj: np.ndarray
    sram_energy_uj: np.ndarray
    dram_energy_uj: np.ndarray
    sram_bits: np.ndarray
    dram_bits: np.ndarray
    latency_ms: np.ndarray
    energy_uj: np.ndarray


@dataclass(frozen=True)
class _Gemm:
    """Operand-matrix dimensions of every layer, per group; all (N, L) int64."""

    mac_layer: np.ndarray  # bool
    groups: np.ndarray
    px: np.ndarray
    window: np.ndarray
    filters: np.ndarray


def _check(rows, cols, dataflow: str, ofmap_rounding: str) -> tuple[np.ndarray, np.ndarray]:
    if dataflow not in DATAFLOWS:
        raise EvoCosearchError(f"dataflow {dataflow!r} is unknown (known: {', '.join(DATAFLOWS)})")
    if ofmap_rounding not in _ROUNDINGS:
        raise EvoCosearchError(f"ofmap_rounding {ofmap_rounding!r} is unknown (known: {', '.join(_ROUNDINGS)})")
    r = np.asarray(rows, dtype=np.int64)
    c = np.asarray(cols, dtype=np.int64)
    if np.any(r < 1) or np.any(c < 1):
        raise EvoCosearchError(f"array size {rows}x{cols}: rows and columns must be >= 1")
    # scalars broadcast over everything; (N,) arrays over the layer axis
    return (r[:, None] if r.ndim == 1 else r), (c[:, None] if c.ndim == 1 else c)


def _gemm(layers: LayerArrays, ofmap_rounding: str) -> _Gemm:
    mac_layer = layers.active & np.isin(layers.kind, (CONV, DW, PW, DENSE))
    groups = np.maximum(layers.groups, 1)
    if ofmap_rounding == "scalesim":
        padded_h = layers.in_h + 2 * (layers.kernel_h // 2)
        padded_w = layers.in_w + 2 * (layers.kernel_w // 2)
        stride = np.maximum(layers.stride, 1)
        out_h = -((layers.kernel_h - padded_h) // stride) + 1  # ceil((H - R) / S) + 1
        out_w = -((layers.kernel_w - padded_w) // stride) + 1
    else:
        out_h, out_w = layers.out_h, layers.out_w
    zero = np.zeros_like(groups)
    return _Gemm(
        mac_layer=mac_layer,
        groups=np.where(mac_layer, groups, zero),
        px=np.where(mac_layer, out_h * out_w, zero),
        window=np.where(mac_layer, layers.kernel_h * layers.kernel_w * (layers.in_c // groups), zero),
        filters=np.where(mac_layer, layers.out_c // groups, zero),
    )


def _spatial_temporal(g: _Gemm, dataflow: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Sr, Sc, T) of the dataflow: what goes on the rows, on the columns, and in time."""
    if dataflow == "os":
        return g.px, g.filters, g.window
    if dataflow == "ws":
        return g.window, g.filters, g.px
    return g.window, g.px, g.filters


def _ceil_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return -(-a // b)


def systolic_compute_cycles(layers: LayerArrays, rows, cols, dataflow: str, *,
                            ofmap_rounding: str = "scalesim") -> tuple[np.ndarray, np.ndarray]:
    """Compute cycles and MAC utilization, both (N, L), of ``layers`` on an R x C array.

    ``rows``/``cols`` are ints or (N,) arrays (one array per design). Non-MAC and inactive
    layers get 0 cycles and 0 utilization. Raises :class:`EvoCosearchError` for an unknown
    dataflow or a non-positive array size.
    """
    R, C = _check(rows, cols, dataflow, ofmap_rounding)
    g = _gemm(layers, ofmap_rounding)
    s_row, s_col, t_time = _spatial_temporal(g, dataflow)
    folds = _ceil_div(s_row, R) * _ceil_div(s_col, C)
    fill_drain = R + C - 2 if dataflow == "os" else 2 * R + C - 2
    per_group = folds * (t_time + fill_drain) - 1
    cycles = np.where(g.mac_layer, g.groups * per_group, 0).astype(np.int64)
    macs = g.groups * g.px * g.window * g.filters
    utilization = np.where(cycles > 0, macs / np.maximum(cycles * R * C, 1), 0.0)
    return cycles, utilization


def simulate_systolic(layers: LayerArrays, rows, cols, dataflow: str, ifmap_sram_kb, filter_sram_kb,
                      ofmap_sram_kb, *, ofmap_rounding: str = "scalesim") -> SystolicMetrics:
    """Cycles, latency and energy of ``layers`` on the systolic template.

    * latency: compute cycles at ``technology.CLOCK_GHZ`` (memory stalls are not modelled:
      the SRAMs are assumed to be double-buffered fast enough, as SCALE-Sim's compute cycles).
    * MAC energy: MACs x ``typed_mac_energy_pj`` of the layer's quantizers (fixed point:
      ``mac_energy_pj(w_bits, a_bits)``).
    * SRAM energy: SCALE-Sim's operand traffic — the stationary operand is read once, the
      streamed one once per fold of the other spatial dimension, outputs written once (os) or
      once per row fold as partial sums (ws/is) — times bits (weights at ``w_bits``,
      activations and outputs at ``a_bits``) x ``sram_energy_pj_per_bit(buffer_kb)``.
    * DRAM energy: an operand whose footprint fits its SRAM moves once; one that does not is
      refetched (or spilled) with every SRAM access; bits x ``DRAM_PJ_PER_BIT``.
    """
    cycles, utilization = systolic_compute_cycles(layers, rows, cols, dataflow, ofmap_rounding=ofmap_rounding)
    R, C = _check(rows, cols, dataflow, ofmap_rounding)
    g = _gemm(layers, ofmap_rounding)
    s_row, s_col, _ = _spatial_temporal(g, dataflow)
    row_folds, col_folds = _ceil_div(s_row, R), _ceil_div(s_col, C)
    ifmap_matrix = g.groups * g.px * g.window       # words of the ifmap operand matrix
    filter_matrix = g.groups * g.window * g.filters
    ofmap_matrix = g.groups * g.px * g.filters
    if dataflow == "os":
        ifmap_words, filter_words, ofmap_words = col_folds * ifmap_matrix, row_folds * filter_matrix, ofmap_matrix
    elif dataflow == "ws":
        ifmap_words, filter_words, ofmap_words = col_folds * ifmap_matrix, filter_matrix, row_folds * ofmap_matrix
    else:
        ifmap_words, filter_words, ofmap_words = ifmap_matrix, col_folds * filter_matrix, row_folds * ofmap_matrix

    a_bits, w_bits = layers.a_bits, layers.w_bits
    sram_bits = (ifmap_words * a_bits, filter_words * w_bits, ofmap_words * a_bits)
    kb = [np.asarray(k, dtype=np.float64) for k in (ifmap_sram_kb, filter_sram_kb, ofmap_sram_kb)]
    kb = [k[:, None] if k.ndim == 1 else k for k in kb]
    sram_pj = sum(bits * tech.sram_energy_pj_per_bit(k) for bits, k in zip(sram_bits, kb))

    padded = (layers.in_h + 2 * (layers.kernel_h // 2)) * (layers.in_w + 2 * (layers.kernel_w // 2))
    footprint_bits = (
        np.where(g.mac_layer, padded * layers.in_c, 0) * a_bits,
        filter_matrix * w_bits,
        ofmap_matrix * a_bits,
    )
    dram = [np.where(fp <= k * 8192, fp, bits) for fp, bits, k in zip(footprint_bits, sram_bits, kb)]
    dram_bits = dram[0] + dram[1] + dram[2]

    macs = g.groups * g.px * g.window * g.filters
    mac_pj = macs * typed_mac_energy_pj(layers.w_quant, w_bits, layers.a_quant, a_bits, layers.acc_bits)
    dram_pj = dram_bits * tech.DRAM_PJ_PER_BIT
    layer_latency_ms = cycles / (tech.CLOCK_GHZ * 1e6)
    mac_uj, sram_uj, dram_uj = mac_pj * 1e-6, sram_pj * 1e-6, dram_pj * 1e-6
    layer_energy_uj = np.where(g.mac_layer, mac_uj + sram_uj + dram_uj, 0.0)
    sram_total = sram_bits[0] + sram_bits[1] + sram_bits[2]
    return SystolicMetrics(
        cycles=cycles, utilization=utilization, layer_latency_ms=layer_latency_ms,
        layer_energy_uj=layer_energy_uj, mac_energy_uj=np.where(g.mac_layer, mac_uj, 0.0),
        sram_energy_uj=np.where(g.mac_layer, sram_uj, 0.0), dram_energy_uj=np.where(g.mac_layer, dram_uj, 0.0),
        sram_bits=np.where(g.mac_layer, sram_total, 0), dram_bits=np.where(g.mac_layer, dram_bits, 0),
        latency_ms=layer_latency_ms.sum(axis=1), energy_uj=layer_energy_uj.sum(axis=1),
    )
