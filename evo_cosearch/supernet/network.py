"""The weight-sharing supernet of a :class:`NetworkTemplate`: one set of weights for every child."""

from __future__ import annotations

import torch
from torch import nn

from evo_cosearch.space.network import NetworkTemplate
from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.supernet.blocks import DynamicSlot
from evo_cosearch.supernet.dynamic import DynamicConvBN, DynamicLinear
from evo_cosearch.supernet.layers import ChildNet

__all__ = ["Supernet", "extract_child"]


class Supernet(nn.Module):
    """Stem, elastic stages of block slots, global pool, elastic classifier.

    ``set_active(spec)`` selects a child (depth: the first ``d`` slots of each stage); the
    forward pass then computes that child with the shared weights. A template whose stem
    widths are all 0 has no stem module (``stem`` is None); a child with stem width 0 skips it.
    """

    def __init__(self, template: NetworkTemplate) -> None:
        super().__init__()
        self.template = template
        t = template
        stem_max = max(t.stem_width)
        self.stem = (DynamicConvBN(t.in_channels, stem_max, (3,), stride=t.stem_stride, signed_input=True)
                     if stem_max > 0 else None)
        self.use_stem = stem_max > 0
        stages = []
        prev_max = max(stem_max, t.in_channels if min(t.stem_width) == 0 else 0)
        for st in t.stages:
            slots = []
            for j in range(st.max_depth):
                slots.append(DynamicSlot(
                    tuple(st.layer["block"]), max_in=prev_max if j == 0 else max(st.width), max_out=max(st.width),
                    expansions=tuple(st.layer["expansion"]), kernels=tuple(st.layer["kernel"]),
                    stride=st.stride if j == 0 else 1, always_residual=j > 0,
                ))
            stages.append(nn.ModuleList(slots))
            prev_max = max(st.width)
        self.stages = nn.ModuleList(stages)
        self.head = DynamicLinear(max(t.stages[-1].width), t.num_classes)
        self.depths = [st.max_depth for st in t.stages]
        self.set_active(t.largest())

    def set_active(self, spec: NetworkSpec) -> None:
        edge = spec.edge_bits
        self.use_stem = spec.stem_width > 0
        if self.use_stem:
            self.stem.set_active(in_c=spec.in_channels, out_c=spec.stem_width, kernel=3, w_bits=edge, a_bits=edge)
        cin = spec.stem_out_channels
        signed = not self.use_stem  # the (normalised) input is signed; the stem ends in a ReLU6
        for s, st in enumerate(spec.stages):
            for j, layer in enumerate(st.layers):
                signed = self.stages[s][j].set_active(layer, cin, st.width, signed_input=signed)
                cin = st.width
        self.depths = [st.depth for st in spec.stages]
        self.head.set_active(in_f=cin, w_bits=edge, a_bits=edge)
        self.spec = spec

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_stem:
            x = self.stem(x)
        for stage, d in zip(self.stages, self.depths):
            for slot in stage[:d]:
                x = slot(x)
        return self.head(x.mean(dim=(2, 3)))


def extract_child(supernet: Supernet, spec: NetworkSpec) -> ChildNet:
    """A stand-alone :class:`ChildNet` with only ``spec``'s slice of the supernet's weights.

    The kernel transforms are baked into the copied weights; BatchNorm statistics and
    activation ranges are copied as they are (recalibrate before evaluating).
    """
    supernet.set_active(spec)
    blocks = [supernet.stages[s][j].active_module() for s, d in enumerate(supernet.depths) for j in range(d)]
    stem = supernet.stem.active_module() if supernet.use_stem else None
    child = ChildNet(stem, blocks, supernet.head.active_module())
    child.train(supernet.training)
    return child
