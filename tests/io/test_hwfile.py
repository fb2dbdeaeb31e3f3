"""Edge-template HW JSON validation and SCALE-Sim config writing."""

from __future__ import annotations

import configparser
import json

import pytest

from evo_cosearch.errors import InputError
from evo_cosearch.io.hwfile import (
    hw_arrays, parse_hw, read_hw_json, scalesim_config_text, scalesim_equivalent, write_scalesim_config,
)
from evo_cosearch.space import AcceleratorSpec

GOOD = dict(pes_x=4, pes_y=2, simd_units=64, compute_lanes=4, local_memory_mb=0.5, register_file_kb=32,
            io_bandwidth_gbps=10, mac_bits=8)


def test_good_file_gives_spec_and_arrays(tmp_path):
    path = tmp_path / "hw.json"
    path.write_text(json.dumps(GOOD))
    spec = read_hw_json(path)
    assert spec == AcceleratorSpec(**GOOD)
    assert isinstance(spec.local_memory_mb, float) and isinstance(spec.pes_x, int)
    arr = hw_arrays(spec)
    assert arr.n == 1 and arr.spec(0) == spec
    design = tmp_path / "design.json"  # what `select --export` writes: its accelerator is read
    design.write_text(json.dumps({"id": 3, "network": {}, "accelerator": GOOD, "metrics": {}}))
    assert read_hw_json(design) == spec
    design.write_text(json.dumps({"id": 3, "network": {}, "accelerator": {**GOOD, "pes_x": 16}}))
    assert read_hw_json(design).pes_x == 16  # a value a problem file added to the table
    design.write_text(json.dumps({"id": 3, "network": {}, "accelerator": {**GOOD, "pes_x": 0}}))
    with pytest.raises(InputError, match="pes_x=0 must be a positive integer"):
        read_hw_json(design)


@pytest.mark.parametrize("change, needle", [
    ({"pes_z": 2}, "unknown key 'pes_z'"),
    ({"pes_x": 2.5}, "pes_x=2.5 must be a positive integer"),
    ({"local_memory_mb": -1.5}, "local_memory_mb=-1.5 must be a positive number"),
    ({"io_bandwidth_gbps": float("inf")}, "io_bandwidth_gbps=inf must be a positive number"),
    ({"local_memory_mb": 1e-200}, "local_memory_mb=1e-200 is outside 0.001 .. 1e+06"),
    ({"pes_x": 10**7}, "pes_x=10000000 is outside 0.001 .. 1e+06"),
    ({"mac_bits": "8"}, "mac_bits='8' is not a number"),
    ({"simd_units": True}, "simd_units=True is not a number"),
])
def test_bad_values_name_file_field_value(tmp_path, change, needle):
    path = tmp_path / "hw.json"
    path.write_text(json.dumps({**GOOD, **change}))
    with pytest.raises(InputError) as exc:
        read_hw_json(path)
    assert str(exc.value).startswith(f"{path}: ") and needle in str(exc.value)


def test_a_file_saved_with_a_byte_order_mark_reads_as_without(tmp_path):
    """A Windows editor's UTF-8 starts the file with one; it was 'invalid JSON at line 1 column 1'."""
    path = tmp_path / "hw.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    assert read_hw_json(path) == AcceleratorSpec(**GOOD)


def test_missing_key_invalid_json_and_not_an_object(tmp_path):
    with pytest.raises(InputError, match="missing key 'mac_bits'"):
        parse_hw({k: v for k, v in GOOD.items() if k != "mac_bits"}, source="x.json")
    with pytest.raises(InputError, match="must be a JSON object"):
        parse_hw([1, 2], source="x.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\"pes_x\": 4,")
    with pytest.raises(InputError, match="bad.json: invalid JSON at line 1"):
        read_hw_json(bad)
    with pytest.raises(InputError, match="hardware file not found"):
        read_hw_json(tmp_path / "none.json")


