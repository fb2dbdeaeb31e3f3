"""The ``layer_groups`` strategy: groups, their energy order, one group varied at a time, resume."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.hardware import simulate
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.engine.layer_groups import group_energy_uj, layer_groups, schedule, start_genome

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


def test_groups_are_layers_and_their_energies_add_up():
    p = load_problem(DEMO)
    groups = layer_groups(p)
    assert [g.name for g in groups] == ["stem", "s1", "s2", "s3"]
    names = [gene.name for gene in p.space.genes]
    assert all(names[i].split(".")[0] == g.name for g in groups for i in g.genes)
    ref = start_genome(p)
    energy = group_energy_uj(p, ref, groups)
    X = ref[None, :]
    hw = simulate(p.workload(X), p.accelerator_arrays(X))
    slots = [n.split(".")[0] for n in p.workload(X).names]
    rest = sum(e for n, e in zip(slots, hw.layer_energy_uj[0]) if n in ("pool", "classifier"))
    assert np.isclose(energy.sum() + rest, hw.energy_uj[0])
    assert (energy > 0).all()


def test_schedule_splits_generations_evenly():
    assert schedule(4, 10) == [3, 6, 8, 10]
    assert schedule(3, 3) == [1, 2, 3]
    assert schedule(4, 2) == [1, 2]  # too few generations: the last groups get none


class Crash(ProxyAccuracy):
    """Proxy accuracy that fails on its ``at``-th call (a crashed evaluation)."""

    def __init__(self, problem, at):
        super().__init__(problem)
        self.calls, self.at = 0, at

    def __call__(self, X):
        self.calls += 1
        if self.calls == self.at:
            raise RuntimeError("evaluation crashed")
        return super().__call__(X)


def _run(out, p, acc=None, gens=8):
    arc = search(p, out=out, quiet=True, pop=10, gens=gens, seed=2, strategy="layer_groups",
                 accuracy_fn=acc or ProxyAccuracy(p))
    arc.close()


def test_each_share_varies_only_its_group_and_resume_is_exact(tmp_path, contents):
    p = load_problem(DEMO)
    _run(tmp_path / "full", p)
    with open_archive(tmp_path / "full") as arc:
        table = arc.designs()
    groups = layer_groups(p)
    order = [g.name for g in groups]
    ref = start_genome(p)
    energy = group_energy_uj(p, ref, groups)
    ordered = [groups[i] for i in np.argsort(-energy, kind="stable")]
    ends = schedule(len(ordered), 8)
    assert sorted(g.name for g in ordered) == sorted(order)
    net = p.network_gene_mask
    start = 0
    for k, end in enumerate(ends):
        rows = (table.generation >= start) & (table.generation < end)
        G = table.genome[rows]
        fixed = net.copy()
        fixed[list(ordered[k].genes)] = False
        assert (G[:, fixed] == G[0, fixed]).all(), f"share {k}: genes outside group {ordered[k].name} moved"
        if k == 0:
            assert (G[0][net] == ref[net]).all()  # the first share starts from the reference design
        start = end
    assert len(np.unique(table.genome[:, net], axis=0)) > len(ends)

    with pytest.raises(RuntimeError):
        _run(tmp_path / "part", p, Crash(p, at=5))
    _run(tmp_path / "part", p)
    assert contents(tmp_path / "part") == contents(tmp_path / "full")


def test_needs_error_and_energy_objectives(tmp_path):
    p = parse_problem(DEMO.read_text().replace("objectives: [error, latency_ms, energy_uj]",
                                               "objectives: [error, latency_ms]"))
    with pytest.raises(InputError, match="^strategy: layer_groups needs objectives error, energy_uj"):
        _run(tmp_path / "r", p)  # the strategy is the call's (the flag's), the objectives the file's


def test_a_group_with_no_new_design_left_hands_over_to_the_next(tmp_path):
    """Two choices per layer: each group is exhausted by its first generation, and the search
    goes on with the next group instead of ending the run."""
    text = (DEMO.parent / "autoqkeras_digits.yaml").read_text()
    for old, new in (("[binary, ternary, 2, 4, 6, 8, po2_4, fp16]", "[4, 8]"), ("a_bits: [4, 8]", "a_bits: [8]"),
                     ("[4, 8, 12, 16, 24, 32]", "[16]"), ("[8, 16, 24, 32, 48, 64]", "[32]"),
                     ("[16, 32, 48, 64, 96, 128]", "[64]")):
        text = text.replace(old, new)
    p = parse_problem(text)
    arc = search(p, out=tmp_path / "r", quiet=True, pop=6, gens=6, seed=0, strategy="layer_groups",
                 accuracy_fn=ProxyAccuracy(p))
    table = arc.designs()
    arc.close()
    w_bits = [i for i, g in enumerate(p.space.genes) if g.name.endswith("w_bits")]
    assert len(w_bits) == 3 and len(layer_groups(p)) == 3
    assert [len(np.unique(table.genome[:, i])) for i in w_bits] == [2, 2, 2]  # every group was searched
    assert len(np.unique(table.genome, axis=0)) == 4  # the reference and one change per layer


def test_a_resume_with_more_generations_shares_them_with_the_groups_not_reached(tmp_path, contents):
    p = load_problem(DEMO)
    groups = layer_groups(p)
    ordered = [groups[i] for i in np.argsort(-group_energy_uj(p, start_genome(p), groups), kind="stable")]
    _run(tmp_path / "r", p, gens=2)  # 4 groups, 2 generations: the last two groups get no share
    _run(tmp_path / "r", p, gens=6)
    with open_archive(tmp_path / "r") as arc:
        table = arc.designs()
    for k, group in enumerate(ordered):
        moved = len(np.unique(table.genome[:, list(group.genes)], axis=0)) > 1
        assert moved, f"group {k} ({group.name}) was never searched"
    _run(tmp_path / "again", p, gens=2)
    _run(tmp_path / "again", p, gens=6)
    assert contents(tmp_path / "again") == contents(tmp_path / "r")


def test_a_resume_from_another_reference_design_is_refused_untouched(tmp_path, contents):
    text = (DEMO.parent / "autoqkeras_digits.yaml").read_text()
    p = parse_problem(text)
    _run(tmp_path / "r", p, gens=2)
    before = contents(tmp_path / "r")
    with open_archive(tmp_path / "r") as arc:
        meta = arc.meta
    for other in (text.replace('"s*.a_bits": 8', '"s*.a_bits": 6'),  # the same group order
                  text.replace("s1.width: 16", "s1.width: 32").replace("s3.width: 64", "s3.width: 16")):
        with pytest.raises(InputError, match=r"run was made from another reference design"):
            _run(tmp_path / "r", parse_problem(other), gens=4)
        assert contents(tmp_path / "r") == before
        with open_archive(tmp_path / "r") as arc:
            assert (arc.meta.status, arc.meta.gens, arc.meta.settings) == (meta.status, meta.gens, meta.settings)


def test_a_resume_of_another_group_order_says_to_use_another_out_as_the_caller_names_it():
    """It said '--out' from Python too (search(out=...))."""
    from types import SimpleNamespace

    from evo_cosearch.engine.layer_groups import load_layer_groups
    from evo_cosearch.errors import ProblemError, cli_names

    algorithm = SimpleNamespace(ordered=[SimpleNamespace(name="stem"), SimpleNamespace(name="head")])
    state = {"groups": ["head", "stem"]}
    with pytest.raises(ProblemError, match="differs from this problem's; use another out$"):
        load_layer_groups(algorithm, state, None)
    with cli_names(), pytest.raises(ProblemError, match="differs from this problem's; use another --out$"):
        load_layer_groups(algorithm, state, None)
