"""Fake quantization with a straight-through estimator (STE); 16 bits means "not quantized".

A quantizer is a gene value (:mod:`evo_cosearch.space.quant`): a fixed-point bit-width or a name.

Fixed point. Weights: symmetric, per output channel, ``2^(b-1) - 1`` levels each side of zero.
Activations: per tensor, symmetric for signed tensors (block inputs) and ``[0, amax]`` with
``2^b - 1`` levels for unsigned ones (after ReLU6). The range ``amax`` is a buffer: in training
it comes from the batch (and its running mean is tracked), in evaluation the stored value
(re-estimated with the BatchNorm statistics when a child is recalibrated); at 16 bits the
range is neither used nor tracked.

Both use PyTorch's fused fake-quantize kernels (one pass). While a model is being exported
(``torch.export`` or ``torch.onnx.export``) the same grid is written as plain divide / round /
clamp / multiply ops instead: ONNX's quantize ops take only 8-bit ranges, and our grids are
symmetric (``-127..127``) or narrower.

Clipping ranges are ``min(max |x|, c_L * spread)``, with ``spread`` the standard deviation for
weights (Gaussian-like) and the mean absolute value for activations (Laplace-like), in the
spirit of ACIQ (Banner et al., 2019). ``c_L`` minimises the mean-square quantization error
of that distribution on the grid actually used: ``L`` levels each side of zero, ``2L + 1`` in
all (an unsigned ``b``-bit grid ``[0, a]`` has the ``2^b - 1`` positive levels of a signed
``b + 1``-bit one). ACIQ's published factors assume ``2^b`` bins; on a 2-bit symmetric grid
(levels -1, 0, 1) its 1.71·std clip is 40% too wide and left most weights at zero
(``tests/supernet/test_quant.py`` checks the factors against a numerical optimum). At 8 bits
and more nothing is clipped.

Weights get the straight-through gradient everywhere (a clipped weight still learns, as with
the named quantizers below); activations get none where they were clipped.

Named quantizers (gradient: straight through, identity inside the range):

* ``binary`` weights: ``α·sign(w)`` with ``α`` the mean ``|w|`` of each output channel
  (XNOR-Net); signed activations: ``α·sign(x)``, ``α`` the (running) mean ``|x|``.
* ``ternary`` weights: ``α·sign(w)`` where ``|w| > Δ``, else 0, with ``Δ = 0.7·mean|w|`` and
  ``α`` the mean ``|w|`` above ``Δ``, per output channel (ternary weight networks); signed
  activations: ``{−α, 0, α}`` with ``α = 1.4·mean|x|`` (so the threshold is ``0.7·mean|x|``).
* On an unsigned (post-ReLU) input both ``binary`` and ``ternary`` give ``{0, α}`` with the
  ternary's ``α`` (a non-negative tensor has no sign to keep).
* ``po2_<b>``: ``sign(x)·α·2^e`` with ``e = round(log2(|x|/α))`` in ``[−(2^(b−1) − 2), 0]``
  (1 sign bit, ``b − 1`` exponent bits with one code for zero), 0 below half the smallest
  level; ``α`` = max ``|w|`` per output channel, or the (running) max ``|x|``.
* ``fp16``: a round trip through IEEE half precision.
"""

from __future__ import annotations

import torch
from torch import nn

from evo_cosearch.space.quant import BINARY, FIXED, FLOAT, PO2, TERNARY, parse_quantizer

__all__ = ["FULL_PRECISION", "GAUSS_CLIP", "LAPLACE_CLIP", "quantize_weight", "ActQuant"]

FULL_PRECISION = 16
#: MSE-optimal clipping factors of a signed ``b``-bit grid (``2^(b-1) - 1`` levels each side) per
#: bit-width: Gaussian (x std) and Laplace (x mean |x|) inputs; >= 8 bits: no clipping.
GAUSS_CLIP = {2: 1.224, 3: 1.952, 4: 2.474, 5: 2.899, 6: 3.270, 7: 3.608}
LAPLACE_CLIP = {2: 2.000, 3: 3.487, 4: 4.820, 5: 6.098, 6: 7.359, 7: 8.617}
#: Ternary: threshold ``0.7·mean|x|`` (Li & Liu, ternary weight networks, 2016).
_TERNARY_THRESHOLD = 0.7


