"""Supernet children: extraction equals the supernet, counts equal the workload IR."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.space import LayerSpec
from evo_cosearch.supernet import Supernet, count_macs, count_params, extract_child, random_spec
from evo_cosearch.workload import spec_workload

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name,n", [("demo_digits", 25), ("joint_fashion_mnist", 12), ("autoqkeras_digits", 12),
                                    ("autoqkeras_fashion_mnist", 6)])
def test_child_counts_equal_workload_ir(name, n):
    p = load_problem(ROOT / "problems" / f"{name}.yaml")
    torch.manual_seed(0)
    net = Supernet(p.network)
    X = p.space.sample(n, np.random.default_rng(1))
    specs = [p.network.spec(p.space, x) for x in X] + [p.network.largest(), p.network.smallest()]
    for spec in specs:
        child = extract_child(net, spec)
        wl = spec_workload(spec)
        assert count_macs(child, (spec.in_channels, spec.in_size, spec.in_size)) == wl.macs.sum()
        assert count_params(child) == wl.params.sum()


def _randomise_bn(net: torch.nn.Module, gen: torch.Generator) -> None:
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)


@pytest.mark.parametrize("name", ["demo_digits", "autoqkeras_digits"])
def test_extracted_child_outputs_equal_supernet_outputs(name):
    p = load_problem(ROOT / "problems" / f"{name}.yaml")
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = Supernet(p.network)
    with torch.no_grad():
        for name, t in net.named_parameters():  # non-identity kernel transforms
            if "transforms" in name:
                t.add_(0.05 * torch.randn(t.shape, generator=gen))
        _randomise_bn(net, gen)
    net.eval()
    x = torch.randn(16, 1, 8, 8, generator=gen)
    rng = np.random.default_rng(3)
    for _ in range(12):
        spec = random_spec(p.network, rng)
        child = extract_child(net, spec).eval()
        net.set_active(spec)
        with torch.no_grad():
            assert torch.allclose(child(x), net(x), atol=1e-5, rtol=0)
        assert not any(n for n, _ in child.named_parameters() if "transforms" in n)  # baked in


def test_child_holds_a_copy_of_only_its_slice():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    net = Supernet(p.network)
    spec = p.network.smallest()
    child = extract_child(net, spec)
    assert sum(t.numel() for t in child.parameters()) < sum(t.numel() for t in net.parameters()) / 10
    before = net.stem.weight.detach().clone()
    with torch.no_grad():
        for t in child.parameters():
            t.add_(1.0)
    assert torch.equal(net.stem.weight, before)


def test_smaller_kernel_is_centre_crop_at_initialisation():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    net = Supernet(p.network)
    dw = net.stages[0][0].blocks["mbconv"].dw
    dw.set_active(in_c=8, out_c=8, kernel=3, w_bits=16, a_bits=16)
    assert torch.equal(dw.active_weight(), dw.weight[:8, :, 2:5, 2:5])
    dw.set_active(in_c=8, out_c=8, kernel=7, w_bits=16, a_bits=16)
    assert torch.equal(dw.active_weight(), dw.weight[:8])


def _all_layers(spec, **changes):
    return replace(spec, stages=tuple(
        replace(st, layers=tuple(replace(layer, **changes) for layer in st.layers)) for st in spec.stages))


def test_expansion_one_blocks_have_weights_of_their_own():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")  # expansions 1, 3, 6
    torch.manual_seed(0)
    net = Supernet(p.network).eval()
    x = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    e1 = _all_layers(p.network.largest(), expansion=1)
    with torch.no_grad():
        net.set_active(e1)
        before = net(x)
        for stage in net.stages:  # perturb every e > 1 block: an e = 1 child must not notice
            for slot in stage:
                for t in slot.blocks["mbconv"].parameters():
                    t.add_(1.0)
        net.set_active(e1)
        assert torch.equal(net(x), before)
        net.set_active(_all_layers(p.network.largest(), expansion=3))
        assert not torch.allclose(net(x), before)


def test_a_deeper_child_starts_as_the_shallower_one():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    torch.manual_seed(0)
    net = Supernet(p.network).eval()
    x = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    deep = p.network.largest()
    shallow = replace(deep, stages=tuple(replace(st, depth=1, layers=st.layers[:1]) for st in deep.stages))
    with torch.no_grad():
        net.set_active(deep)
        out_deep = net(x)
        net.set_active(shallow)
        assert torch.equal(out_deep, net(x))  # every residual branch of a fresh supernet adds zero


def test_residual_only_when_shape_is_kept():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    net = Supernet(p.network)
    spec = p.network.largest()
    child = extract_child(net, spec)
    residuals = [b.residual for b in child.blocks]
    # stage 1 (stride 1): 16 -> 16 twice; stage 2: strided then 24 -> 24... largest widths are 16, 24, 32
    assert residuals == [True, True, False, True, False, True]


def test_folded_batchnorm_child_computes_the_same_function():
    from evo_cosearch.supernet.layers import fold_batchnorm

    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    gen = torch.Generator().manual_seed(1)
    torch.manual_seed(1)
    net = Supernet(p.network)
    with torch.no_grad():
        _randomise_bn(net, gen)
    x = torch.randn(8, 1, 8, 8, generator=gen)
    rng = np.random.default_rng(4)
    for _ in range(4):
        child = extract_child(net.eval(), random_spec(p.network, rng)).eval()
        with torch.no_grad():
            assert torch.allclose(fold_batchnorm(child)(x), child(x), atol=1e-4, rtol=1e-4)


def test_plain_conv_stack_without_stem():
    p = load_problem(ROOT / "problems" / "autoqkeras_digits.yaml")
    net = Supernet(p.network)
    assert net.stem is None
    ref = p.network.spec(p.space, p.reference)
    child = extract_child(net, ref)
    assert isinstance(child.stem, torch.nn.Identity)
    convs = [b.ops[0] for b in child.blocks]
    assert [b.residual for b in child.blocks] == [False] * 3
    assert [c.conv.out_channels for c in convs] == [16, 32, 64] and [c.conv.in_channels for c in convs] == [1, 16, 32]
    assert [c.conv.stride[0] for c in convs] == [1, 2, 2] and all(c.relu for c in convs)
    # the image is signed; every later conv reads a ReLU6 output
    assert [c.quant.signed for c in convs] == [True, False, False]
    # elastic width: the first filters of the shared weight
    wide = net.stages[1][0].blocks["conv"].conv
    assert torch.equal(convs[1].conv.weight, wide.weight[:32, :16])


def test_conv_input_is_signed_after_a_linear_block_and_unsigned_after_a_relu():
    p = load_problem(ROOT / "problems" / "demo_digits.yaml")
    mixed = parse_problem(p.text.replace("block: [mbconv, fused_mbconv]", "block: [mbconv, conv]"))
    net = Supernet(mixed.network)
    spec = mixed.network.largest()  # stem, then two mbconv blocks per stage
    conv = LayerSpec(3, 1, "conv", 8, "binary")
    s1 = replace(spec.stages[0], layers=(conv, conv))  # conv after the stem, conv after a conv
    s2 = replace(spec.stages[1], layers=(spec.stages[1].layers[0], conv))  # conv after an mbconv
    child = extract_child(net, replace(spec, stages=(s1, s2, *spec.stages[2:])))
    convs = [child.blocks[i].ops[0] for i in (0, 1, 3)]  # (block 2 is the mbconv)
    assert all(len(child.blocks[i].ops) == 1 for i in (0, 1, 3))
    assert [c.quant.signed for c in convs] == [False, False, True]
