"""Workload IR: vectorised population lowering equals per-spec lowering; hand counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.problem import load_problem
from evo_cosearch.space import LayerSpec, NetworkSpec, StageSpec
from evo_cosearch.workload import layers_of, spec_workload

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["joint_fashion_mnist", "autoqkeras_fashion_mnist"])
def test_population_equals_per_design(name):
    p = load_problem(ROOT / "problems" / f"{name}.yaml")
    X = p.space.sample(40, np.random.default_rng(0))
    la = p.workload(X)
    for i in range(len(X)):
        one = spec_workload(p.design(X[i]).network)
        assert one.macs.sum() == la.macs[i].sum()
        assert one.params.sum() == la.params[i].sum()
        assert layers_of(one) == layers_of(la, i)  # shapes, bits and quantizers


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


def test_hand_counted_plain_conv_stack_without_stem():
    # no stem; conv 3x3 1->16 s2 on 28x28, conv 3x3 16->32 s2 (binary weights, ternary inputs); pool; dense
    net = NetworkSpec(in_channels=1, in_size=28, num_classes=10, stem_width=0, stem_stride=1, edge_bits=8,
                      acc_bits=16, stages=(
                          StageSpec(1, 16, 2, (LayerSpec(3, 1, "conv", 8, 8),)),
                          StageSpec(1, 32, 2, (LayerSpec(3, 1, "conv", "binary", "ternary"),))))
    layers = layers_of(spec_workload(net))
    assert [l.name for l in layers] == ["s1.l1.expand", "s2.l1.expand", "pool", "classifier"]
    c1, c2, pool, fc = layers
    assert (c1.kind, c1.in_h, c1.in_c, c1.out_h, c1.out_c, c1.stride) == ("conv", 28, 1, 14, 16, 2)
    assert c1.macs == 14 * 14 * 16 * 9 and c1.weights == 16 * 9 and c1.biases == 16
    assert (c2.in_h, c2.in_c, c2.out_h, c2.out_c) == (14, 16, 7, 32) and c2.macs == 7 * 7 * 32 * 16 * 9
    assert (c2.w_quant, c2.w_bits, c2.a_quant, c2.a_bits) == ("binary", 1, "ternary", 2)
    assert (c1.w_quant, c1.w_bits) == ("fixed", 8) and all(l.acc_bits == 16 for l in layers)
    assert pool.in_c == 32 and fc.macs == 320 and fc.w_quant == "fixed"


def test_optional_stem_keeps_the_first_block_input_right():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    from evo_cosearch.problem import parse_problem
    q = parse_problem(p.text.replace("stem: {stride: 1, width: [8, 16]}", "stem: {stride: 1, width: [0, 16]}"))
    X = q.space.sample(30, np.random.default_rng(1))
    la = q.workload(X)
    stem = q.space.column(X, "stem.width")
    assert np.array_equal(la.active[:, 0], stem > 0)
    first_in = la.in_c[:, la.names.index("s1.l1.expand")]
    dw_in = la.in_c[:, la.names.index("s1.l1.dw")]
    expected = np.where(stem > 0, stem, 1)
    expand_used = la.active[:, la.names.index("s1.l1.expand")]
    assert np.array_equal(first_in[expand_used], expected[expand_used])
    assert np.all(dw_in[~expand_used] == expected[~expand_used] * q.space.column(X, "s1.l1.expansion")[~expand_used])
