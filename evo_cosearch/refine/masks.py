"""Relaxed-Bernoulli channel masks: one utilization variable per channel (FiGS-style).

Channel ``i`` has a logit ``theta_i``; its keep probability is ``pi_i = sigmoid(theta_i)``.
In training each image draws a concrete (logistic-sigmoid) sample

    s_i = sigmoid((theta_i + log u - log(1 - u)) / tau),   u ~ U(0, 1),

and the forward pass uses the hard sample ``m_i = [s_i > 1/2]`` with the gradient of ``s_i``
(straight-through): the network only ever sees whole channels on or off, while gradients
reach ``theta``. In evaluation the mask is deterministic: ``m_i = [pi_i >= threshold]``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["ChannelMask"]


class ChannelMask(nn.Module):
    """Utilization variables of ``channels`` channels; ``sample`` draws a mask for a batch."""

    def __init__(self, channels: int, *, generator: torch.Generator, tau: float = 0.5, init_keep: float = 0.9,
                 threshold: float = 0.5) -> None:
        super().__init__()
        if channels < 1:
            raise ValueError(f"channels: {channels} must be >= 1")
        if not 0.0 < init_keep < 1.0:
            raise ValueError(f"init_keep: {init_keep} must be in (0, 1)")
        self.theta = nn.Parameter(torch.full((channels,), math.log(init_keep / (1.0 - init_keep))))
        self.generator = generator
        self.tau = float(tau)
        self.threshold = float(threshold)

    @property
    def channels(self) -> int:
        return int(self.theta.numel())

    def probs(self) -> torch.Tensor:
        """Keep probabilities ``sigmoid(theta)`` (differentiable)."""
        return torch.sigmoid(self.theta)

    def expected(self) -> torch.Tensor:
        """Expected number of kept channels ``sum_i sigmoid(theta_i)`` (differentiable)."""
        return self.probs().sum()

    @torch.no_grad()
    def keep(self, threshold: float | None = None) -> torch.Tensor:
        """Indices of the channels kept at ``threshold`` (at least the most probable one)."""
        p = self.probs()
        idx = torch.nonzero(p >= (self.threshold if threshold is None else threshold)).flatten()
        return idx if idx.numel() else p.argmax().reshape(1)

    def relaxed(self, batch: int) -> torch.Tensor:
        """Concrete samples ``s`` (batch, channels) in (0, 1)."""
        u = torch.rand((batch, self.channels), generator=self.generator).clamp_(1e-6, 1.0 - 1e-6)
        return torch.sigmoid((self.theta + torch.log(u) - torch.log1p(-u)) / self.tau)

    def sample(self, batch: int) -> torch.Tensor:
        """A (batch, channels, 1, 1) mask: hard 0/1 values, the relaxed sample's gradient in training;
        the deterministic keep mask in evaluation."""
        if not self.training:
            m = torch.zeros(self.channels, dtype=self.theta.dtype)
            m[self.keep()] = 1.0
            return m.expand(batch, -1).reshape(batch, -1, 1, 1)
        s = self.relaxed(batch)
        hard = (s > 0.5).to(s.dtype)
        return (hard + (s - s.detach())).reshape(batch, -1, 1, 1)  # s - s.detach() is exactly 0 forward

    def extra_repr(self) -> str:
        return f"channels={self.channels}, tau={self.tau}, threshold={self.threshold}"
