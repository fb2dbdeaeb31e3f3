"""simulation: ``simulate`` from Python (its library function), its result as the CLI prints it."""

from __future__ import annotations

import json
import re
from dataclasses import FrozenInstanceError, astuple

import pytest

from evo_cosearch.cli import main
from evo_cosearch.errors import InputError
from evo_cosearch.problem import load_problem
from evo_cosearch.simulation import CSV_COLUMNS, simulate_files, simulation_text

TOPOLOGY = """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
conv1, 16, 16, 3, 3, 8, 20, 1,
pw, 7, 7, 1, 1, 40, 24, 2,
"""


@pytest.fixture
def topology(tmp_path):
    path = tmp_path / "net.csv"
    path.write_text(TOPOLOGY)
    return path


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_simulate_files_is_what_the_cli_prints(topology, capsys, fmt):
    sim = simulate_files(topology=topology, array="8x16", dataflow="os", filter_sram_kb=64)
    assert [r.layer for r in sim.layers] == ["conv1", "pw"] and sim.hardware["filter_sram_kb"] == 64
    assert sim.totals.macs == sum(r.macs for r in sim.layers) and sim.totals.area_mm2 is None  # systolic: no area
    assert main(["simulate", "--topology", str(topology), "--array", "8x16", "--dataflow", "os",
                 "--filter-sram-kb", "64", "--format", fmt]) == 0
    assert capsys.readouterr().out == simulation_text(sim, fmt)


def test_a_genome_may_be_a_sequence_and_the_problem_a_problem():
    problem = load_problem("demo_digits")
    zeros = [0] * problem.space.n_var
    sim = simulate_files(problem=problem, genome=zeros)
    assert sim.hardware["template"] == "edge" and sim.totals.macs > 0 and sim.totals.area_mm2 > 0
    assert json.loads(simulation_text(sim, "json")) == json.loads(simulation_text(
        simulate_files(problem="demo_digits", genome=",".join(map(str, zeros))), "json"))


def test_an_sram_of_zero_kb_is_refused_not_taken_for_the_default(topology):
    with pytest.raises(InputError, match="ofmap_sram_kb 0: must be at least 1 kB"):
        simulate_files(topology=topology, array="8x8", dataflow="os", ofmap_sram_kb=0)


@pytest.mark.parametrize("kb", [1.9, True, [64], float("inf"), float("nan"), "1.5"])
def test_an_sram_of_no_whole_number_of_kb_is_refused_not_truncated(topology, kb):
    with pytest.raises(InputError, match=rf"^ifmap_sram_kb {re.escape(repr(kb))}: not an integer number of kB$"):
        simulate_files(topology=topology, array="8x8", dataflow="os", ifmap_sram_kb=kb)
    sim = simulate_files(topology=topology, array="8x8", dataflow="os", ifmap_sram_kb=64.0)
    assert sim.hardware["ifmap_sram_kb"] == 64 and type(sim.hardware["ifmap_sram_kb"]) is int


@pytest.mark.parametrize("kwargs,python,cli", [
    (dict(array="8x8"), "simulate: give either topology='FILE.csv' or problem='FILE' genome='I,J,...' "
                        "(or hw='design.json' alone)",
     "simulate: give either --topology FILE.csv or --problem FILE --genome I,J,... (or --hw design.json alone)"),
    (dict(topology="T", dataflow="os", hw="H"), "simulate: dataflow applies to array only",
     "simulate: --dataflow applies to --array only"),
    (dict(topology="T", array="8y8", dataflow="os"), "array '8y8': expected ROWSxCOLS",
     "--array '8y8': expected ROWSxCOLS"),
    (dict(topology="T", array="8x8", dataflow="os", filter_sram_kb="a"),
     "filter_sram_kb 'a': not an integer number of kB", "--filter-sram-kb 'a': not an integer number of kB"),
])
def test_errors_name_parameters_from_python_and_flags_from_the_cli(topology, tmp_path, capsys, kwargs, python, cli):
    (tmp_path / "hw.json").write_text(json.dumps(dict(pes_x=2, pes_y=2, simd_units=32, compute_lanes=2,
                                                      local_memory_mb=1, register_file_kb=16, io_bandwidth_gbps=10,
                                                      mac_bits=8)))
    paths = {"T": str(topology), "H": str(tmp_path / "hw.json")}
    kwargs = {k: paths.get(v, v) for k, v in kwargs.items()}
    with pytest.raises(InputError) as exc:
        simulate_files(**kwargs)
    assert str(exc.value).startswith(python)
    argv = [w for k, v in kwargs.items() for w in (f"--{k.replace('_', '-')}", v)]
    assert main(["simulate", *argv]) == 2
    assert capsys.readouterr().err.startswith(f"error: {cli}")


def test_a_json_that_is_no_design_names_the_workload_arguments_as_the_caller_does(tmp_path, capsys):
    """read_design_workload and a --genome design.json named the flags from Python too."""
    hw = tmp_path / "hw.json"
    hw.write_text(json.dumps({"pes_x": 2}))
    with pytest.raises(InputError, match=r"give topology='FILE.csv' or problem='FILE' genome='I,J,...' for the "
                                         "workload$"):
        simulate_files(hw=hw)
    with pytest.raises(InputError, match=r"no network object\); genome takes I,J,... or an exported design.json$"):
        simulate_files(problem="demo_digits", genome=hw)
    assert main(["simulate", "--hw", str(hw)]) == 2
    assert capsys.readouterr().err.endswith("; give --topology FILE.csv or --problem FILE --genome I,J,... for the "
                                            "workload\n")
    assert main(["simulate", "--problem", "demo_digits", "--genome", str(hw)]) == 2
    assert capsys.readouterr().err.endswith("; --genome takes I,J,... or an exported design.json\n")


def test_the_result_is_typed_and_its_json_keeps_only_what_the_template_models(topology):
    edge = simulate_files(problem="demo_digits", genome=[0] * load_problem("demo_digits").space.n_var)
    systolic = simulate_files(topology=topology, array="8x8", dataflow="ws")
    assert list(json.loads(simulation_text(edge, "json"))["totals"]) == [
        "macs", "cycles", "latency_ms", "energy_uj", "area_mm2", "dram_bytes"]
    data = json.loads(simulation_text(systolic, "json"))
    assert list(data["totals"]) == ["macs", "cycles", "latency_ms", "energy_uj"]  # no area, no DRAM traffic
    assert data["layers"][0] == dict(zip(CSV_COLUMNS, astuple(systolic.layers[0])))
    with pytest.raises(FrozenInstanceError):
        systolic.totals.latency_ms = 0.0


def test_an_unknown_format_is_refused_not_written_as_a_table(topology):
    sim = simulate_files(topology=topology, array="8x8", dataflow="ws")
    with pytest.raises(InputError, match=r"^fmt: 'xml' is not one of table, csv, json$"):
        simulation_text(sim, "xml")