class _StraightThrough(torch.autograd.Function):
    """Forward: ``q`` exactly; backward: the gradient to ``x`` (zeroed where ``keep`` is False)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, q: torch.Tensor, keep: torch.Tensor | None) -> torch.Tensor:
        ctx.keep = keep
        return q.view_as(q)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return (grad if ctx.keep is None else grad * ctx.keep), None, None


def _ste(x: torch.Tensor, q: torch.Tensor, limit: torch.Tensor | None = None) -> torch.Tensor:
    """``q`` forward; gradient 1 to ``x`` (only where ``|x| <= limit`` when a limit is given)."""
    keep = None if limit is None else x.detach().abs() <= limit
    return _StraightThrough.apply(x, q.detach(), keep)


def _sign(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)


def _po2(x: torch.Tensor, scale: torch.Tensor, bits: int) -> torch.Tensor:
    """Power-of-two levels ``±scale·2^e`` and 0 (see the module doc); no gradient."""
    lowest = -(2 ** (bits - 1) - 2)
    r = x.abs() / scale.clamp_min(1e-8)
    e = torch.log2(r.clamp_min(2.0 ** (lowest - 2))).round().clamp(lowest, 0)
    return _sign(x) * scale * torch.exp2(e) * (r >= 2.0 ** (lowest - 1))


def _exporting() -> bool:
    return torch.compiler.is_exporting() or torch.onnx.is_in_onnx_export()


def _fake_quant(x: torch.Tensor, scale: torch.Tensor, lo: int, hi: int) -> torch.Tensor:
    """``clamp(round(x / scale), lo, hi) * scale`` (zero point 0); ``scale`` is per tensor (one
    value) or per output channel (one per ``x[i]``)."""
    if _exporting():
        s = scale.reshape(-1, *([1] * (x.dim() - 1))) if scale.numel() > 1 else scale
        return torch.clamp(torch.round(x * (1.0 / s)), lo, hi) * s  # the kernels multiply by 1/scale too
    zero = torch.zeros(scale.shape, dtype=torch.int32, device=scale.device)
    if scale.numel() > 1:
        return torch.fake_quantize_per_channel_affine(x, scale, zero, 0, lo, hi)
    return torch.fake_quantize_per_tensor_affine(x, scale, zero, lo, hi)


def _cast_fp16(x: torch.Tensor) -> torch.Tensor:
    return _ste(x, x.detach().to(torch.float16).to(x.dtype))


def quantize_weight(w: torch.Tensor, bits: int | str) -> torch.Tensor:
    """Per-output-channel fake quantization of a conv/linear weight by the quantizer ``bits``."""
    kind, bits = parse_quantizer(bits, "w_bits")
    if kind != FIXED:
        return _named_weight(w, kind, bits)
    if bits >= FULL_PRECISION:
        return w
    if bits < 2:
        raise ValueError(f"w_bits={bits}: at least 2 bits are needed for a symmetric grid")
    levels = 2 ** (bits - 1) - 1
    dims = tuple(range(1, w.dim()))
    wd = w.detach()
    amax = wd.abs().amax(dim=dims, keepdim=True)
    if bits in GAUSS_CLIP and wd[0].numel() > 1:
        amax = torch.minimum(amax, GAUSS_CLIP[bits] * wd.std(dim=dims, keepdim=True))
    scale = (amax.clamp_min(1e-8) / levels).flatten().float()
    return _ste(w, _fake_quant(wd, scale, -levels, levels))


def _named_weight(w: torch.Tensor, kind: int, bits: int) -> torch.Tensor:
    if kind == FLOAT:
        return _cast_fp16(w)
    dims = tuple(range(1, w.dim()))
    wd = w.detach()
    a = wd.abs()
    if kind == BINARY:
        return _ste(w, _sign(wd) * a.mean(dim=dims, keepdim=True))
    if kind == TERNARY:
        keep = (a > _TERNARY_THRESHOLD * a.mean(dim=dims, keepdim=True)).to(w.dtype)
        alpha = (a * keep).sum(dim=dims, keepdim=True) / keep.sum(dim=dims, keepdim=True).clamp_min(1)
        return _ste(w, _sign(wd) * alpha * keep)
    assert kind == PO2, kind
    return _ste(w, _po2(wd, a.amax(dim=dims, keepdim=True), bits))


class ActQuant(nn.Module):
    """Per-tensor activation fake quantizer ``bits``, a bit-width or a quantizer name (mutable:
    elastic layers set it). ``signed``: whether the input can be negative."""

    def __init__(self, *, signed: bool, bits: int | str = FULL_PRECISION, momentum: float | None = 0.1) -> None:
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
        kind, bits = parse_quantizer(self.bits, "a_bits")
        if kind == FLOAT:
            return _cast_fp16(x)
        if kind == FIXED and bits >= FULL_PRECISION:  # not quantized: the range is never used, so not tracked
            return x
        amax = self._track(self._batch_range(x.detach().abs(), kind, bits)) if self.training else self.amax
        if kind == PO2:
            return _ste(x, _po2(x.detach(), amax, bits), amax)
        if kind == BINARY and self.signed:
            return _ste(x, _sign(x.detach()) * amax)
        if kind == FIXED:
            levels, lo = (2 ** (bits - 1) - 1, -(2 ** (bits - 1) - 1)) if self.signed else (2 ** bits - 1, 0)
        else:  # ternary, and binary of an unsigned input: {-α, 0, α} (or {0, α})
            levels, lo = 1, -1 if self.signed else 0
        scale = (amax / levels).reshape(1).float()
        return _fake_quant(x, scale, lo, levels)

    def _batch_range(self, xa: torch.Tensor, kind: int, bits: int) -> torch.Tensor:
        """This batch's range statistic ``α`` for the quantizer (see the module doc)."""
        if kind == PO2:
            batch = xa.amax()
        elif kind == BINARY and self.signed:
            batch = xa.mean()
        elif kind in (BINARY, TERNARY):
            batch = 2 * _TERNARY_THRESHOLD * xa.mean()
        else:
            batch = xa.amax()
            grid_bits = bits if self.signed else bits + 1  # [0, a] with 2^b - 1 steps ~ b+1 signed bits
            if grid_bits in LAPLACE_CLIP:
                batch = torch.minimum(batch, LAPLACE_CLIP[grid_bits] * xa.mean())
        return batch.clamp_min(1e-8)

    def _track(self, batch_amax: torch.Tensor) -> torch.Tensor:
        """Fold this batch's range into the running ``amax`` (momentum, or cumulative if None)."""
        self.num_batches += 1
        m = 1.0 / float(self.num_batches) if self.momentum is None else self.momentum
        if int(self.num_batches) == 1:
            self.amax.copy_(batch_amax)
        else:
            self.amax.mul_(1 - m).add_(m * batch_amax)
        return batch_amax

    def extra_repr(self) -> str:
        return f"signed={self.signed}, bits={self.bits}"
