"""Fake quantization: levels, full precision, straight-through gradients, fixed eval range."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from evo_cosearch.supernet.quant import GAUSS_CLIP, LAPLACE_CLIP, ActQuant, quantize_weight


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


def _grid_mse(clip: float, levels: int, pdf, x: np.ndarray) -> float:
    step = clip / levels
    q = np.clip(np.round(x / step), -levels, levels) * step
    return float(np.trapezoid((x - q) ** 2 * pdf(x), x))


@pytest.mark.parametrize("factors, pdf", [
    (GAUSS_CLIP, lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),  # std 1
    (LAPLACE_CLIP, lambda x: np.exp(-np.abs(x)) / 2),                  # mean |x| 1
])
def test_clipping_factors_minimise_the_error_on_the_symmetric_grid(factors, pdf):
    x = np.linspace(-30, 30, 300_001)
    for bits, clip in factors.items():
        levels = 2 ** (bits - 1) - 1
        best = _grid_mse(clip, levels, pdf, x)
        for other in (0.97 * clip, 1.03 * clip):
            assert best <= _grid_mse(other, levels, pdf, x), (bits, clip, other)


def test_two_bit_weights_are_a_near_optimal_ternary_grid_and_all_keep_learning():
    w = torch.randn(4, 4096, generator=torch.Generator().manual_seed(3)).requires_grad_()
    q = quantize_weight(w, 2)
    zero = (q == 0).float().mean()
    assert 0.40 < float(zero) < 0.52  # the MSE-optimal 3-level grid zeroes |w| < 0.61 std (46%)
    q.sum().backward()
    assert torch.equal(w.grad, torch.ones_like(w))  # clipped weights get the gradient too


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


# -- named quantizers ---------------------------------------------------------------------------

def _w(seed: int = 0) -> torch.Tensor:
    return torch.randn(6, 4, 3, 3, generator=torch.Generator().manual_seed(seed))


def test_binary_weights_are_sign_times_the_channel_mean():
    w = _w()
    q = quantize_weight(w, "binary")
    for c in range(6):
        alpha = w[c].abs().mean()
        assert torch.allclose(q[c].abs(), alpha.expand_as(q[c]))
        assert torch.equal(torch.sign(q[c]), torch.where(w[c] >= 0, 1.0, -1.0))


def test_ternary_weights_threshold_at_0_7_mean():
    w = _w(1)
    q = quantize_weight(w, "ternary")
    for c in range(6):
        a = w[c].abs()
        keep = a > 0.7 * a.mean()
        assert torch.equal(q[c] == 0, ~keep)
        assert torch.allclose(q[c][keep].abs(), a[keep].mean().expand(int(keep.sum())))


def test_po2_weights_are_signed_powers_of_two_of_the_channel_max():
    w = _w(2)
    q = quantize_weight(w, "po2_4")
    for c in range(6):
        nz = q[c][q[c] != 0]
        ratio = nz.abs() / w[c].abs().max()
        exps = torch.log2(ratio)
        assert torch.allclose(exps, exps.round()) and exps.min() >= -6 and exps.max() <= 0
        assert torch.equal(torch.sign(nz), torch.sign(w[c][q[c] != 0]))
    assert len(torch.unique(q)) > 2 * 4  # several exponents in use


def test_fp16_is_a_half_precision_round_trip():
    w = _w(3) * 1e-3 + 1
    assert torch.equal(quantize_weight(w, "fp16"), w.half().float())
    assert not torch.equal(quantize_weight(w, "fp16"), w)


def test_named_quantizers_pass_gradients_straight_through():
    for name in ("binary", "ternary", "po2_4", "fp16"):
        w = _w(4).requires_grad_()
        quantize_weight(w, name).sum().backward()
        assert torch.equal(w.grad, torch.ones_like(w)), name


def test_binary_and_ternary_activations():
    x = torch.randn(256, generator=torch.Generator().manual_seed(5))
    y = ActQuant(signed=True, bits="binary").train()(x)
    assert torch.allclose(y.abs(), x.abs().mean().expand_as(y)) and torch.equal(y > 0, x >= 0)
    y = ActQuant(signed=True, bits="ternary").train()(x)
    alpha = 1.4 * x.abs().mean()
    assert set(torch.unique(y / alpha).round().tolist()) == {-1.0, 0.0, 1.0}
    assert torch.equal(y == 0, x.abs() < 0.7 * x.abs().mean())
    for name in ("binary", "ternary"):  # a non-negative input keeps no sign: {0, alpha}
        y = ActQuant(signed=False, bits=name).train()(x.relu())
        assert len(torch.unique(y)) == 2 and float(y.min()) == 0


def test_po2_and_fp16_activations_keep_their_range_in_evaluation():
    q = ActQuant(signed=False, bits="po2_4").train()
    x = torch.rand(512, generator=torch.Generator().manual_seed(6)) * 4
    q(x)
    q.eval()
    y = q(x * 10)  # beyond the stored range: clamped to it
    assert float(y.max()) == float(q.amax)
    nz = y[y > 0] / q.amax
    assert torch.allclose(torch.log2(nz), torch.log2(nz).round())
    assert torch.equal(ActQuant(signed=True, bits="fp16")(x), x.half().float())


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_export_form_equals_the_fused_kernels(bits, monkeypatch):
    """While exporting, the grid is written as round/clamp ops; it must give the same values."""
    from evo_cosearch.supernet import quant

    w, x = _w(), torch.randn(4, 3, 5, 5) * 2
    signed, unsigned = ActQuant(signed=True, bits=bits).eval(), ActQuant(signed=False, bits=bits).eval()
    signed.amax.fill_(3.0)
    unsigned.amax.fill_(2.5)
    fused = [quantize_weight(w, bits), signed(x), unsigned(x.clamp(0, 6))]
    monkeypatch.setattr(quant, "_exporting", lambda: True)
    plain = [quantize_weight(w, bits), signed(x), unsigned(x.clamp(0, 6))]
    for a, b in zip(fused, plain):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)
