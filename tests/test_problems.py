"""Every ready problem in problems/ parses, decodes and runs a short search (proxy accuracy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.api import search
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem

PROBLEMS = sorted((Path(__file__).resolve().parents[1] / "problems").glob("*.yaml"))


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_problem_runs_a_short_search(path, tmp_path):
    problem = load_problem(path)
    fixed = [g.name for g in problem.space.genes if g.cardinality == 1]
    with search(problem, out=tmp_path / "run", pop=8, gens=2, seed=0, accuracy_fn=ProxyAccuracy(problem),
                quiet=True) as arc:
        designs = arc.designs()
        assert len(designs) == 16
        for name in fixed:  # a one-value gene never moves
            assert np.all(designs.genome[:, problem.space.index_of(name)] == 0)
        assert len(arc.pareto()) >= 1


def test_fixed_parts_of_the_comparison_problems():
    net_only = load_problem(PROBLEMS[0].parent / "network_only_fashion_mnist.yaml")
    acc_only = load_problem(PROBLEMS[0].parent / "accelerator_only_fashion_mnist.yaml")
    assert all(len(v) == 1 for v in net_only.accelerator.values.values())
    assert all(g.cardinality == 1 for g, is_net in zip(acc_only.space.genes, acc_only.network_gene_mask) if is_net)
    assert acc_only.space.size == np.prod([len(v) for v in acc_only.accelerator.values.values()])
