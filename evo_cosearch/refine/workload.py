"""The refined network's structure without torch: its prunable blocks and its workload.

A refined network is its spec plus narrower hidden widths ``hidden[block]``. The prunable
blocks are those with expansion ``e > 1`` (their hidden channels are the outputs of the
expand conv, and of the depthwise conv of an mbconv). They are named like the workload's
slots: ``s{stage}.l{layer}`` (1-based), e.g. ``s2.l1``. :func:`refined_workload` lowers the
spec with :func:`evo_cosearch.workload.spec_workload` and overrides the channel counts of the
narrowed slots (``expand`` outputs, the depthwise conv, ``project`` inputs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.workload import LayerArrays, spec_workload

__all__ = ["PrunableBlock", "prunable_blocks", "slot_channels", "refined_workload"]


@dataclass(frozen=True)
class PrunableBlock:
    """A block whose hidden channels carry a mask: its name, position in ``ChildNet.blocks``, width."""

    name: str
    index: int
    block: str
    hidden: int


def prunable_blocks(spec: NetworkSpec) -> list[PrunableBlock]:
    """The (fused) MBConv blocks of ``spec`` with hidden channels (expansion > 1), in network order."""
    out, index, cin = [], 0, spec.stem_out_channels
    for s, st in enumerate(spec.stages):
        for j, layer in enumerate(st.layers):
            if layer.block != "conv" and layer.expansion > 1:  # a plain conv has no hidden channels
                out.append(PrunableBlock(f"s{s + 1}.l{j + 1}", index, layer.block, cin * layer.expansion))
            index += 1
            cin = st.width
    return out


def slot_channels(spec: NetworkSpec) -> dict[str, tuple[str | None, str | None, int]]:
    """Slot name -> (block masking its input channels, block masking its outputs, unpruned width)."""
    out = {}
    for p in prunable_blocks(spec):
        out[f"{p.name}.expand"] = (None, p.name, p.hidden)
        if p.block == "mbconv":
            out[f"{p.name}.dw"] = (None, p.name, p.hidden)  # depthwise: one factor
        out[f"{p.name}.project"] = (p.name, None, p.hidden)
    return out


def refined_workload(spec: NetworkSpec, hidden: Mapping[str, int]) -> LayerArrays:
    """The 1-design workload of ``spec`` with the hidden widths ``hidden[block]``."""
    la = spec_workload(spec)
    slots = slot_channels(spec)
    known = {name.rsplit(".", 1)[0] for name in slots}
    unknown = set(hidden) - known
    if unknown:
        raise ValueError(f"no prunable block named {sorted(unknown)[0]!r}")
    fields = {k: np.array(getattr(la, k), copy=True) for k in ("in_c", "out_c", "groups")}
    for j, name in enumerate(la.names):
        if name not in slots or not la.active[0, j]:
            continue
        in_block, out_block, _ = slots[name]
        if name.endswith(".dw"):
            if out_block in hidden:
                for k in ("in_c", "out_c", "groups"):
                    fields[k][0, j] = int(hidden[out_block])
            continue
        if out_block in hidden:
            fields["out_c"][0, j] = int(hidden[out_block])
        if in_block in hidden:
            fields["in_c"][0, j] = int(hidden[in_block])
    return replace(la, **fields)
