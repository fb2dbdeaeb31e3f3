"""The depthwise convolution with a custom backward: same values and gradients as PyTorch's."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from evo_cosearch.supernet.depthwise import depthwise_conv2d


@pytest.mark.parametrize("size,kernel,stride,channels_last", [
    (7, 5, 1, True), (7, 7, 2, True), (8, 7, 2, False), (4, 7, 1, True), (9, 5, 2, True), (6, 3, 1, True),
])
def test_gradients_match_autograd_of_conv2d(size, kernel, stride, channels_last):
    gen = torch.Generator().manual_seed(size * kernel + stride)
    x = torch.randn(3, 5, size, size, dtype=torch.float64, generator=gen)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(5, 1, kernel, kernel, dtype=torch.float64, generator=gen)
    g = None
    grads = []
    for fn in (depthwise_conv2d, lambda a, b, s, p: F.conv2d(a, b, None, s, p, 1, b.shape[0])):
        a, b = x.clone().requires_grad_(), w.clone().requires_grad_()
        y = fn(a, b, stride, kernel // 2)
        g = torch.randn(y.shape, dtype=y.dtype, generator=torch.Generator().manual_seed(1)) if g is None else g
        y.backward(g)
        grads.append((y.detach(), a.grad, b.grad))
    for mine, ref in zip(*grads):
        assert torch.allclose(mine, ref, atol=1e-10, rtol=0)


def test_non_square_strided_input():
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 9, 6, dtype=torch.float64, generator=gen, requires_grad=True)
    w = torch.randn(3, 1, 7, 7, dtype=torch.float64, generator=gen, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: depthwise_conv2d(a, b, 2, 3), (x, w))