def test_scalesim_config_has_every_key_scalesim_reads(tmp_path):
    path = tmp_path / "scale.cfg"
    text = write_scalesim_config(path, 32, 16, "is", 512, 256, 128)
    assert path.read_text() == text
    cfg = configparser.ConfigParser()
    cfg.read_string(text)
    arch = cfg["architecture_presets"]
    assert (arch["ArrayHeight"], arch["ArrayWidth"], arch["Dataflow"]) == ("32", "16", "is")
    assert (arch["IfmapSramSzkB"], arch["FilterSramSzkB"], arch["OfmapSramSzkB"]) == ("512", "256", "128")
    for key in ("IfmapOffset", "FilterOffset", "OfmapOffset", "ReadRequestBuffer", "WriteRequestBuffer"):
        assert int(arch[key]) >= 0
    assert cfg["run_presets"]["InterfaceBandwidth"] == "CALC"
    assert cfg["layout"]["IfmapCustomLayout"] == "False" and cfg["sparsity"]["SparsitySupport"] == "False"
    assert not cfg.has_section("network_presets")  # SCALE-Sim 3.0.0 misreads that section
    user = configparser.ConfigParser()
    user.read_string(scalesim_config_text(8, 8, "os", 64, 64, 64, bandwidth=4))
    assert user["run_presets"]["InterfaceBandwidth"] == "USER" and user["architecture_presets"]["Bandwidth"] == "4"


@pytest.mark.parametrize("kwargs, needle", [
    (dict(rows=0), "rows=0"), (dict(cols=2.5), "cols=2.5"), (dict(dataflow="rs"), "dataflow 'rs'"),
    (dict(ifmap_sram_kb=-1), "ifmap_sram_kb=-1"), (dict(bandwidth=0), "bandwidth=0"),
])
def test_scalesim_config_rejects_bad_arguments(kwargs, needle):
    args = dict(rows=8, cols=8, dataflow="ws", ifmap_sram_kb=64, filter_sram_kb=64, ofmap_sram_kb=64)
    with pytest.raises(InputError, match=needle):
        scalesim_config_text(**{**args, **kwargs})


def test_scalesim_equivalent_keeps_the_mac_count_and_memory():
    spec = AcceleratorSpec(**GOOD)
    cfg = scalesim_equivalent(spec)
    assert cfg.rows * cfg.cols == spec.pes_x * spec.pes_y * spec.compute_lanes * spec.simd_units
    assert (cfg.rows, cfg.cols, cfg.dataflow) == (8, 256, "ws")
    total_kb = cfg.ifmap_sram_kb + cfg.filter_sram_kb + cfg.ofmap_sram_kb
    assert total_kb == pytest.approx(spec.pes_x * spec.pes_y * spec.local_memory_mb * 1024, abs=3)
    assert cfg.bandwidth_words >= 1
    scalesim_config_text(cfg.rows, cfg.cols, cfg.dataflow, cfg.ifmap_sram_kb, cfg.filter_sram_kb,
                         cfg.ofmap_sram_kb, bandwidth=cfg.bandwidth_words)


def test_every_corner_of_the_allowed_range_simulates_to_finite_figures():
    import itertools

    import numpy as np

    from evo_cosearch.hardware import simulate
    from evo_cosearch.io.hwfile import hw_arrays, parse_hw
    from evo_cosearch.space import ACCELERATOR_RANGE, ACCELERATOR_TABLE
    from evo_cosearch.workload import spec_workload
    from evo_cosearch.problem import load_problem
    from pathlib import Path

    p = load_problem(Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml")
    layers = spec_workload(p.network.largest())
    real = ("local_memory_mb", "io_bandwidth_gbps")
    low, high = ACCELERATOR_RANGE
    for corner in itertools.product((0, 1), repeat=len(ACCELERATOR_TABLE)):
        hw = {k: (high if c else (low if k in real else 1)) for k, c in zip(ACCELERATOR_TABLE, corner)}
        m = simulate(layers, hw_arrays(parse_hw({k: v if k in real else int(v) for k, v in hw.items()})))
        for v in (m.latency_ms, m.energy_uj, m.area_mm2):
            assert np.isfinite(v).all() and (np.asarray(v) > 0).all(), hw
