"""Systolic template: agreement with SCALE-Sim 3.0.0 (committed fixture) and model properties."""

from __future__ import annotations

import csv
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from evo_cosearch.errors import EvoCosearchError
from evo_cosearch.hardware import technology as tech
from evo_cosearch.hardware.systolic import simulate_systolic, systolic_compute_cycles
from evo_cosearch.io.topology import COLUMNS, parse_topology
from evo_cosearch.space import LayerSpec, NetworkSpec, StageSpec
from evo_cosearch.workload import ADD, POOL, LayerArrays, spec_workload

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HEADER = ", ".join(COLUMNS) + ","


def _fixture() -> list[dict]:
    with (FIXTURES / "scalesim_cycles.csv").open() as f:
        return list(csv.DictReader(f))


def _topology(records: list[dict]) -> LayerArrays:
    seen = {}
    for r in records:
        seen.setdefault(r["layer"], ", ".join([r["layer"]] + [r[k] for k in (
            "ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "num_filter", "stride")]) + ",")
    return parse_topology("\n".join([HEADER, *seen.values()]) + "\n", source="fixture")


@pytest.fixture(scope="module")
def agreement():
    records = _fixture()
    layers = _topology(records)
    index = {name: j for j, name in enumerate(layers.names)}
    cache = {}
    ours = []
    for r in records:
        key = (int(r["array_rows"]), int(r["array_cols"]), r["dataflow"])
        if key not in cache:
            cache[key] = systolic_compute_cycles(layers, *key)[0][0]
        ours.append(cache[key][index[r["layer"]]])
    ref = np.array([int(r["cycles"]) for r in records], dtype=np.float64)
    return records, np.array(ours, dtype=np.float64), ref


def test_fixture_covers_the_grid(agreement):
    records, _, _ = agreement
    assert len({r["layer"] for r in records}) >= 30
    assert len({(r["array_rows"], r["array_cols"]) for r in records}) >= 5
    assert {r["dataflow"] for r in records} == {"os", "ws", "is"}
    assert any(r["depthwise"] == "1" for r in records)


@pytest.mark.parametrize("dataflow", ["overall", "os", "ws", "is"])
def test_cycles_agree_with_scalesim(agreement, dataflow):
    records, ours, ref = agreement
    mask = np.array([dataflow in ("overall", r["dataflow"]) for r in records])
    err = np.abs(ours[mask] - ref[mask]) / ref[mask]
    assert np.median(err) <= 0.02
    assert spearmanr(ours[mask], ref[mask]).statistic >= 0.99


def test_cycles_match_scalesim_exactly(agreement):
    _, ours, ref = agreement
    np.testing.assert_array_equal(ours, ref)


def _one(text: str) -> LayerArrays:
    return parse_topology(f"{HEADER}\n{text}\n")


def test_hand_computed_folds_and_fill_drain():
    # 28x28 out (padded 30, k3, s1), 40 channels, 80 filters on an 8x16 array
    la = _one("c, 30, 30, 3, 3, 40, 80, 1,")
    px, window, filters = 28 * 28, 9 * 40, 80
    expected = {
        "os": -(-px // 8) * -(-filters // 16) * (window + 8 + 16 - 2) - 1,
        "ws": -(-window // 8) * -(-filters // 16) * (px + 2 * 8 + 16 - 2) - 1,
        "is": -(-window // 8) * -(-px // 16) * (filters + 2 * 8 + 16 - 2) - 1,
    }
    for df, cycles in expected.items():
        got, util = systolic_compute_cycles(la, 8, 16, df)
        assert got[0, 0] == cycles
        assert util[0, 0] == pytest.approx(px * window * filters / (cycles * 8 * 16))


def test_depthwise_is_groups_times_one_channel_layer():
    dw = _one("DPdw, 18, 18, 5, 5, 24, 2, 1,")
    one = _one("single, 18, 18, 5, 5, 1, 2, 1,")
    for df in ("os", "ws", "is"):
        assert systolic_compute_cycles(dw, 16, 8, df)[0][0, 0] == 24 * systolic_compute_cycles(one, 16, 8, df)[0][0, 0]


def test_ofmap_rounding_only_matters_for_uneven_strides():
    even = _one("c, 15, 15, 3, 3, 8, 8, 2,")    # (15-3) % 2 == 0
    uneven = _one("c, 16, 16, 3, 3, 8, 8, 2,")  # SCALE-Sim: ceil(13/2)+1 = 8 rows, floor: 7
    for df in ("os", "ws", "is"):
        a = systolic_compute_cycles(even, 8, 8, df)[0]
        assert (a == systolic_compute_cycles(even, 8, 8, df, ofmap_rounding="floor")[0]).all()
        b = systolic_compute_cycles(uneven, 8, 8, df)[0]
        assert (b > systolic_compute_cycles(uneven, 8, 8, df, ofmap_rounding="floor")[0]).all()


def _workload() -> LayerArrays:
    net = NetworkSpec(in_channels=3, in_size=16, num_classes=10, stem_width=8, stem_stride=1, edge_bits=8,
                      stages=(StageSpec(depth=2, width=8, stride=1,
                                        layers=(LayerSpec(3, 3, "mbconv", 4, 8), LayerSpec(5, 1, "mbconv", 8, 8))),))
    return spec_workload(net)


def test_non_mac_layers_take_no_cycles_and_population_is_vectorised():
    one = _workload()
    two = LayerArrays(**{f.name: (np.concatenate([getattr(one, f.name)] * 2) if f.name != "names" else one.names)
                         for f in fields(LayerArrays)})
    cycles, util = systolic_compute_cycles(two, np.array([8, 32]), np.array([16, 4]), "ws")
    nonmac = np.isin(two.kind, (ADD, POOL)) | ~two.active
    assert (cycles[nonmac] == 0).all() and (util[nonmac] == 0).all() and (cycles[~nonmac] > 0).all()
    assert (cycles[0] == systolic_compute_cycles(one, 8, 16, "ws")[0][0]).all()
    assert (cycles[1] == systolic_compute_cycles(one, 32, 4, "ws")[0][0]).all()
    assert (util <= 1).all()


@pytest.mark.parametrize("args", [(8, 8, "rs"), (8, 8, "OS"), (0, 8, "os"), (8, -1, "ws")])
def test_bad_dataflow_or_array_raises(args):
    with pytest.raises(EvoCosearchError):
        systolic_compute_cycles(_workload(), *args)


def test_simulate_latency_energy_and_sram_capacity():
    la = _workload()
    small = simulate_systolic(la, 16, 16, "os", 1, 1, 1)
    big = simulate_systolic(la, 16, 16, "os", 4096, 4096, 4096)
    np.testing.assert_allclose(small.layer_latency_ms, small.cycles / (tech.CLOCK_GHZ * 1e6))
    assert small.latency_ms[0] == pytest.approx(small.layer_latency_ms.sum())
    assert small.energy_uj[0] == pytest.approx(small.layer_energy_uj.sum())
    # stride-1 'same' layers: SCALE-Sim's output rounding equals the true size, so MACs agree
    np.testing.assert_allclose(small.mac_energy_uj, la.macs * tech.mac_energy_pj(la.w_bits, la.a_bits) * 1e-6)
    # tiny SRAMs spill to DRAM; huge ones move every operand once but cost more per access
    assert (small.dram_bits >= big.dram_bits).all() and small.dram_bits.sum() > big.dram_bits.sum()
    assert (big.sram_energy_uj >= small.sram_energy_uj).all()
    assert (small.layer_energy_uj[small.cycles == 0] == 0).all()
