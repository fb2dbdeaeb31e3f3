"""Fake quantization with a straight-through estimator (STE); 16 bits means "not quantized".

Weights: symmetric, per output channel, ``2^(b-1) - 1`` levels each side of zero.
Activations: per tensor, symmetric for signed tensors (block inputs) and ``[0, amax]`` with
``2^b - 1`` levels for unsigned ones (after ReLU6). The range ``amax`` is a buffer: in training
it comes from the batch (and its running mean is tracked), in evaluation the stored value
(re-estimated with the BatchNorm statistics when a child is recalibrated); at 16 bits the
range is neither used nor tracked.

Both use PyTorch's fused fake-quantize kernels (one pass; their gradient is the
straight-through estimator, zero only where a value was clipped).

Clipping ranges follow the analytical clipping rule of Banner et al. (ACIQ, 2019): the
range is ``min(max |x|, c_b * spread)`` with (approximately) the mean-square-error-optimal
factor ``c_b`` for ``b`` bits, ``spread`` the standard deviation for weights (Gaussian-like) and the mean
absolute value for activations (Laplace-like). At low bit-widths max-abs scaling would
round most values to zero.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["FULL_PRECISION", "quantize_weight", "ActQuant"]

FULL_PRECISION = 16
#: Clipping factors per bit-width (Gaussian: x std, Laplace: x mean |x|); >= 8 bits: no clipping.
_GAUSS = {2: 1.71, 3: 2.15, 4: 2.55, 5: 2.94, 6: 3.29, 7: 3.61}
_LAPLACE = {2: 2.83, 3: 3.89, 4: 5.03, 5: 6.20, 6: 7.41, 7: 8.64}


def quantize_weight(w: torch.Tensor, bits: int) -> torch.Tensor:
    """Per-output-channel symmetric fake quantization of a conv/linear weight."""
    if bits >= FULL_PRECISION:
        return w
    if bits < 2:
        raise ValueError(f"w_bits={bits}: at least 2 bits are needed for a symmetric grid")
    levels = 2 ** (bits - 1) - 1
    dims = tuple(range(1, w.dim()))
    wd = w.detach()
    amax = wd.abs().amax(dim=dims, keepdim=True)
    if bits in _GAUSS and wd[0].numel() > 1:
        amax = torch.minimum(amax, _GAUSS[bits] * wd.std(dim=dims, keepdim=True))
    scale = (amax.clamp_min(1e-8) / levels).flatten().float()
    zero = torch.zeros(scale.shape, dtype=torch.int32)
    return torch.fake_quantize_per_channel_affine(w, scale, zero, 0, -levels, levels)


class ActQuant(nn.Module):
    """Per-tensor activation fake quantizer at ``bits`` (mutable: elastic layers set it)."""

    def __init__(self, *, signed: bool, bits: int = FULL_PRECISION, momentum: float | None = 0.1) -> None:
        super().__init__()
        self.signed = signed
        self.bits = bits
        self.momentum = momentum  # None: cumulative mean (used by recalibration)
        self.register_buffer("amax", torch.ones(()))
        self.register_buffer("num_batches", torch.zeros((), dtype=torch.long))

    def reset_range(self) -> None:
        self.amax.fill_(1.0)
        self.num_batches.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bits >= FULL_PRECISION:  # not quantized: the range is never used, so not tracked
            return x
        if self.training:
            xa = x.detach().abs()
            batch_amax = xa.amax()
            grid_bits = self.bits if self.signed else self.bits + 1  # [0, a] with 2^b - 1 steps ~ b+1 signed bits
            if grid_bits in _LAPLACE:
                batch_amax = torch.minimum(batch_amax, _LAPLACE[grid_bits] * xa.mean())
            batch_amax = batch_amax.clamp_min(1e-8)
            self.num_batches += 1
            m = 1.0 / float(self.num_batches) if self.momentum is None else self.momentum
            if int(self.num_batches) == 1:
                self.amax.copy_(batch_amax)
            else:
                self.amax.mul_(1 - m).add_(m * batch_amax)
            amax = batch_amax
        else:
            amax = self.amax
        if self.signed:
            levels = 2 ** (self.bits - 1) - 1
            lo = -levels
        else:
            levels, lo = 2 ** self.bits - 1, 0
        scale = (amax / levels).reshape(1).float()
        return torch.fake_quantize_per_tensor_affine(x, scale, torch.zeros(1, dtype=torch.int32), lo, levels)

    def extra_repr(self) -> str:
        return f"signed={self.signed}, bits={self.bits}"
