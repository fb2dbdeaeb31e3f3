"""Depthwise convolution with a faster CPU backward pass for large kernels.

oneDNN's depthwise weight gradient is slow for 5x5 and 7x7 kernels on CPU (measured 2-3x
slower than the forward pass of a per-sample grouped convolution computing the same sum).
:func:`depthwise_conv2d` computes the same function as ``F.conv2d(x, w, None, stride,
padding, 1, channels)``; only its backward pass differs, and only in rounding:

* input gradient: the forward depthwise convolution of the output gradient with the
  flipped kernel (stride 1), or the transposed convolution (stride 2);
* weight gradient: a forward convolution of the padded input, one group per (image,
  channel), with the output gradient as the (dilated by the stride) kernel, summed over images.

Small kernels (3x3) keep PyTorch's own backward, which is fast for them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["depthwise_conv2d", "MIN_KERNEL"]

#: Kernels at least this large use the custom backward (3x3: oneDNN's own is faster).
MIN_KERNEL = 5


class _DepthwiseConv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, w: torch.Tensor, stride: int, padding: int) -> torch.Tensor:
        ctx.save_for_backward(x, w)
        ctx.stride, ctx.padding = stride, padding
        return F.conv2d(x, w, None, stride, padding, 1, w.shape[0])

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, w = ctx.saved_tensors
        s, p = ctx.stride, ctx.padding
        c, k = w.shape[0], w.shape[-1]
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            if s == 1:
                grad_x = F.conv2d(grad, w.flip(-1, -2), None, 1, k - 1 - p, 1, c)
            else:
                extra = [x.shape[d] - ((grad.shape[d] - 1) * s - 2 * p + k) for d in (2, 3)]
                grad_x = F.conv_transpose2d(grad, w, None, s, p, extra, c)
        if ctx.needs_input_grad[1]:
            n, _, h, wd = x.shape
            ho, wo = grad.shape[-2:]
            xp = F.pad(x, (p, p, p, p)).contiguous().reshape(1, n * c, h + 2 * p, wd + 2 * p)
            g = grad.contiguous().reshape(n * c, 1, ho, wo)
            out = F.conv2d(xp, g, None, 1, 0, s, n * c)[..., :k, :k]
            grad_w = out.reshape(n, c, k, k).sum(0).reshape(w.shape).to(w.dtype)
        return grad_x, grad_w, None, None


def depthwise_conv2d(x: torch.Tensor, w: torch.Tensor, stride: int, padding: int) -> torch.Tensor:
    """``F.conv2d(x, w, None, stride, padding, groups=channels)`` (w: (C, 1, k, k))."""
    if w.shape[-1] < MIN_KERNEL or not torch.is_grad_enabled() or x.device.type != "cpu":
        return F.conv2d(x, w, None, stride, padding, 1, w.shape[0])
    return _DepthwiseConv.apply(x, w, stride, padding)
