"""``evo-cosearch simulate``: table/csv/json output, and one-line exit-2 errors for bad input."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from evo_cosearch.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "problems" / "demo_digits.yaml"
TOPOLOGY = """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
conv1, 16, 16, 3, 3, 8, 20, 1,
pw, 7, 7, 1, 1, 40, 24, 2,
DPconv, 10, 10, 3, 3, 3, 1, 1,
"""
# SCALE-Sim 3.0.0 compute cycles of these rows on an 8x16 os array (DPconv: 3 channels x 247)
SCALESIM_OS_8X16 = {"conv1": 4699, "pw": 247, "DPconv": 741}
HW = dict(pes_x=2, pes_y=2, simd_units=32, compute_lanes=2, local_memory_mb=1, register_file_kb=16,
          io_bandwidth_gbps=10, mac_bits=8)


@pytest.fixture
def files(tmp_path):
    topo = tmp_path / "net.csv"
    topo.write_text(TOPOLOGY)
    hw = tmp_path / "hw.json"
    hw.write_text(json.dumps(HW))
    return topo, hw, tmp_path


def _run(capsys, argv):
    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, err


def test_csv_matches_scalesim_cycles(capsys, files):
    topo, _, _ = files
    rc, out, err = _run(capsys, ["simulate", "--topology", str(topo), "--array", "8x16", "--dataflow", "os",
                                 "--format", "csv"])
    assert rc == 0 and err == ""
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["layer"] for r in rows] == ["conv1", "pw", "DPconv"]
    assert {"layer", "cycles", "latency_ms", "energy_uj", "utilization"} <= set(rows[0])
    assert {r["layer"]: int(r["cycles"]) for r in rows} == SCALESIM_OS_8X16
    assert all(float(r["energy_uj"]) > 0 and 0 < float(r["utilization"]) <= 1 for r in rows)


def test_json_totals_are_sums_and_table_lists_layers(capsys, files):
    topo, _, _ = files
    rc, out, _ = _run(capsys, ["simulate", "--topology", str(topo), "--array", "16x16", "--dataflow", "ws",
                               "--ifmap-sram-kb", "64", "--format", "json"])
    assert rc == 0
    doc = json.loads(out)
    assert doc["hardware"]["template"] == "systolic" and doc["hardware"]["ifmap_sram_kb"] == 64
    assert len(doc["layers"]) == 3
    assert doc["totals"]["cycles"] == sum(l["cycles"] for l in doc["layers"])
    assert doc["totals"]["energy_uj"] == pytest.approx(sum(l["energy_uj"] for l in doc["layers"]))
    rc, out, _ = _run(capsys, ["simulate", "--topology", str(topo), "--array", "16x16", "--dataflow", "ws"])
    assert rc == 0 and all(name in out for name in ("conv1", "pw", "DPconv", "total"))


def test_edge_template_from_hw_json_and_from_a_genome(capsys, files):
    topo, hw, _ = files
    rc, out, _ = _run(capsys, ["simulate", "--topology", str(topo), "--hw", str(hw), "--format", "json"])
    assert rc == 0
    doc = json.loads(out)
    assert doc["hardware"]["template"] == "edge" and doc["hardware"]["pes_x"] == 2
    assert doc["totals"]["latency_ms"] > 0 and doc["totals"]["area_mm2"] > 0
    genome = ",".join(["0"] * _n_var())
    rc, out, _ = _run(capsys, ["simulate", "--problem", str(DEMO), "--genome", genome, "--format", "csv"])
    assert rc == 0
    names = [r["layer"] for r in csv.DictReader(io.StringIO(out))]
    assert names[0] == "stem" and names[-1] == "classifier"


def _n_var() -> int:
    from evo_cosearch.problem import load_problem
    return load_problem(DEMO).space.n_var


@pytest.mark.parametrize("argv, needle", [
    (["--array", "0x8", "--dataflow", "os"], "--array '0x8'"),
    (["--array", "8", "--dataflow", "os"], "expected ROWSxCOLS"),
    (["--array", "8x8", "--dataflow", "rs"], "--dataflow 'rs'"),
    (["--array", "8x8"], "needs --dataflow"),
    (["--array", "8x8", "--dataflow", "os", "--filter-sram-kb", "x"], "--filter-sram-kb 'x'"),
    ([], "--topology needs --array"),
])
def test_bad_hardware_arguments(capsys, files, argv, needle):
    topo, _, _ = files
    rc, out, err = _run(capsys, ["simulate", "--topology", str(topo), *argv])
    assert rc == 2 and out == "" and err.count("\n") == 1 and needle in err


@pytest.mark.parametrize("flag", ["--ifmap-sram-kb", "--filter-sram-kb", "--ofmap-sram-kb", "--dataflow"])
def test_systolic_only_flags_with_an_edge_accelerator_are_refused(capsys, files, flag):
    topo, hw, _ = files
    rc, out, err = _run(capsys, ["simulate", "--topology", str(topo), "--hw", str(hw), flag, "64"])
    assert rc == 2 and out == "" and f"{flag} applies to --array only" in err


def test_bad_files_and_genomes(capsys, files):
    topo, hw, tmp = files
    bad_csv = tmp / "bad.csv"
    bad_csv.write_text(TOPOLOGY.replace("40, 24", "40, x"))
    bad_hw = tmp / "bad.json"
    bad_hw.write_text(json.dumps({**HW, "pes_x": 3.5}))
    n = _n_var()
    cases = [
        (["--topology", str(bad_csv), "--array", "8x8", "--dataflow", "os"], "row 2 (line 3): Num Filter='x'"),
        (["--topology", str(topo), "--hw", str(bad_hw)], "pes_x=3.5 must be a positive integer"),
        (["--topology", str(tmp / "none.csv"), "--array", "8x8", "--dataflow", "os"], "topology file not found"),
        (["--problem", str(DEMO), "--genome", "0,1"], f"the space has {n}"),
        (["--problem", str(DEMO), "--genome", ",".join(["0"] * (n - 1) + ["99"])], "index 99 is out of range"),
        (["--problem", str(DEMO)], "--problem needs --genome"),
        (["--array", "8x8", "--dataflow", "os"], "either --topology"),
    ]
    for argv, needle in cases:
        rc, out, err = _run(capsys, ["simulate", *argv])
        assert rc == 2 and out == "" and err.count("\n") == 1 and needle in err, (argv, err)


def test_an_exported_design_alone_simulates_to_its_archived_metrics(capsys, tmp_path):
    from evo_cosearch.api import search
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem
    from evo_cosearch.select import export_design

    problem = load_problem(DEMO)
    with search(problem, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(problem),
                quiet=True) as arc:
        d = arc.designs()
        i = int((d.genome[:, problem.space.names.index("s1.l1.w_bits")] != 3).argmax())  # not 8-bit weights
        done = export_design(arc, int(d.id[i]), tmp_path / "x")
    design = json.loads(done.design_json.read_text())
    rc, out, err = _run(capsys, ["simulate", "--hw", str(done.design_json), "--format", "json"])
    assert rc == 0 and err == ""
    totals = json.loads(out)["totals"]
    for key in ("latency_ms", "energy_uj", "area_mm2"):  # the design's own bits, not the topology's 8
        assert totals[key] == pytest.approx(design["metrics"][key], rel=1e-12), key
    assert totals["macs"] == design["metrics"]["macs"]

    design["network"]["stages"] = "?"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(design))
    for argv, needle in [(["--hw", str(bad)], "network: not a network of this project"),
                         (["--hw", str(tmp_path / "x" / "nope.json")], "not found"),
                         (["--hw", str(done.design_json), "--genome", "0"], "--genome needs --problem")]:
        rc, out, err = _run(capsys, ["simulate", *argv])
        assert rc == 2 and out == "" and needle in err and err.count("\n") == 1, err
    hw_only = tmp_path / "hw.json"
    hw_only.write_text(json.dumps(HW))
    rc, out, err = _run(capsys, ["simulate", "--hw", str(hw_only)])
    assert rc == 2 and "not an exported design.json" in err


@pytest.mark.parametrize("argv, what", [
    (["--topology", "", "--array", "8x8", "--dataflow", "os"], "topology file"),
    (["--topology", "TOPO", "--hw", " "], "hardware file"),
    (["--hw", ""], "design file"),
    (["--problem", "", "--genome", "0"], "problem file"),
])
def test_an_empty_path_is_named_as_such(capsys, files, argv, what):
    # it read as the option left out ("give either --topology ...") or as the current folder (".: cannot read")
    topo, _, _ = files
    rc, out, err = _run(capsys, ["simulate", *[str(topo) if a == "TOPO" else a for a in argv]])
    assert rc == 2 and out == "" and err == f"error: an empty path given for the {what}\n"


def test_a_genome_without_a_problem_says_it_needs_one(capsys):
    # it said "give either --topology FILE.csv or --problem FILE --genome I,J,..." as if nothing were given
    rc, out, err = _run(capsys, ["simulate", "--genome", "0", "--array", "8x8", "--dataflow", "os"])
    assert rc == 2 and out == "" and err == "error: simulate: --genome needs --problem\n"


def _half_the_latency(layers, accelerators):
    from evo_cosearch.hardware import simulate

    hw = simulate(layers, accelerators)
    hw.latency_ms[...] *= 0.5
    return hw


def test_a_design_of_a_simulate_fn_run_records_it_and_simulate_warns(capsys, tmp_path):
    # its metrics came from the user's model; re-simulated with the built-in one, simulate says so
    from evo_cosearch.api import search
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem
    from evo_cosearch.select import export_design

    problem = load_problem(DEMO)
    with search(problem, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(problem),
                simulate_fn=_half_the_latency, quiet=True, progress=False) as arc:
        done = export_design(arc, int(arc.designs().id[0]), tmp_path / "x")
    design = json.loads(done.design_json.read_text())
    assert design["provenance"]["simulator"]["function"] == f"{__name__}._half_the_latency"
    warning = (f"warning: {done.design_json}: its metrics came from simulate_fn {__name__}._half_the_latency "
               "(provenance.simulator); these are the built-in simulator's, not comparable with them\n")
    for argv in (["--hw", str(done.design_json)], ["--problem", str(DEMO), "--genome", str(done.design_json)],
                 ["--problem", str(DEMO), "--genome", str(done.design_json), "--hw", str(done.design_json)]):
        rc, out, err = _run(capsys, ["simulate", *argv, "--format", "json"])
        assert rc == 0 and err == warning, argv
        assert json.loads(out)["totals"]["latency_ms"] == pytest.approx(2 * design["metrics"]["latency_ms"])
