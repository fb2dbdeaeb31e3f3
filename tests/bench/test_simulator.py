"""Simulator benchmark: result fields, the JSON file and the ``bench simulator`` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from evo_cosearch.bench.simulator import bench_simulator, simulate_designs
from evo_cosearch.cli import main
from evo_cosearch.problem import load_problem

ROOT = Path(__file__).resolve().parents[2]
DIGITS = ROOT / "problems" / "demo_digits.yaml"


def test_bench_writes_the_json_it_returns(tmp_path):
    out = tmp_path / "deep" / "simulator.json"
    r = bench_simulator(DIGITS, n_designs=64, seed=3, repeats=2, out_path=out)
    assert json.loads(out.read_text()) == r
    assert r["n_designs"] == 64 and r["repeats"] == 2
    assert r["designs_per_s"] >= r["designs_per_s_median"] > 0
    assert r["simulate_designs_per_s"] > 0
    # the checksum is the simulation of the same seeded designs
    p = load_problem(DIGITS)
    m = simulate_designs(p, p.space.sample(64, np.random.default_rng(3)))
    assert r["checksum_latency_ms"] == float(np.sum(m.latency_ms))


def test_cli_bench_simulator_prints_json_and_rejects_bad_input(tmp_path, capsys):
    out = tmp_path / "sim.json"
    assert main(["bench", "simulator", "--problem", str(DIGITS), "--designs", "16", "--repeats", "1",
                 "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    assert main(["bench", "simulator", "--problem", str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    assert main(["bench", "simulator", "--problem", str(DIGITS), "--seed", "-1", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "error: --seed: -1 is not an integer >= 0\n"
