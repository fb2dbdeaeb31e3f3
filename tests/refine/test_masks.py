"""ChannelMask: hard 0/1 samples forward, relaxed-sample gradients to the logits, seeded."""

from __future__ import annotations

import torch

from evo_cosearch.refine import ChannelMask


def _mask(seed: int = 0, **kw) -> ChannelMask:
    return ChannelMask(16, generator=torch.Generator().manual_seed(seed), **kw)


def test_training_sample_is_hard_zero_one_with_gradients_to_theta():
    mask = _mask(init_keep=0.5).train()
    m = mask.sample(8)
    assert m.shape == (8, 16, 1, 1)
    assert set(torch.unique(m.detach()).tolist()) <= {0.0, 1.0}
    assert 0 < float(m.detach().mean()) < 1  # both values occur at p = 0.5
    (m * torch.arange(1.0, 17.0).reshape(1, -1, 1, 1)).sum().backward()
    assert mask.theta.grad is not None and torch.all(mask.theta.grad != 0)


def test_samples_follow_the_keep_probability_and_the_seed():
    hi, lo = _mask(init_keep=0.95).train(), _mask(init_keep=0.05).train()
    assert float(hi.sample(200).detach().mean()) > 0.85 and float(lo.sample(200).detach().mean()) < 0.15
    assert torch.equal(_mask(3).train().sample(4), _mask(3).train().sample(4))
    assert not torch.equal(_mask(3).train().sample(4), _mask(4).train().sample(4))


def test_evaluation_mask_keeps_channels_above_threshold_and_at_least_one():
    mask = _mask(threshold=0.5).eval()
    with torch.no_grad():
        mask.theta.copy_(torch.linspace(-3, 3, 16))
    m = mask.sample(2)
    assert torch.equal(m[0, :, 0, 0], (torch.sigmoid(mask.theta) >= 0.5).float())
    assert torch.equal(mask.keep(), torch.nonzero(torch.sigmoid(mask.theta) >= 0.5).flatten())
    with torch.no_grad():
        mask.theta.fill_(-5.0)
        mask.theta[7] = -4.0
    assert mask.keep().tolist() == [7]
    assert float(mask.expected().detach()) == float(torch.sigmoid(mask.theta.detach()).sum())
