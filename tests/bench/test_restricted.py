"""Network-only / accelerator-only problems derived from a joint one, and the genome map back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.bench.restricted import (
    BASELINE_ACCELERATOR, JointAccuracy, ToJoint, accelerator_only_problem, middle, nearest, network_only_problem,
)
from evo_cosearch.evaluate import ProxyAccuracy, accuracy_source
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.space.accelerator import ACCELERATOR_TABLE

ROOT = Path(__file__).resolve().parents[2]
DIGITS = load_problem(ROOT / "problems" / "demo_digits.yaml")
ACC_GENES = set(ACCELERATOR_TABLE)


def _genes(problem):
    return {g.name: tuple(g.values) for g in problem.space.genes}


def test_nearest_and_middle():
    assert nearest((1, 2, 4, 8), 4) == 4
    assert nearest((1, 2, 8), 4) == 2          # |4-2| < |8-4|
    assert nearest((2, 6), 4) == 2             # a tie goes to the smaller value
    assert nearest((0.5, 2), 1) == 0.5
    assert nearest(("fused_mbconv",), "mbconv") == "fused_mbconv"
    assert nearest(("binary", "ternary", 2, 4, "fp16"), 8) == 4   # quantizer names are skipped
    assert nearest(("binary", "fp16"), 8) == "binary"
    assert middle((1, 2, 3)) == 2 and middle((8, 16)) == 16 and middle((5,)) == 5


def test_network_only_fixes_the_baseline_accelerator_and_keeps_the_network_space():
    joint, net_only = DIGITS, network_only_problem(DIGITS)
    genes, joint_genes = _genes(net_only), _genes(joint)
    assert {n: v for n, v in genes.items() if n in ACC_GENES} == {n: (v,) for n, v in BASELINE_ACCELERATOR.items()}
    assert {n: v for n, v in genes.items() if n not in ACC_GENES} == \
        {n: v for n, v in joint_genes.items() if n not in ACC_GENES}
    assert (net_only.objectives, dict(net_only.constraints)) == (joint.objectives, dict(joint.constraints))
    assert net_only.name == "demo_digits_network_only"
    # the run archive re-parses the stored text: it must give the same space
    assert parse_problem(net_only.text).space == net_only.space


def test_the_baseline_is_clipped_to_the_problem_value_lists():
    text = (ROOT / "problems" / "demo_digits.yaml").read_text().replace(
        "pes_x: [1, 2, 4, 6, 8]", "pes_x: [1, 2, 8]").replace(
        "simd_units: [16, 32, 64, 128]", "simd_units: [16, 128]").replace(
        "local_memory_mb: [0.5, 1, 2, 3, 4]", "local_memory_mb: [0.5, 2]")
    fixed = network_only_problem(parse_problem(text, source="clip.yaml")).accelerator.values
    assert (fixed["pes_x"], fixed["simd_units"], fixed["local_memory_mb"]) == ((2,), (16,), (0.5,))
    assert fixed["pes_y"] == (4,)


def test_accelerator_only_fixes_an_8_bit_mid_size_network_and_keeps_the_accelerator_space():
    joint, acc_only = DIGITS, accelerator_only_problem(DIGITS)
    genes, joint_genes = _genes(acc_only), _genes(joint)
    assert {n: v for n, v in genes.items() if n in ACC_GENES} == {n: v for n, v in joint_genes.items()
                                                                   if n in ACC_GENES}
    expected = {"kernel": 3, "expansion": 3, "block": "mbconv", "w_bits": 8, "a_bits": 8}
    for name, values in genes.items():
        if name in ACC_GENES:
            continue
        assert len(values) == 1, name
        kind = name.split(".")[-1]
        if kind in expected:
            assert values == (expected[kind],), name
    # stem 16 of [8, 16]; depth 2 of [1, 2]; widths the middle (upper) of each stage's list
    assert genes["stem.width"] == (16,)
    assert [genes[f"s{s}.depth"] for s in (1, 2, 3)] == [(2,), (2,), (2,)]
    assert [genes[f"s{s}.width"] for s in (1, 2, 3)] == [(16,), (24,), (32,)]
    assert acc_only.objectives == joint.objectives
    assert parse_problem(acc_only.text).space == acc_only.space


def test_fixed_network_of_a_deeper_space_drops_the_unused_slots():
    joint = load_problem(ROOT / "problems" / "joint_fashion_mnist.yaml")
    acc_only = accelerator_only_problem(joint)
    # depth [1, 2, 3] -> 2: the joint's third block slot of stages 2 and 3 is absent
    assert "s2.l3.kernel" in joint.space and "s2.l3.kernel" not in acc_only.space
    net = acc_only.design(np.zeros(acc_only.space.n_var, dtype=np.int64)).network
    assert [st.width for st in net.stages] == [24, 32, 48] and net.stem_width == 16


@pytest.mark.parametrize("derive", [network_only_problem, accelerator_only_problem])
def test_restricted_genomes_map_to_joint_genomes_of_the_same_design(derive):
    joint = load_problem(ROOT / "problems" / "joint_fashion_mnist.yaml")
    restricted = derive(joint)
    X = restricted.space.sample(40, np.random.default_rng(1))
    J = ToJoint(joint, restricted)(X)
    assert J.shape == (40, joint.space.n_var)
    for x, j in zip(X, J):
        assert joint.design(j) == restricted.design(x)
    # the same network, so the joint problem's accuracy function scores it as the restricted one would
    np.testing.assert_allclose(JointAccuracy(ProxyAccuracy(joint), ToJoint(joint, restricted))(X),
                               ProxyAccuracy(restricted)(X), rtol=1e-12)
    # and the run records the joint function's source (for a supernet: its hash, how reuse is decided)
    assert accuracy_source(JointAccuracy(ProxyAccuracy(joint), ToJoint(joint, restricted))) == {
        "kind": "proxy", "macs_scale": ProxyAccuracy(joint).macs_scale}
