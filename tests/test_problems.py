"""Every ready problem in problems/ parses, decodes and runs a short search (proxy accuracy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.api import search
from evo_cosearch.evaluate import Evaluator, ProxyAccuracy
from evo_cosearch.problem import load_problem
from evo_cosearch.space import NetworkSpec

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
        for genome, text in zip(designs.genome[:4], designs.network_json[:4]):  # archived networks decode back
            assert NetworkSpec.from_dict(json.loads(text)) == problem.design(genome).network


def test_fixed_parts_of_the_comparison_problems():
    net_only = load_problem(PROBLEMS[0].parent / "network_only_fashion_mnist.yaml")
    acc_only = load_problem(PROBLEMS[0].parent / "accelerator_only_fashion_mnist.yaml")
    assert all(len(v) == 1 for v in net_only.accelerator.values.values())
    assert all(g.cardinality == 1 for g, is_net in zip(acc_only.space.genes, acc_only.network_gene_mask) if is_net)
    assert acc_only.space.size == np.prod([len(v) for v in acc_only.accelerator.values.values()])


QUANTIZERS = {"binary", "ternary", 2, 4, 6, 8, "po2_4", "fp16"}


@pytest.mark.parametrize("name", ["autoqkeras_fashion_mnist", "autoqkeras_digits"])
def test_autoqkeras_problems_search_filters_and_quantizers_of_the_reference_cnn(name):
    p = load_problem(PROBLEMS[0].parent / f"{name}.yaml")
    assert p.objectives == ("error", "energy_uj")
    free = {g.name for g in p.space.genes if g.cardinality > 1}
    assert free == {f"s{s}.{gene}" for s in (1, 2, 3) for gene in ("width", "l1.w_bits", "l1.a_bits")}
    ref = p.design(p.reference).network
    assert ref.stem_width == 0 and ref.acc_bits == 16 and ref.edge_bits == 8
    for s, (stage, filters) in enumerate(zip(ref.stages, (16, 32, 64)), start=1):
        widths = p.space.gene(f"s{s}.width").values
        assert stage.width == filters and min(widths) == filters // 4 and max(widths) == 2 * filters
        assert [(l.block, l.kernel, l.w_bits, l.a_bits) for l in stage.layers] == [("conv", 3, 8, 8)]
        for q in ("w_bits", "a_bits"):
            assert set(p.space.gene(f"s{s}.l1.{q}").values) == QUANTIZERS
    # the reference's energy against the all-binary network of the same widths
    binary = np.array(p.reference)
    for g in p.space.genes:
        if g.name.endswith((".w_bits", ".a_bits")):
            binary[p.space.index_of(g.name)] = g.values.index("binary")
    ev = Evaluator(p, ProxyAccuracy(p)).evaluate(np.stack([np.array(p.reference), binary]))
    assert ev.metrics["energy_uj"][1] < 0.5 * ev.metrics["energy_uj"][0]
