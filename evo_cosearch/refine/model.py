"""Masks in a child network, and the narrower child left when masked channels are removed.

The prunable channels are the hidden (expanded) channels of every block with expansion
``e > 1`` (:func:`evo_cosearch.refine.workload.prunable_blocks`) -- where most MACs are:

* mbconv: the outputs of the 1x1 expand and of the depthwise conv (one mask, the same
  sample after both; a removed channel loses its expand filter, depthwise filter and
  projection column);
* fused mbconv: the outputs of the kxk expand conv (its filter and the projection column).

Blocks with ``e = 1`` have no hidden channels of their own and stay as they are.
"""

from __future__ import annotations

import copy
from typing import Mapping

import torch
from torch import nn

from evo_cosearch.refine.masks import ChannelMask
from evo_cosearch.refine.workload import prunable_blocks
from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.supernet import ChildNet
from evo_cosearch.supernet.layers import ChildBlock

__all__ = ["MaskedBlock", "MaskedChild", "mask_child", "narrow_child"]


class MaskedBlock(nn.Module):
    """A child block whose hidden channels (the outputs of every op but the last) are masked."""

    def __init__(self, block: ChildBlock, mask: ChannelMask) -> None:
        super().__init__()
        self.ops = block.ops
        self.residual = block.residual
        self.mask = mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.mask.sample(x.shape[0])
        y = x
        last = len(self.ops) - 1
        for i, op in enumerate(self.ops):
            y = op(y)
            if i < last:
                y = y * m
        return x + y if self.residual else y


class MaskedChild(nn.Module):
    """A :class:`ChildNet` with a :class:`ChannelMask` in every prunable block (shares its layers)."""

    def __init__(self, child: ChildNet, spec: NetworkSpec, masks: Mapping[str, ChannelMask]) -> None:
        super().__init__()
        self.spec = spec
        self.prunable = tuple(prunable_blocks(spec))
        by_index = {p.index: masks[p.name] for p in self.prunable}
        self.stem = child.stem
        self.blocks = nn.Sequential(*[MaskedBlock(b, by_index[i]) if i in by_index else b
                                      for i, b in enumerate(child.blocks)])
        self.head = child.head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(x))
        return self.head(x.mean(dim=(2, 3)))

    def masks(self) -> dict[str, ChannelMask]:
        """Block name -> its mask, in network order."""
        return {p.name: self.blocks[p.index].mask for p in self.prunable}

    def mask_parameters(self) -> list[nn.Parameter]:
        return [m.theta for m in self.masks().values()]

    def weight_parameters(self) -> list[nn.Parameter]:
        thetas = {id(t) for t in self.mask_parameters()}
        return [p for p in self.parameters() if id(p) not in thetas]

    def kept(self, threshold: float) -> dict[str, torch.Tensor]:
        """Block name -> indices of the hidden channels kept at ``threshold``."""
        return {name: m.keep(threshold) for name, m in self.masks().items()}

    def prune(self, threshold: float) -> ChildNet:
        """A stand-alone child without the channels whose keep probability is below ``threshold``."""
        return narrow_child(self.to_child(), self.spec, self.kept(threshold))

    def to_child(self) -> ChildNet:
        """The unmasked child (all channels), sharing this model's layers."""
        blocks = [ChildBlock(list(b.ops), residual=b.residual) if isinstance(b, MaskedBlock) else b
                  for b in self.blocks]
        return ChildNet(self.stem, blocks, self.head)


def mask_child(child: ChildNet, spec: NetworkSpec, *, generator: torch.Generator, tau: float = 0.5,
               init_keep: float = 0.9, threshold: float = 0.5) -> MaskedChild:
    """``child`` (of ``spec``) with a fresh mask on the hidden channels of every prunable block."""
    masks = {p.name: ChannelMask(p.hidden, generator=generator, tau=tau, init_keep=init_keep, threshold=threshold)
             for p in prunable_blocks(spec)}
    return MaskedChild(child, spec, masks)


@torch.no_grad()
def narrow_child(child: ChildNet, spec: NetworkSpec, keep: Mapping[str, torch.Tensor]) -> ChildNet:
    """A copy of ``child`` keeping only the hidden channels ``keep[name]`` of each named block."""
    out = copy.deepcopy(child)
    by_index = {p.index: p for p in prunable_blocks(spec)}
    unknown = set(keep) - {p.name for p in by_index.values()}
    if unknown:
        raise ValueError(f"no prunable block named {sorted(unknown)[0]!r}")
    for i, p in by_index.items():
        if p.name not in keep:
            continue
        idx = torch.as_tensor(keep[p.name], dtype=torch.long)
        ops = out.blocks[i].ops
        for op in ops[:-1]:  # the producers of the hidden channels (and the depthwise conv)
            _narrow(op, out_index=idx, in_index=idx if op.conv.groups > 1 else None)
        _narrow(ops[-1], in_index=idx)
    return out


def _narrow(op: nn.Module, *, out_index: torch.Tensor | None = None, in_index: torch.Tensor | None = None) -> None:
    """Keep output filters ``out_index`` and input channels ``in_index`` of a QConvBN, in place."""
    conv, bn = op.conv, op.bn
    w = conv.weight
    depthwise = conv.groups > 1
    if out_index is not None:
        w = w[out_index]
    if in_index is not None and not depthwise:
        w = w[:, in_index]
    out_c = w.shape[0]
    in_c = out_c if depthwise else w.shape[1]
    new = nn.Conv2d(in_c, out_c, conv.kernel_size, stride=conv.stride, padding=conv.padding,
                    groups=out_c if depthwise else 1, bias=False)
    new.weight.copy_(w)
    op.conv = new
    if out_index is not None:
        nb = nn.BatchNorm2d(out_c, eps=bn.eps, momentum=bn.momentum)
        for name in ("weight", "bias", "running_mean", "running_var"):
            getattr(nb, name).copy_(getattr(bn, name)[out_index])
        nb.num_batches_tracked.copy_(bn.num_batches_tracked)
        op.bn = nb
