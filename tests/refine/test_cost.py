"""Refined workload and cost: PyTorch MACs/params of a pruned child equal the refined workload's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from evo_cosearch.hardware import simulate
from evo_cosearch.problem import load_problem
from evo_cosearch.refine import cost_terms, expected_cost, mask_child, prunable_blocks, refined_workload
from evo_cosearch.space.accelerator import AcceleratorArrays
from evo_cosearch.supernet import build_child, count_macs, count_params
from evo_cosearch.workload import spec_workload

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


def _designs(n: int, seed: int):
    problem = load_problem(DEMO)
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        genome = np.array([rng.integers(c) for c in problem.space.cardinalities])
        design = problem.design(genome)
        if prunable_blocks(design.network):
            out.append(design)
    return out


def _random_pruned(spec, seed: int):
    gen = torch.Generator().manual_seed(seed)
    masked = mask_child(build_child(spec, seed=seed), spec, generator=gen)
    for m in masked.masks().values():
        with torch.no_grad():
            m.theta.copy_(torch.randn(m.channels, generator=gen))
    return masked, masked.prune(0.5), {k: int(v.numel()) for k, v in masked.kept(0.5).items()}


@pytest.mark.parametrize("seed", [0, 1])
def test_pruned_child_macs_and_params_equal_the_refined_workload(seed):
    for design in _designs(3, seed):
        spec = design.network
        _, pruned, hidden = _random_pruned(spec, seed)
        la = refined_workload(spec, hidden)
        assert any(hidden[p.name] < p.hidden for p in prunable_blocks(spec))
        assert count_macs(pruned, (spec.in_channels, spec.in_size, spec.in_size)) == int(la.macs.sum())
        assert count_params(pruned) == int(la.params.sum())
        # the normalised MAC cost at the kept widths is exactly the MAC ratio
        ratio = la.macs.sum() / spec_workload(spec).macs.sum()
        assert float(expected_cost(cost_terms(spec), hidden)) == pytest.approx(ratio, rel=1e-6)


def test_unpruned_widths_give_the_unpruned_workload_and_cost_one():
    design = _designs(1, 5)[0]
    spec = design.network
    full = {p.name: p.hidden for p in prunable_blocks(spec)}
    a, b = refined_workload(spec, full), spec_workload(spec)
    assert np.array_equal(a.macs, b.macs) and np.array_equal(a.in_c, b.in_c)
    hw = simulate(b, AcceleratorArrays.from_specs([design.accelerator]))
    for kind, total in (("macs", b.macs.sum()), ("latency", hw.latency_ms[0]), ("energy", hw.energy_uj[0])):
        terms = cost_terms(spec, kind, accelerator=design.accelerator)
        assert terms.total == pytest.approx(float(total), rel=1e-5)
        assert float(expected_cost(terms, full)) == pytest.approx(1.0, rel=1e-6)
        assert float(expected_cost(terms, {k: v / 2 for k, v in full.items()})) < 1.0


def test_cost_is_differentiable_in_the_mask_logits():
    design = _designs(1, 7)[0]
    masked, _, _ = _random_pruned(design.network, 0)
    terms = cost_terms(design.network, "latency", accelerator=design.accelerator)
    cost = expected_cost(terms, {k: m.expected() for k, m in masked.masks().items()})
    cost.backward()
    assert all(m.theta.grad is not None and torch.all(m.theta.grad > 0) for m in masked.masks().values())


def test_masked_model_in_evaluation_equals_the_pruned_child():
    problem = load_problem(DEMO)
    design = _designs(1, 11)[0]
    spec = design.network
    # full precision: narrowing a projection's inputs changes its per-channel weight scale otherwise
    from dataclasses import replace
    spec = replace(spec, stages=tuple(replace(st, layers=tuple(replace(l, w_bits=16, a_bits=16) for l in st.layers))
                                      for st in spec.stages))
    masked, pruned, _ = _random_pruned(spec, 2)
    x = torch.randn(4, problem.network.in_channels, spec.in_size, spec.in_size,
                    generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(masked.eval()(x), pruned.eval()(x), atol=1e-4)


def test_unknown_block_name_is_refused():
    spec = _designs(1, 0)[0].network
    with pytest.raises(ValueError, match="no prunable block"):
        refined_workload(spec, {"s9.l9": 3})
