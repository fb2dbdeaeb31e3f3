"""Workload IR: vectorised population lowering equals per-spec lowering; hand counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from evo_cosearch.problem import load_problem
from evo_cosearch.space import LayerSpec, NetworkSpec, StageSpec
from evo_cosearch.workload import layers_of, spec_workload

ROOT = Path(__file__).resolve().parents[1]


def test_population_equals_per_design():
    p = load_problem(ROOT / "problems" / "joint_fashion_mnist.yaml")
    X = p.space.sample(40, np.random.default_rng(0))
    la = p.workload(X)
    for i in range(len(X)):
        one = spec_workload(p.design(X[i]).network)
        assert one.macs.sum() == la.macs[i].sum()
        assert one.params.sum() == la.params[i].sum()
        assert [l.name for l in layers_of(one)] == [l.name for l in layers_of(la, i)]


def test_hand_counted_mbconv_network():
    # stem 3x3 1->8 on 8x8; one mbconv k5 e3 8->16 stride 2; pool; dense 16->10
    net = NetworkSpec(in_channels=1, in_size=8, num_classes=10, stem_width=8, stem_stride=1, edge_bits=8,
                      stages=(StageSpec(depth=1, width=16, stride=2,
                                        layers=(LayerSpec(5, 3, "mbconv", 4, 8),)),))
    layers = {l.name: l for l in layers_of(spec_workload(net))}
    assert layers["stem"].macs == 8 * 8 * 8 * 9
    assert layers["s1.l1.expand"].macs == 8 * 8 * 24 * 8
    assert layers["s1.l1.dw"].macs == 4 * 4 * 24 * 25 and layers["s1.l1.dw"].groups == 24
    assert layers["s1.l1.project"].macs == 4 * 4 * 16 * 24
    assert "s1.l1.add" not in layers  # stride 2: no residual
    assert layers["classifier"].macs == 160 and layers["classifier"].weights == 160
    assert sum(l.weights + l.biases for l in layers.values()) == (
        72 + 8 + 8 * 24 + 24 + 25 * 24 + 24 + 24 * 16 + 16 + 160 + 10)


def test_fused_block_without_expansion_is_one_conv():
    net = NetworkSpec(in_channels=1, in_size=8, num_classes=10, stem_width=8, stem_stride=1, edge_bits=8,
                      stages=(StageSpec(depth=2, width=8, stride=1,
                                        layers=(LayerSpec(3, 1, "fused_mbconv", 8, 8),) * 2),))
    names = [l.name for l in layers_of(spec_workload(net))]
    assert names == ["stem", "s1.l1.expand", "s1.l1.add", "s1.l2.expand", "s1.l2.add", "pool", "classifier"]
