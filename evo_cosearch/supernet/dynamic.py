"""Elastic layers: each owns its largest weights and its active setting, and can hand back
a stand-alone copy of its active sub-layer (Once-for-All style).

Elastic width: the first ``out_c`` filters and first ``in_c`` input channels. Elastic kernel:
the largest kernel's weights; a smaller kernel is the centre crop of the next larger one
passed through a small learned (k², k²) transform, identity at initialisation, shared by all
filters of the layer. BatchNorm uses the first ``out_c`` channels of its statistics.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from evo_cosearch.supernet.depthwise import depthwise_conv2d
from evo_cosearch.supernet.layers import QConvBN, QLinear
from evo_cosearch.supernet.quant import ActQuant, quantize_weight

__all__ = ["DynamicConvBN", "DynamicLinear"]


class DynamicConvBN(nn.Module):
    """Elastic (in, out, kernel, bits) conv + BatchNorm (+ ReLU6); depthwise if ``depthwise``."""

    def __init__(self, max_in: int, max_out: int, kernels: tuple[int, ...], *, stride: int = 1,
                 depthwise: bool = False, relu: bool = True, signed_input: bool = True) -> None:
        super().__init__()
        self.kernels = tuple(sorted(kernels))
        self.stride = stride
        self.depthwise = depthwise
        k = self.kernels[-1]
        self.weight = nn.Parameter(torch.empty(max_out, 1 if depthwise else max_in, k, k))
        nn.init.kaiming_normal_(self.weight, mode="fan_out")
        self.transforms = nn.ParameterDict({
            str(kk): nn.Parameter(torch.eye(kk * kk)) for kk in self.kernels[:-1]
        })
        self.bn = nn.BatchNorm2d(max_out)
        self.quant = ActQuant(signed=signed_input)
        # active setting
        self.in_c, self.out_c, self.kernel = max_in, max_out, k
        self.relu = relu
        self.w_bits = 16

    def set_active(self, *, in_c: int, out_c: int, kernel: int, w_bits: int, a_bits: int,
                   relu: bool | None = None, signed_input: bool | None = None) -> None:
        if kernel not in self.kernels:
            raise ValueError(f"kernel {kernel} not in {self.kernels}")
        self.in_c, self.out_c, self.kernel, self.w_bits = in_c, out_c, kernel, w_bits
        self.quant.bits = a_bits
        if relu is not None:
            self.relu = relu
        if signed_input is not None:
            self.quant.signed = signed_input

    def active_weight(self) -> torch.Tensor:
        """The active (out, in, k, k) weight, kernel transforms applied (before quantization)."""
        w = self.weight[: self.out_c, : (1 if self.depthwise else self.in_c)]
        size = self.kernels[-1]
        for kk in reversed(self.kernels[:-1]):
            if kk < self.kernel:
                break
            start = (size - kk) // 2
            crop = w[:, :, start:start + kk, start:start + kk]
            w = (crop.reshape(-1, kk * kk) @ self.transforms[str(kk)]).reshape(crop.shape)
            size = kk
        return w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.out_c
        w = quantize_weight(self.active_weight(), self.w_bits)
        x = self.quant(x)
        if self.depthwise:
            x = depthwise_conv2d(x, w, self.stride, self.kernel // 2)
        else:
            x = F.conv2d(x, w, None, self.stride, self.kernel // 2)
        bn = self.bn
        x = F.batch_norm(x, bn.running_mean[:c], bn.running_var[:c], bn.weight[:c], bn.bias[:c],
                         self.training, bn.momentum, bn.eps)
        return F.relu6(x) if self.relu else x

    @torch.no_grad()
    def active_module(self) -> QConvBN:
        """A stand-alone :class:`QConvBN` holding only the active slice of the weights."""
        c = self.out_c
        in_c = c if self.depthwise else self.in_c
        m = QConvBN(in_c, c, self.kernel, stride=self.stride, groups=c if self.depthwise else 1, relu=self.relu,
                    signed_input=self.quant.signed, w_bits=self.w_bits, a_bits=self.quant.bits)
        m.conv.weight.copy_(self.active_weight())
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(m.bn, name).copy_(getattr(self.bn, name)[:c])
        m.bn.num_batches_tracked.copy_(self.bn.num_batches_tracked)
        m.quant.load_state_dict(self.quant.state_dict())
        return m


class DynamicLinear(nn.Module):
    """Elastic-input classifier: the first ``in_f`` input features of the largest dense layer."""

    def __init__(self, max_in: int, out_f: int) -> None:
        super().__init__()
        self.linear = nn.Linear(max_in, out_f)
        self.quant = ActQuant(signed=True)
        self.in_f, self.w_bits = max_in, 16

    def set_active(self, *, in_f: int, w_bits: int, a_bits: int) -> None:
        self.in_f, self.w_bits = in_f, w_bits
        self.quant.bits = a_bits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = quantize_weight(self.linear.weight[:, : self.in_f], self.w_bits)
        return F.linear(self.quant(x), w, self.linear.bias)

    @torch.no_grad()
    def active_module(self) -> QLinear:
        m = QLinear(self.in_f, self.linear.out_features, w_bits=self.w_bits, a_bits=self.quant.bits)
        m.linear.weight.copy_(self.linear.weight[:, : self.in_f])
        m.linear.bias.copy_(self.linear.bias)
        m.quant.load_state_dict(self.quant.state_dict())
        return m
