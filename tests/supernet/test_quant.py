"""Fake quantization: levels, full precision, straight-through gradients, fixed eval range."""

from __future__ import annotations

import torch

from evo_cosearch.supernet.quant import ActQuant, quantize_weight


def test_weight_quantization_levels_per_channel():
    w = torch.randn(6, 4, 3, 3, generator=torch.Generator().manual_seed(0))
    for bits in (2, 4, 8):
        q = quantize_weight(w, bits)
        for c in range(6):
            assert len(torch.unique(q[c])) <= 2 ** bits - 1
    assert torch.equal(quantize_weight(w, 16), w)


def test_weight_quantization_error_shrinks_with_bits():
    w = torch.randn(8, 16, 3, 3, generator=torch.Generator().manual_seed(1))
    errs = [float((quantize_weight(w, b) - w).pow(2).mean()) for b in (2, 4, 6, 8)]
    assert errs == sorted(errs, reverse=True) and errs[-1] < 1e-3


def test_straight_through_gradient():
    w = torch.randn(4, 3, 1, 1, generator=torch.Generator().manual_seed(0)).requires_grad_()
    quantize_weight(w, 8).sum().backward()  # 8 bits: no clipping, so the gradient passes everywhere
    assert torch.equal(w.grad, torch.ones_like(w))


def test_activation_quantizer_unsigned_and_eval_range():
    q = ActQuant(signed=False, bits=2)
    x = torch.rand(64, 8) * 6
    q.train()
    y = q(x)
    assert len(torch.unique(y)) <= 4 and float(y.min()) >= 0
    q.eval()
    stored = float(q.amax)
    y1 = q(x[:1])
    assert float(q.amax) == stored  # evaluation never moves the range
    assert float(y1.max()) <= stored + 1e-6


def test_signed_activation_is_symmetric():
    q = ActQuant(signed=True, bits=4).train()
    x = torch.linspace(-1, 1, 101)
    y = q(x)
    assert torch.allclose(y, -q(-x))
