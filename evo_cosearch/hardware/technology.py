"""Technology constants (45 nm): energy per operation and per bit, areas, clock, leakage.

Every constant carries its unit in its name and a source. Energy figures come from
M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014 (45 nm,
0.9 V); the quadratic fits in bits are those of the AutoQKeras energy model. Area figures that Horowitz
does not give are *assumptions*, each with the reason it is plausible. All functions are
vectorised: they accept numpy arrays (or scalars) and return float arrays (a float32 input stays
float32; integers become float64).

SRAM read energy fit (per 64-bit read, capacity C in KB): ``E64 = 1.9586 + 3.0659·sqrt(C)`` pJ,
least squares through Horowitz's three points; residuals +0.63 pJ (8 KB: 10.63 vs 10, +6.3%),
−0.70 pJ (32 KB: 19.30 vs 20, −3.5%), +0.07 pJ (1 MB: 100.07 vs 100, +0.07%). A fit linear in
log2(C) misses by up to 70% and a power law by up to 4%; sqrt(C) also matches the physics (wire
length across a square array grows with the square root of its bit count).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "CLOCK_GHZ", "mac_energy_pj", "mult_energy_pj", "add_energy_pj", "shift_energy_pj", "sram_energy_pj_per_bit",
    "FP16_MULT_PJ", "FP16_ADD_PJ", "FP16_EXPONENT_BITS", "XNOR_PJ", "POPCOUNT_PJ_PER_BIT", "MUX_PJ_PER_BIT",
    "register_file_energy_pj_per_bit", "DRAM_PJ_PER_BIT", "BIAS_BITS", "LAYER_OVERHEAD_CYCLES",
    "mult_area_um2", "add_area_um2", "SRAM_UM2_PER_BIT", "REGISTER_FILE_UM2_PER_BIT",
    "PE_OVERHEAD_MM2", "LANE_OVERHEAD_MM2", "IO_MM2_PER_GBPS", "CHIP_OVERHEAD_MM2",
    "LEAKAGE_MW_PER_MM2", "BITS_PER_MB", "BITS_PER_KB",
]

# -- clock and control ---------------------------------------------------------------------
#: Core clock (GHz). Assumption: 0.8 GHz is a typical edge-accelerator clock at 45 nm
#: (Eyeriss ran at 200 MHz in 65 nm; edge TPUs are quoted around 0.5–1 GHz in newer nodes).
CLOCK_GHZ = 0.8
#: Fixed cycles per active layer: pipeline fill/drain, configuration, synchronisation.
#: Assumption (order of the array's depth plus a few control handshakes).
LAYER_OVERHEAD_CYCLES = 64
#: Bits per bias value (biases are added at accumulator precision). Assumption, as QKeras' example.
BIAS_BITS = 32
BITS_PER_KB = 8 * 1024
BITS_PER_MB = 8 * 1024 * 1024

# -- energy (Horowitz 2014, 45 nm) -----------------------------------------------------------
#: Fixed-point multiply fit E = a·bits² + b·bits + c (pJ); 8b → 0.200 pJ, 32b → 3.104 pJ
#: (Horowitz: 0.2 and 3.1 pJ).
_MULT_A_PJ, _MULT_B_PJ, _MULT_C_PJ = 0.0030, 0.0010, 0.0
#: Fixed-point add fit E = b·bits (pJ); 8b → 0.025 pJ, 32b → 0.099 pJ (Horowitz: 0.03 and 0.1 pJ).
_ADD_B_PJ = 0.0031
#: SRAM 64-bit read fit E64 = c0 + c1·sqrt(capacity_kb) (pJ), see the module docstring.
_SRAM_C0_PJ, _SRAM_C1_PJ = 1.9586, 3.0659
#: DRAM access (pJ per bit): 1.3 nJ per 64 bits, the low end of Horowitz's 1.3–2.6 nJ.
DRAM_PJ_PER_BIT = 1300.0 / 64.0  # = 20.3125

# -- non-uniform quantizers (hardware/mac.py prices each operand pair) -----------------------
#: IEEE half-precision multiply and add (pJ per op), Horowitz 2014 (45 nm).
FP16_MULT_PJ = 1.1
FP16_ADD_PJ = 0.4
#: Exponent bits of an IEEE half: multiplying by a power of two adds into them.
FP16_EXPONENT_BITS = 5
#: One XNOR gate (pJ): the product of two ±1 operands. Assumption: an XNOR is one of the two
#: XOR gates of a full adder, so about half a 1-bit add (0.5 · 0.0031 pJ).
XNOR_PJ = 0.5 * _ADD_B_PJ
#: Popcount energy per counted bit (pJ). A carry-save popcount tree over n bits holds about n
#: full adders (n − log2 n), i.e. about one 1-bit add per product; the tree's sum enters the
#: accumulator once per vector (amortised away). Assumption built on the add fit.
POPCOUNT_PJ_PER_BIT = _ADD_B_PJ
#: One bit of a 2:1 multiplexer (pJ), the cell of a barrel shifter. Assumption: a transmission-gate
#: mux switches about half the capacitance of a full-adder bit (0.5 · 0.0031 pJ).
MUX_PJ_PER_BIT = 0.5 * _ADD_B_PJ


def _float(x) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def add_energy_pj(bits) -> np.ndarray:
    """Energy (pJ) of one fixed-point addition of ``bits`` bits."""
    return _ADD_B_PJ * _float(bits)


def mult_energy_pj(w_bits, a_bits=None) -> np.ndarray:
    """Energy (pJ) of one fixed-point multiply of a ``w_bits`` by an ``a_bits`` operand.

    The square Horowitz fit a·b² + b·b + c generalised to an array multiplier of
    w×a partial products: a·w·a + b·(w + a)/2 + c (equal to the fit when w = a).
    """
    w = _float(w_bits)
    a = w if a_bits is None else _float(a_bits)
    return _MULT_A_PJ * (w * a) + (0.5 * _MULT_B_PJ) * (w + a) + _MULT_C_PJ


def mac_energy_pj(w_bits, a_bits=None) -> np.ndarray:
    """Energy (pJ) of one multiply-accumulate: the multiply plus the accumulate add.

    The accumulate add is as wide as the product (w + a bits). 8-bit MAC: 0.2 + 0.0496 pJ.
    """
    w = _float(w_bits)
    a = w if a_bits is None else _float(a_bits)
    # = mult_energy_pj(w, a) + add_energy_pj(w + a), with the two linear terms merged
    return _MULT_A_PJ * (w * a) + (0.5 * _MULT_B_PJ + _ADD_B_PJ) * (w + a) + _MULT_C_PJ


def shift_energy_pj(bits, stages) -> np.ndarray:
    """Energy (pJ) of shifting a ``bits``-bit operand through a barrel shifter of ``stages``
    stages (shift amounts 0 .. 2^stages − 1): ``bits · stages`` multiplexer bits."""
    return MUX_PJ_PER_BIT * (_float(bits) * _float(stages))


def sram_energy_pj_per_bit(capacity_kb) -> np.ndarray:
    """Read/write energy (pJ per bit) of an SRAM of ``capacity_kb`` KB (Horowitz fit / 64)."""
    c = _float(capacity_kb)
    return (_SRAM_C0_PJ + _SRAM_C1_PJ * np.sqrt(c)) / 64.0


def register_file_energy_pj_per_bit(capacity_kb) -> np.ndarray:
    """Access energy (pJ per bit) of a lane's register file of ``capacity_kb`` KB.

    Horowitz gives no register-file figure; the lane register files of this template (8–128
    KB) are small SRAM macros placed next to the SIMD units, so we use the same SRAM fit. At
    8 KB this is 0.166 pJ/bit (1.3 pJ per 8-bit operand), about 6× an 8-bit multiply, in line
    with the "RF ≈ 1–6 MAC" ratios used by Eyeriss-style models for such sizes.
    """
    return sram_energy_pj_per_bit(capacity_kb)


# -- area (45 nm) ----------------------------------------------------------------------------
#: Multiplier area fit a·bits² + b·bits (µm²) through Horowitz's ISSCC 2014 area chart
#: (45 nm): 8b mult 282 µm², 32b mult 3495 µm² (exact at both points).
_MULT_AREA_A_UM2, _MULT_AREA_B_UM2 = 2367.0 / 768.0, 282.0 / 8.0 - 8.0 * 2367.0 / 768.0
#: Adder area (µm² per bit), Horowitz's chart: 8b add 36 µm² (4.5/bit), 32b add 137 µm² (4.3/bit).
_ADD_AREA_UM2_PER_BIT = 4.3
#: SRAM area (µm² per bit incl. periphery). Assumption: a 45 nm 6T cell is ≈ 0.35 µm²
#: (Intel 45 nm, IEDM 2007: 0.346 µm²); with ≈ 50% array efficiency (decoders, sense amps,
#: redundancy) a macro costs ≈ 0.7 µm² per bit (1 MB ≈ 5.9 mm²).
SRAM_UM2_PER_BIT = 0.7
#: Register-file area (µm² per bit). Assumption: two read ports and one write port roughly
#: double the cell and periphery of a single-port SRAM.
REGISTER_FILE_UM2_PER_BIT = 1.4
#: Per-PE fixed area (mm²): control, instruction buffer, network-on-chip router. Assumption.
PE_OVERHEAD_MM2 = 0.05
#: Per-lane fixed area (mm²): operand crossbar, address generators. Assumption.
LANE_OVERHEAD_MM2 = 0.005
#: Off-chip interface area (mm² per Gbit/s). Assumption: a 45 nm SerDes/DDR PHY of
#: ≈ 0.3 mm² per 10 Gbit/s lane.
IO_MM2_PER_GBPS = 0.03
#: Fixed chip area (mm²): host interface, DMA engine, clocking. Assumption.
CHIP_OVERHEAD_MM2 = 0.5
#: Leakage power density (mW per mm²). Assumption: an edge chip uses a 45 nm low-power process
#: and its die is mostly SRAM (≈ 1 nW/bit or less at 0.7 µm²/bit ≈ 1.4 mW/mm²); logic leaks more,
#: so we take 2 mW/mm² for the whole die.
LEAKAGE_MW_PER_MM2 = 2.0


def mult_area_um2(bits) -> np.ndarray:
    """Area (µm²) of a ``bits``×``bits`` fixed-point multiplier (quadratic in bits)."""
    b = _float(bits)
    return _MULT_AREA_A_UM2 * b * b + _MULT_AREA_B_UM2 * b


def add_area_um2(bits) -> np.ndarray:
    """Area (µm²) of a ``bits``-bit adder."""
    return _ADD_AREA_UM2_PER_BIT * _float(bits)
