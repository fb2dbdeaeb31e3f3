"""MAC energy by operand quantizer types, and what it does to whole simulated designs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.hardware import simulate
from evo_cosearch.hardware import technology as tech
from evo_cosearch.hardware.mac import elementwise_energy_pj, typed_mac_energy_pj
from evo_cosearch.hardware.systolic import simulate_systolic
from evo_cosearch.problem import load_problem
from evo_cosearch.space.quant import BINARY, FIXED, FLOAT, TERNARY, parse_quantizer
from evo_cosearch.workload import CONV

ROOT = Path(__file__).resolve().parents[2]
QUANTIZERS = ["binary", "ternary", 2, 4, 6, 8, "po2_4", "fp16"]


def mac_pj(w, a, acc=16) -> float:
    return float(typed_mac_energy_pj(*parse_quantizer(w), *parse_quantizer(a), acc))


def test_fixed_point_with_product_wide_accumulator_is_the_old_mac():
    bits = np.arange(1, 17, dtype=np.float32)
    w, a = np.meshgrid(bits, bits)
    zero = np.zeros_like(w)
    np.testing.assert_array_equal(typed_mac_energy_pj(zero, w, zero, a, zero), tech.mac_energy_pj(w, a))
    assert typed_mac_energy_pj(zero, w, zero, a).dtype == np.float32
    assert mac_pj(8, 8, acc=16) == pytest.approx(tech.mac_energy_pj(8))  # 8x8 products are 16 bits wide


def test_operand_types_price_as_the_reference_says():
    add16 = float(tech.add_energy_pj(16))
    assert mac_pj("binary", "binary") == pytest.approx(tech.XNOR_PJ + tech.POPCOUNT_PJ_PER_BIT)
    for other in ("ternary", 2, 8, "po2_4"):  # a ±1 / 0 operand: add/sub into the accumulator
        assert mac_pj("ternary", other) == pytest.approx(add16) == pytest.approx(mac_pj(other, "ternary"))
        assert mac_pj("binary", other) == pytest.approx(add16)
    assert mac_pj("po2_4", 8) == pytest.approx(float(tech.shift_energy_pj(8, 3)) + add16)  # shift 8 bits, 3 stages
    assert mac_pj("po2_4", "po2_4") == pytest.approx(float(tech.add_energy_pj(3)) + add16)
    assert mac_pj("fp16", "fp16") == pytest.approx(tech.FP16_MULT_PJ + tech.FP16_ADD_PJ) == mac_pj("fp16", 8)
    assert mac_pj("fp16", "binary") == pytest.approx(tech.FP16_ADD_PJ)
    assert mac_pj(6, 4) == pytest.approx(float(tech.mult_energy_pj(6, 4)) + add16)


def test_ordering_binary_ternary_po2_fixed_fp16():
    same = [mac_pj(q, q) for q in ("binary", "ternary", "po2_4", 8, "fp16")]
    assert same == sorted(same) and len(set(same)) == len(same)
    assert mac_pj("ternary", 8) < mac_pj("po2_4", 8) < mac_pj(8, 8) < mac_pj("fp16", 8)
    assert mac_pj("binary", 8) <= mac_pj("ternary", 8)


@pytest.mark.parametrize("other", QUANTIZERS)
def test_fixed_point_energy_grows_with_bits_against_any_operand(other):
    energies = [mac_pj(b, other) for b in (2, 4, 6, 8)]
    assert energies == sorted(energies)
    assert all(mac_pj(b, other) == pytest.approx(mac_pj(other, b)) for b in (2, 4, 6, 8))  # symmetric


def test_energy_grows_with_the_accumulator():
    for w, a in [("binary", 8), ("po2_4", 4), (8, 8), ("ternary", "ternary")]:
        assert mac_pj(w, a, acc=16) < mac_pj(w, a, acc=32)


def test_elementwise_adds_of_fp16_are_fp16_adds():
    e = elementwise_energy_pj(np.array([FIXED, FLOAT, TERNARY]), np.array([8.0, 16.0, 2.0], np.float32))
    np.testing.assert_allclose(e, [tech.add_energy_pj(8), tech.FP16_ADD_PJ, tech.add_energy_pj(2)], rtol=1e-6)


# -- whole designs ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def aq():
    return load_problem(ROOT / "problems" / "autoqkeras_fashion_mnist.yaml")


def _all(p, q) -> np.ndarray:
    """The reference genome with every conv's weight and activation quantizer set to ``q``."""
    x = np.array(p.reference)
    for g in p.space.genes:
        if g.name.endswith((".w_bits", ".a_bits")):
            x[p.space.index_of(g.name)] = g.values.index(q)
    return x


def test_whole_design_energy_orders_the_quantizers(aq):
    X = np.stack([_all(aq, q) for q in ("binary", "ternary", 4, 8, "fp16")])
    energy = simulate(aq.workload(X), aq.accelerator_arrays(X)).energy_uj
    assert np.all(np.diff(energy) > 0), energy
    ref = simulate(aq.workload(np.array(aq.reference)[None]), aq.accelerator_arrays(np.array(aq.reference)[None]))
    assert ref.energy_uj[0] == pytest.approx(energy[3])  # the reference is the all-8-bit design


def test_quantizer_kinds_reach_the_simulator(aq):
    x = _all(aq, "binary")[None]
    la = aq.workload(x)
    conv = la.active[0] & (la.kind[0] == CONV)
    assert np.all(la.w_quant[0, conv] == BINARY) and np.all(la.a_bits[0, conv] == 1)
    assert np.all(la.acc_bits[0, la.active[0]] == 16)
    # the same shapes and bits as fixed point 1-bit would cost more (a 1x1 multiply + a wider add)
    fixed = replace(la, w_quant=np.zeros_like(la.w_quant), a_quant=np.zeros_like(la.a_quant))
    acc = aq.accelerator_arrays(x)
    assert simulate(la, acc).energy_uj[0] < simulate(fixed, acc).energy_uj[0]


def test_fixed_point_designs_do_not_change_with_quantizer_fields():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    X = p.space.sample(64, np.random.default_rng(0))
    la = p.workload(X)
    assert not la.w_quant.any() and not la.a_quant.any() and not la.acc_bits.any()
    bare = type(la)(**{k: getattr(la, k) for k in ("kind", "active", "in_h", "in_w", "in_c", "out_h", "out_w",
                                                     "out_c", "kernel_h", "kernel_w", "stride", "groups",
                                                     "w_bits", "a_bits")})
    acc = p.accelerator_arrays(X)
    np.testing.assert_array_equal(simulate(la, acc).energy_uj, simulate(bare, acc).energy_uj)


def test_systolic_template_prices_the_same_macs(aq):
    X = np.stack([_all(aq, q) for q in ("binary", 8, "fp16")])
    la = aq.workload(X)
    m = simulate_systolic(la, 16, 16, "ws", 64, 64, 64, ofmap_rounding="floor")
    mac_uj = (la.macs * typed_mac_energy_pj(la.w_quant, la.w_bits, la.a_quant, la.a_bits, la.acc_bits)).sum(1) * 1e-6
    np.testing.assert_allclose(m.mac_energy_uj.sum(1), mac_uj, rtol=1e-9)
    assert np.all(np.diff(m.mac_energy_uj.sum(1)) > 0)

