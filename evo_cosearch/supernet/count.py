"""Count a PyTorch child's parameters and MACs with the workload IR's conventions.

Params = conv/linear weights + one bias per conv output channel (BatchNorm folded: each
BatchNorm counts ``num_features`` once) + the dense layer's bias. MACs: every conv and dense
layer, ``out_elems * (in_c / groups) * kh * kw``; pooling and residual adds are not MACs.
"""

from __future__ import annotations

import torch
from torch import nn

from evo_cosearch.supernet.layers import QConvBN, QLinear

__all__ = ["count_params", "count_macs"]


def count_params(module: nn.Module) -> int:
    total = 0
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            total += m.weight.numel() + (m.bias.numel() if m.bias is not None else 0)
        elif isinstance(m, nn.modules.batchnorm._BatchNorm):
            total += m.num_features
    return total


@torch.no_grad()
def count_macs(module: nn.Module, input_shape: tuple[int, ...]) -> int:
    """MACs of one forward pass of a single image of ``input_shape`` (C, H, W)."""
    total = 0

    def conv_hook(m: QConvBN, _inp, out):
        nonlocal total
        c = m.conv
        total += out[0].numel() * (c.in_channels // c.groups) * c.kernel_size[0] * c.kernel_size[1]

    def linear_hook(m: QLinear, _inp, out):
        nonlocal total
        total += out[0].numel() * m.linear.in_features

    handles = []
    for m in module.modules():
        if isinstance(m, QConvBN):
            handles.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, QLinear):
            handles.append(m.register_forward_hook(linear_hook))
    was_training = module.training
    module.eval()
    try:
        module(torch.zeros((1, *input_shape)))
    finally:
        module.train(was_training)
        for h in handles:
            h.remove()
    return int(total)
