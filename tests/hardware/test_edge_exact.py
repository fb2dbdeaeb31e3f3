"""Edge simulator: hand-computed cycles, traffic, area and energy on tiny designs."""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
import pytest

from evo_cosearch.hardware import HardwareMetrics, simulate
from evo_cosearch.hardware import technology as tech
from evo_cosearch.hardware.area import ACC_GUARD_BITS, area_mm2
from evo_cosearch.space.accelerator import AcceleratorArrays
from evo_cosearch.workload import ADD, DW, POOL, PW, LayerArrays


def one_layer(kind=PW, *, h=8, in_c=32, out_c=16, k=1, s=1, groups=1, w_bits=8, a_bits=8, out_h=None) -> LayerArrays:
    out_h = (h + 2 * (k // 2) - k) // s + 1 if out_h is None else out_h
    a = lambda v: np.array([[v]], dtype=np.int64)  # noqa: E731
    return LayerArrays(kind=a(kind), active=np.array([[True]]), in_h=a(h), in_w=a(h), in_c=a(in_c), out_h=a(out_h),
                       out_w=a(out_h), out_c=a(out_c), kernel_h=a(k), kernel_w=a(k), stride=a(s), groups=a(groups),
                       w_bits=a(w_bits), a_bits=a(a_bits))


def accel(**kw) -> AcceleratorArrays:
    base = dict(pes_x=1, pes_y=1, simd_units=16, compute_lanes=1, local_memory_mb=0.5, register_file_kb=8,
                io_bandwidth_gbps=10, mac_bits=8)
    base.update(kw)
    return AcceleratorArrays(**{k: np.array([float(v)]) for k, v in base.items()})


def test_pointwise_on_one_pe_one_lane_16_simd_by_hand():
    m = simulate(one_layer(), accel())
    # ceil(32/16) reduction steps x 16 output channels on 1 lane x 64 pixels on 1 PE row
    assert m.compute_cycles[0, 0] == 2 * 16 * 64 == 2048
    assert m.utilization[0, 0] == pytest.approx(1.0)
    # weights resident (0.5 MB): DRAM moves the input (8*8*32*8 b) and the output (8*8*16*8 b)
    assert m.resident[0]
    assert m.dram_bytes[0] == (8 * 8 * 32 + 8 * 8 * 16)
    # DRAM time 24576 b * 0.8 GHz / 10 Gb/s = 1966.08 cycles < compute: compute-bound
    assert m.cycles[0, 0] == 2048 + tech.LAYER_OVERHEAD_CYCLES
    assert m.latency_ms[0] == pytest.approx(2112 / 0.8e6, rel=1e-6)


def test_io_bound_layer_waits_for_dram():
    m = simulate(one_layer(), accel(io_bandwidth_gbps=5))  # 24576 * 0.8 / 5 = 3932.16 cycles
    assert m.cycles[0, 0] == pytest.approx(3932.16 + 64, rel=1e-6)
    assert m.compute_cycles[0, 0] == 2048


def test_precision_packs_narrow_operands_and_splits_wide_ones():
    assert simulate(one_layer(w_bits=4, a_bits=4), accel()).compute_cycles[0, 0] == 1024  # 2 MACs per unit
    assert simulate(one_layer(w_bits=2, a_bits=4), accel()).compute_cycles[0, 0] == 1024  # b = max = 4
    assert simulate(one_layer(w_bits=6, a_bits=6), accel()).compute_cycles[0, 0] == 2048  # floor(8/6) = 1
    assert simulate(one_layer(w_bits=16, a_bits=8), accel()).compute_cycles[0, 0] == 2 * 2048  # 2 x 1 passes
    assert simulate(one_layer(w_bits=16, a_bits=16), accel()).compute_cycles[0, 0] == 4 * 2048
    assert simulate(one_layer(w_bits=16, a_bits=16), accel(mac_bits=16)).compute_cycles[0, 0] == 2048


def test_ragged_channels_leave_simd_slots_idle():
    m = simulate(one_layer(in_c=20), accel())
    assert m.compute_cycles[0, 0] == 2 * 16 * 64  # ceil(20/16) = 2 steps
    assert m.utilization[0, 0] == pytest.approx(20 / 32)


def test_spatial_unrolling_over_pes_and_lanes():
    m = simulate(one_layer(), accel(pes_x=2, pes_y=4, compute_lanes=4))
    # out_c 16 over 2*4 = 8 -> 2 steps; 64 pixels over 4 rows -> 16 steps
    assert m.compute_cycles[0, 0] == 2 * 2 * 16


def test_depthwise_is_poorly_utilised_on_wide_simd():
    dw = one_layer(DW, h=16, in_c=64, out_c=64, k=3, groups=64)
    pw = one_layer(PW, h=16, in_c=72, out_c=8)
    assert dw.macs[0, 0] == pw.macs[0, 0] == 16 * 16 * 64 * 9
    acc = accel(simd_units=128)
    m_dw, m_pw = simulate(dw, acc), simulate(pw, acc)
    assert m_dw.utilization[0, 0] == pytest.approx(1 / 128)  # one channel per group fills 1 of 128
    assert m_pw.utilization[0, 0] == pytest.approx(72 / 128)
    assert m_dw.compute_cycles[0, 0] > 10 * m_pw.compute_cycles[0, 0]


def test_elementwise_layers_use_simd_adds():
    add = one_layer(ADD, h=8, in_c=16, out_c=16)
    pool = one_layer(POOL, h=7, in_c=40, out_c=40, k=7, groups=40, out_h=1)
    acc = accel(simd_units=32)
    assert simulate(add, acc).compute_cycles[0, 0] == np.ceil(8 * 8 * 16 / 32)
    assert simulate(pool, acc).compute_cycles[0, 0] == np.ceil(7 * 7 * 40 / 32)


def test_weights_that_do_not_fit_stream_from_dram():
    big = one_layer(PW, h=2, in_c=1024, out_c=1024)  # 1 Mi weights x 8 b = 1 MB > 0.5 MB
    m = simulate(big, accel())
    assert not m.resident[0]
    weight_bits = 1024 * 1024 * 8 + 1024 * tech.BIAS_BITS
    io_bits = (2 * 2 * 1024 + 2 * 2 * 1024) * 8
    assert m.dram_bytes[0] * 8 == weight_bits + io_bits
    assert simulate(big, accel(local_memory_mb=4)).resident[0]


def test_area_by_hand():
    mac_um2 = (2367 / 768) * 64 + (282 / 8 - 8 * 2367 / 768) * 8 + 4.3 * (16 + ACC_GUARD_BITS)
    lane = 16 * mac_um2 * 1e-6 + 8 * 8192 * tech.REGISTER_FILE_UM2_PER_BIT * 1e-6 + tech.LANE_OVERHEAD_MM2
    pe = lane + 0.5 * 8 * 2**20 * tech.SRAM_UM2_PER_BIT * 1e-6 + tech.PE_OVERHEAD_MM2
    expected = pe + 10 * tech.IO_MM2_PER_GBPS + tech.CHIP_OVERHEAD_MM2
    assert area_mm2(accel())[0] == pytest.approx(expected)
    assert mac_um2 == pytest.approx(282 + 4.3 * 24)


def test_energy_is_the_sum_of_its_documented_parts():
    layer, acc = one_layer(), accel()
    m = simulate(layer, acc)
    macs = 8 * 8 * 16 * 32
    mac_pj = macs * (0.003 * 64 + 0.0005 * 16 + 0.0031 * 16)
    pixels_per_pe = 64
    rf_bits = macs * (8 + 8 / pixels_per_pe)
    weight_bits = 32 * 16 * 8 + 16 * tech.BIAS_BITS
    ifmap_bits, ofmap_bits, dram_bits = 8 * 8 * 32 * 8, 8 * 8 * 16 * 8, m.dram_bytes[0] * 8
    # weights read once (1 PE row, filter fits the register file); ifmap once per 16 channel steps
    lm_bits = weight_bits * 1 + ifmap_bits * 16 + ofmap_bits + dram_bits
    dynamic_pj = (mac_pj + rf_bits * tech.register_file_energy_pj_per_bit(8)
                  + lm_bits * tech.sram_energy_pj_per_bit(512) + dram_bits * tech.DRAM_PJ_PER_BIT)
    leak_uj = tech.LEAKAGE_MW_PER_MM2 * m.area_mm2[0] * m.latency_ms[0]
    assert m.energy_uj[0] == pytest.approx(dynamic_pj * 1e-6 + leak_uj, rel=1e-5)


def test_inactive_network_costs_nothing_but_metrics_shape_holds():
    layer = replace(one_layer(), active=np.array([[False]]))
    m = simulate(layer, accel())
    assert isinstance(m, HardwareMetrics) and m.n == 1
    assert m.latency_ms[0] == 0 and m.energy_uj[0] == 0 and m.dram_bytes[0] == 0 and m.area_mm2[0] > 0


def test_population_size_mismatch_is_rejected():
    one = one_layer()
    two = AcceleratorArrays(**{f.name: np.repeat(getattr(accel(), f.name), 2) for f in fields(AcceleratorArrays)})
    three_nets = LayerArrays(**{f.name: np.repeat(getattr(one, f.name), 3, axis=0)
                                for f in fields(LayerArrays) if f.name != "names"})
    with pytest.raises(ValueError, match="need 1 or 2"):
        simulate(three_nets, two)
