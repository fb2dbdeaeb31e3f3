"""Accelerator repair: the sweep, each network's hardware front, the repair, and searches that use it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.errors import InputError, ProblemError
from evo_cosearch.evaluate import Evaluator, ProxyAccuracy
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.engine.accelerator_repair import (
    AcceleratorRepair, accelerator_grid, grid_accelerators, simulate_accelerators,
)
from evo_cosearch.engine.settings import search_settings

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "problems" / "demo_digits.yaml"
SEARCH_LINE = "search: {pop: 24, gens: 10, seed: 0, mutation_prob: 0.067}"
# a smaller accelerator table (3*3*2*2*3*2*2*2 = 1728 accelerators) keeps the sweeps quick
SMALL_ACCELERATOR = """accelerator:
  pes_x: [1, 4, 8]
  pes_y: [1, 4, 8]
  simd_units: [16, 128]
  compute_lanes: [1, 8]
  local_memory_mb: [0.5, 2, 4]
  register_file_kb: [8, 128]
  io_bandwidth_gbps: [5, 25]
  mac_bits: [8, 16]
objectives:"""


def small_problem(search: str = "{pop: 12, gens: 4, seed: 3, accelerator_repair: front}", *,
                  objectives: str = "[error, latency_ms, energy_uj]", constraints: str = "{}"):
    text = DEMO.read_text()
    start, end = text.index("accelerator:"), text.index("objectives:")
    text = text[:start] + SMALL_ACCELERATOR + text[end + len("objectives:"):]
    text = text.replace("objectives: [error, latency_ms, energy_uj]", f"objectives: {objectives}")
    text = text.replace("constraints: {}", f"constraints: {constraints}")
    return parse_problem(text.replace(SEARCH_LINE, f"search: {search}"))


def hardware_F(problem, X, names=("latency_ms", "energy_uj")):
    ev = Evaluator(problem, ProxyAccuracy(problem)).evaluate(X)
    return np.column_stack([ev.metrics[n] for n in names]), ev


def test_accelerator_grid_is_exhaustive_or_a_seeded_sample():
    joint = load_problem(DEMO)
    cols, grid = accelerator_grid(joint)
    cards = np.asarray(joint.space.cardinalities)[cols]
    assert (cols == np.flatnonzero(~joint.network_gene_mask)).all()
    assert len(np.unique(grid, axis=0)) == len(grid) == int(np.prod(cards))
    cols2, sample = accelerator_grid(joint, limit=1000, seed=3)
    assert (cols2 == cols).all() and sample.shape == (1000, len(cols))
    assert (sample >= 0).all() and (sample < cards).all()
    assert (accelerator_grid(joint, limit=1000, seed=3)[1] == sample).all()


def test_sweep_metrics_equal_the_evaluator_s():
    p = small_problem()
    genome = p.space.sample(1, np.random.default_rng(0))[0]
    cols, grid = accelerator_grid(p)
    m = simulate_accelerators(p, genome, grid_accelerators(p, cols, grid))
    X = np.repeat(genome[None], len(grid), axis=0)
    X[:, cols] = grid
    ev = Evaluator(p, ProxyAccuracy(p)).evaluate(X)
    for name in ("latency_ms", "energy_uj", "area_mm2", "edp"):
        np.testing.assert_array_equal(m[name], ev.metrics[name])


def test_front_is_the_non_dominated_feasible_set_of_the_sweep():
    p = small_problem(constraints="{max_latency_ms: 0.05}")
    repair = AcceleratorRepair(p)
    genome = p.space.sample(1, np.random.default_rng(1))[0]
    accels, logF = repair.front(genome)
    cols, grid = repair.grid
    X = np.repeat(genome[None], len(grid), axis=0)
    X[:, cols] = grid
    F, ev = hardware_F(p, X)
    ok = ev.feasible
    assert 0 < ok.sum() < len(grid) and len(accels) > 0            # the constraint bites, and something meets it
    on_front = np.array([np.flatnonzero((grid == a).all(1))[0] for a in accels])
    assert ok[on_front].all()
    np.testing.assert_allclose(np.exp(logF), F[on_front], rtol=1e-12)
    Ff = F[ok]
    weakly = (F[on_front][None, :, :] <= Ff[:, None, :]).all(-1)    # every feasible one: some front member as good
    assert weakly.any(1).all()
    strictly = (Ff[None, :, :] <= F[on_front][:, None, :]).all(-1) & (Ff[None] < F[on_front][:, None]).any(-1)
    assert not strictly.any()                                       # no feasible accelerator beats a front member
    assert repair.sweeps == 1 and repair.simulated == len(grid)
    repair.front(genome)
    assert repair.sweeps == 1                                       # cached by network


def test_repair_keeps_the_network_and_improves_every_hardware_objective():
    p = small_problem(constraints="{max_latency_ms: 0.05}")
    repair = AcceleratorRepair(p)
    X = p.space.sample(40, np.random.default_rng(2))
    Y = repair.apply(X.astype(float))
    mask = p.network_gene_mask
    assert Y.dtype == np.int64 and (Y[:, mask] == X[:, mask]).all()
    before, ev_x = hardware_F(p, X)
    after, ev_y = hardware_F(p, Y)
    was_ok = ev_x.feasible
    assert (after[was_ok] <= before[was_ok] * (1 + 1e-12)).all()    # at least as good in every objective
    assert (Y != X).any(1)[was_ok].any()                            # and some did move
    assert ev_y.feasible.sum() >= was_ok.sum() and ev_y.feasible[~was_ok].any()   # infeasible ones were moved
    for r in range(len(Y)):                                         # every result is on its network's front
        accels, _ = repair.front(Y[r])
        if len(accels):
            assert (accels == Y[r, ~mask]).all(1).any()
    np.testing.assert_array_equal(repair.apply(Y), Y)           # on the front already: unchanged


def test_the_draw_among_better_accelerators_follows_the_generator():
    p = small_problem()
    repair = AcceleratorRepair(p)
    X = p.space.sample(40, np.random.default_rng(4))
    draws = [repair.apply(X, np.random.default_rng(seed)) for seed in (1, 1, 2)]
    np.testing.assert_array_equal(draws[0], draws[1])
    assert (draws[0] != draws[2]).any()                              # more than one better accelerator: a draw


def test_repair_is_a_no_op_without_a_hardware_objective():
    p = small_problem(objectives="[error, macs]")
    repair = AcceleratorRepair(p)
    X = p.space.sample(5, np.random.default_rng(0))
    np.testing.assert_array_equal(repair.apply(X), X)
    assert repair.sweeps == 0


def run(problem, out, **kw):
    arc = search(problem, out=out, quiet=True, progress=False, accuracy_fn=ProxyAccuracy(problem), **kw)
    arc.close()
    return out


def test_search_with_the_repair_is_deterministic_resumable_and_on_the_fronts(tmp_path, contents):
    p = small_problem()
    full = run(p, tmp_path / "full")
    assert contents(full) == contents(run(p, tmp_path / "again"))
    run(p, tmp_path / "part", gens=2)
    run(p, tmp_path / "part", gens=4)
    assert contents(tmp_path / "part") == contents(full)
    repair = AcceleratorRepair(p)
    with open_archive(full) as arc:
        table = arc.designs()
        assert arc.meta.settings["accelerator_repair"] == "front"
    X = table.genome
    np.testing.assert_array_equal(repair.apply(X), X)            # every archived design is on its front
    plain = run(small_problem("{pop: 12, gens: 4, seed: 3}"), tmp_path / "plain")
    with open_archive(plain) as arc:
        assert not np.array_equal(arc.designs().genome, X)


def test_settings_and_run_directories_guard_the_repair(tmp_path):
    with pytest.raises(ProblemError, match=r"search\.accelerator_repair: unknown"):
        search_settings(small_problem("{accelerator_repair: sweep}"))
    for strategy in ("random", "reinforce", "layer_groups"):   # nsga2's setting: the others run without it
        assert search_settings(small_problem(f"{{accelerator_repair: front, strategy: {strategy}}}")
                               ).accelerator_repair == "none"
    assert search_settings(small_problem("{accelerator_repair: front}"), strategy="random").accelerator_repair == "none"
    assert search_settings(small_problem("{pop: 12}")).accelerator_repair == "none"
    run(small_problem("{pop: 12, gens: 2, seed: 3}"), tmp_path / "r")
    with pytest.raises(InputError, match="accelerator_repair='none'"):
        run(small_problem(), tmp_path / "r")


def test_min_rule_puts_each_design_on_its_least_value_of_that_objective():
    p = small_problem(constraints="{max_latency_ms: 0.05}")
    repair = AcceleratorRepair(p, rule="min_energy_uj")
    cols, grid = repair.grid
    X = p.space.sample(12, np.random.default_rng(5))
    Y = repair.apply(X)
    mask = p.network_gene_mask
    assert (Y[:, mask] == X[:, mask]).all()
    _, ev_y = hardware_F(p, Y)
    checked = 0
    for r in range(len(Y)):                                         # the least energy of every feasible accelerator
        S = np.repeat(X[r][None], len(grid), axis=0)
        S[:, cols] = grid
        F, ev = hardware_F(p, S)
        if ev.feasible.any():
            checked += 1
            assert ev_y.feasible[r]
            np.testing.assert_allclose(ev_y.metrics["energy_uj"][r], F[ev.feasible, 1].min(), rtol=1e-12)
            ties = ev.feasible & (F[:, 1] <= F[ev.feasible, 1].min() * (1 + 1e-12))
            np.testing.assert_allclose(ev_y.metrics["latency_ms"][r], F[ties, 0].min(), rtol=1e-12)
        else:
            np.testing.assert_array_equal(Y[r], X[r])                 # nothing feasible: left as it is
    assert checked >= 6
    np.testing.assert_array_equal(repair.apply(Y), Y)
    np.testing.assert_array_equal(AcceleratorRepair(p, rule="min_energy_uj").apply(X[::-1]), Y[::-1])  # no draw
    lat = AcceleratorRepair(p, rule="min_latency_ms").apply(X)
    assert (hardware_F(p, lat)[0][:, 0] <= hardware_F(p, Y)[0][:, 0] * (1 + 1e-12)).all()
    with pytest.raises(ValueError, match="area_mm2 is not an objective"):
        AcceleratorRepair(p, rule="min_area_mm2")


def test_search_with_the_min_rule_archives_least_energy_designs(tmp_path, contents):
    p = small_problem("{pop: 12, gens: 3, seed: 3, accelerator_repair: min_energy_uj}")
    full = run(p, tmp_path / "a")
    assert contents(full) == contents(run(p, tmp_path / "b"))
    with open_archive(full) as arc:
        X = arc.designs().genome
        assert arc.meta.settings["accelerator_repair"] == "min_energy_uj"
    np.testing.assert_array_equal(AcceleratorRepair(p, rule="min_energy_uj").apply(X), X)
    with pytest.raises(ProblemError, match=r"'min_area_mm2' needs area_mm2 among the objectives"):
        search_settings(small_problem("{accelerator_repair: min_area_mm2}"))
