"""Stand-alone (static) child layers: what an extracted child network is built from.

A :class:`QConvBN` is activation quantizer -> conv with fake-quantized weights -> BatchNorm
-> optional ReLU6. ReLU6 is the network's only non-linearity; the projection of an
inverted bottleneck is linear. A :class:`ChildNet` is stem (or none), blocks, global average
pool and a quantized dense classifier, exactly the structure lowered by
:mod:`evo_cosearch.workload`. Quantizers (``w_bits``, ``a_bits``) are bit-widths or names
(:mod:`evo_cosearch.supernet.quant`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from evo_cosearch.supernet.depthwise import depthwise_conv2d
from evo_cosearch.supernet.quant import ActQuant, quantize_weight

__all__ = ["QConvBN", "QLinear", "ChildBlock", "ChildNet", "FoldedConv", "fold_batchnorm"]


class QConvBN(nn.Module):
    def __init__(self, in_c: int, out_c: int, kernel: int, *, stride: int = 1, groups: int = 1,
                 relu: bool = True, signed_input: bool = True, w_bits: int | str = 16,
                 a_bits: int | str = 16) -> None:
        super().__init__()
        self.quant = ActQuant(signed=signed_input, bits=a_bits)
        self.conv = nn.Conv2d(in_c, out_c, kernel, stride=stride, padding=kernel // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(out_c)
        self.relu = relu
        self.w_bits = w_bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.conv
        x, w = self.quant(x), quantize_weight(c.weight, self.w_bits)
        if c.groups > 1 and c.groups == c.in_channels == c.out_channels:
            x = depthwise_conv2d(x, w, c.stride[0], c.padding[0])
        else:
            x = F.conv2d(x, w, None, c.stride, c.padding, 1, c.groups)
        x = self.bn(x)
        return F.relu6(x) if self.relu else x

    @torch.no_grad()
    def folded(self) -> "FoldedConv":
        """Inference form: BatchNorm folded into the (already quantized) weights and a bias."""
        bn, c = self.bn, self.conv
        gain = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        weight = quantize_weight(c.weight, self.w_bits) * gain.reshape(-1, 1, 1, 1)
        return FoldedConv(self.quant, weight, bn.bias - bn.running_mean * gain, stride=c.stride, padding=c.padding,
                          groups=c.groups, relu=self.relu)


class FoldedConv(nn.Module):
    """Evaluation-only conv: activation quantizer, conv with folded BatchNorm, optional ReLU6."""

    def __init__(self, quant: ActQuant, weight: torch.Tensor, bias: torch.Tensor, *, stride, padding, groups,
                 relu: bool) -> None:
        super().__init__()
        self.quant = quant
        self.register_buffer("weight", weight.detach().clone())
        self.register_buffer("bias", bias.detach().clone())
        self.stride, self.padding, self.groups, self.relu = stride, padding, groups, relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(self.quant(x), self.weight, self.bias, self.stride, self.padding, 1, self.groups)
        return F.relu6(x, inplace=True) if self.relu else x


class QLinear(nn.Module):
    """Activation quantizer -> dense layer with fake-quantized weights (the classifier)."""

    def __init__(self, in_f: int, out_f: int, *, w_bits: int | str = 16, a_bits: int | str = 16) -> None:
        super().__init__()
        self.quant = ActQuant(signed=True, bits=a_bits)
        self.linear = nn.Linear(in_f, out_f)
        self.w_bits = w_bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(self.quant(x), quantize_weight(self.linear.weight, self.w_bits), self.linear.bias)


class ChildBlock(nn.Module):
    """An MBConv / fused-MBConv block: its convs in order, plus a residual when shape is kept."""

    def __init__(self, ops: list[QConvBN], *, residual: bool) -> None:
        super().__init__()
        self.ops = nn.Sequential(*ops)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.ops(x)
        return x + y if self.residual else y


class ChildNet(nn.Module):
    def __init__(self, stem: QConvBN | None, blocks: list[ChildBlock], head: QLinear) -> None:
        super().__init__()
        self.stem = stem if stem is not None else nn.Identity()  # no stem: the blocks read the input
        self.blocks = nn.Sequential(*blocks)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(x))
        return self.head(x.mean(dim=(2, 3)))


def fold_batchnorm(model: ChildNet) -> ChildNet:
    """An evaluation-mode copy of ``model`` with every BatchNorm folded into its conv."""
    blocks = []
    for block in model.blocks:
        folded = ChildBlock([], residual=block.residual)
        folded.ops = nn.Sequential(*[op.folded() for op in block.ops])
        blocks.append(folded)
    out = ChildNet(model.stem, blocks, model.head)
    if isinstance(model.stem, QConvBN):
        out.stem = model.stem.folded()
    return out.eval()
