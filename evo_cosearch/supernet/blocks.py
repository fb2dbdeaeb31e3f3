"""Elastic MBConv, fused-MBConv and plain conv blocks, and the block *slot* that holds them.

Lowering (must match :mod:`evo_cosearch.workload`):

* mbconv, e>1: 1x1 expand -> kxk depthwise (stride) -> 1x1 linear project
* mbconv, e=1: kxk depthwise on the input (stride) -> 1x1 linear project
* fused, e>1:  kxk conv to cin*e (stride) -> 1x1 linear project
* fused, e=1:  one kxk conv to cout (stride), with ReLU6
* conv:        one kxk conv to cout (stride), BatchNorm, ReLU6; elastic width (the first cout
  filters), never a residual
* residual add (mbconv, fused) when stride is 1 and cin == cout

Expansion 1 changes what a block's convs compute (the depthwise conv reads the block input,
not expanded features; the fused conv writes the block output, not hidden features), so a
slot whose expansion list holds 1 and larger values keeps separate ``mbconv_e1`` /
``fused_mbconv_e1`` weights for e=1 instead of forcing one set of filters into both roles.
In every slot after a stage's first (always residual) the linear projection that ends a
residual branch starts with a zero BatchNorm scale, so a deeper child starts as the shallower
one (BigNAS). A fused e=1 block has no projection (its one conv ends in a ReLU6, which would
pass no gradient back to a zero scale) and starts as initialised.

A plain conv quantizes its input as unsigned when the previous layer ends in a ReLU6 (a
binary or ternary activation of a non-negative tensor is ``{0, α}``, see supernet.quant).
"""

from __future__ import annotations

import torch
from torch import nn

from evo_cosearch.space.spec import LayerSpec
from evo_cosearch.supernet.dynamic import DynamicConvBN
from evo_cosearch.supernet.layers import ChildBlock

__all__ = ["DynamicMBConv", "DynamicFusedMBConv", "DynamicConv", "DynamicSlot"]


class DynamicMBConv(nn.Module):
    def __init__(self, max_in: int, max_out: int, max_e: int, kernels: tuple[int, ...], stride: int) -> None:
        super().__init__()
        hidden = max_in * max_e
        self.expand = DynamicConvBN(max_in, hidden, (1,), signed_input=True) if max_e > 1 else None
        self.dw = DynamicConvBN(hidden, hidden, kernels, stride=stride, depthwise=True, signed_input=False)
        self.project = DynamicConvBN(hidden, max_out, (1,), relu=False, signed_input=False)
        self.use_expand = max_e > 1

    def set_active(self, layer: LayerSpec, cin: int, cout: int) -> None:
        e, wb, ab = layer.expansion, layer.w_bits, layer.a_bits
        hidden = cin * e
        self.use_expand = e > 1
        if self.use_expand:
            self.expand.set_active(in_c=cin, out_c=hidden, kernel=1, w_bits=wb, a_bits=ab)
        self.dw.set_active(in_c=hidden, out_c=hidden, kernel=layer.kernel, w_bits=wb, a_bits=ab,
                           signed_input=not self.use_expand)
        self.project.set_active(in_c=hidden, out_c=cout, kernel=1, w_bits=wb, a_bits=ab)

    def active_ops(self) -> list[DynamicConvBN]:
        return ([self.expand] if self.use_expand else []) + [self.dw, self.project]


class DynamicFusedMBConv(nn.Module):
    def __init__(self, max_in: int, max_out: int, max_e: int, kernels: tuple[int, ...], stride: int) -> None:
        super().__init__()
        hidden = max(max_in * max_e, max_out)
        self.expand = DynamicConvBN(max_in, hidden, kernels, stride=stride, signed_input=True)
        self.project = DynamicConvBN(hidden, max_out, (1,), relu=False, signed_input=False) if max_e > 1 else None
        self.use_project = max_e > 1

    def set_active(self, layer: LayerSpec, cin: int, cout: int) -> None:
        e, wb, ab = layer.expansion, layer.w_bits, layer.a_bits
        self.use_project = e > 1
        out = cin * e if self.use_project else cout
        self.expand.set_active(in_c=cin, out_c=out, kernel=layer.kernel, w_bits=wb, a_bits=ab)
        if self.use_project:
            self.project.set_active(in_c=out, out_c=cout, kernel=1, w_bits=wb, a_bits=ab)

    def active_ops(self) -> list[DynamicConvBN]:
        return [self.expand] + ([self.project] if self.use_project else [])


class DynamicConv(nn.Module):
    """A plain kxk conv + BatchNorm + ReLU6 of elastic width (and kernel)."""

    def __init__(self, max_in: int, max_out: int, max_e: int, kernels: tuple[int, ...], stride: int) -> None:
        super().__init__()
        self.conv = DynamicConvBN(max_in, max_out, kernels, stride=stride, signed_input=True)

    def set_active(self, layer: LayerSpec, cin: int, cout: int, *, signed_input: bool = True) -> None:
        self.conv.set_active(in_c=cin, out_c=cout, kernel=layer.kernel, w_bits=layer.w_bits, a_bits=layer.a_bits,
                             signed_input=signed_input)

    def active_ops(self) -> list[DynamicConvBN]:
        return [self.conv]


class DynamicSlot(nn.Module):
    """Block slot j of a stage: one elastic block per allowed block type; one is active."""

    def __init__(self, block_types: tuple[str, ...], *, max_in: int, max_out: int, expansions: tuple[int, ...],
                 kernels: tuple[int, ...], stride: int, always_residual: bool = False) -> None:
        super().__init__()
        kinds = {"mbconv": DynamicMBConv, "fused_mbconv": DynamicFusedMBConv, "conv": DynamicConv}
        max_e = max(expansions)
        self.split_e1 = 1 in expansions and max_e > 1
        blocks = {b: kinds[b](max_in, max_out, max_e, kernels, stride) for b in block_types}
        if self.split_e1:
            blocks.update({f"{b}_e1": kinds[b](max_in, max_out, 1, kernels, stride)
                           for b in block_types if b != "conv"})
        self.blocks = nn.ModuleDict(blocks)
        if always_residual:
            for block in self.blocks.values():
                if getattr(block, "project", None) is not None:
                    nn.init.zeros_(block.project.bn.weight)
        self.stride = stride
        self.active = block_types[0]
        self.residual = False

    def set_active(self, layer: LayerSpec, cin: int, cout: int, *, signed_input: bool = True) -> bool:
        """Select ``layer``'s block; ``signed_input``: whether its input can be negative.
        Returns whether the block's output can be negative."""
        e1 = self.split_e1 and layer.expansion == 1 and layer.block != "conv"
        self.active = f"{layer.block}_e1" if e1 else layer.block
        block = self.blocks[self.active]
        if layer.block == "conv":
            self.residual = False
            block.set_active(layer, cin, cout, signed_input=signed_input)
            return False
        self.residual = self.stride == 1 and cin == cout
        block.set_active(layer, cin, cout)
        ends_in_relu = layer.block == "fused_mbconv" and layer.expansion == 1
        return not ends_in_relu or (self.residual and signed_input)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        for op in self.blocks[self.active].active_ops():
            y = op(y)
        return x + y if self.residual else y

    def active_module(self) -> ChildBlock:
        ops = [op.active_module() for op in self.blocks[self.active].active_ops()]
        return ChildBlock(ops, residual=self.residual)
