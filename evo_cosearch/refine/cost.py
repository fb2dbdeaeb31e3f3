"""The differentiable cost that drives the masks of a refined network.

Cost, normalised by the unpruned design's (1.0 when nothing is removed)::

    cost(theta) = sum_L c_L * r_L(theta) / sum_L c_L
    r_L = (E[c_in] / c_in) * (E[c_out] / c_out)     for a conv whose input / output channels
                                                     are masked (depthwise: E[c] / c once),
    E[c] = sum_i sigmoid(theta_i)                    (expected kept channels of a mask),

and ``r_L = 1`` for every other slot. With ``kind="macs"``, ``c_L`` is the slot's MACs, so
``cost`` is the expected MACs over the unpruned MACs. With ``"latency"`` / ``"energy"``,
``c_L`` is the simulator's latency / energy of slot ``L`` of the unpruned design on its
accelerator: a first-order surrogate that keeps each layer's cost per MAC fixed (a layer's
fixed overhead, tiling and memory effects are assumed to scale with its MACs); the refined
design is re-simulated exactly afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch

from evo_cosearch.hardware import simulate
from evo_cosearch.refine.workload import slot_channels
from evo_cosearch.space.accelerator import AcceleratorArrays
from evo_cosearch.space.spec import AcceleratorSpec, NetworkSpec
from evo_cosearch.workload import spec_workload

__all__ = ["COSTS", "CostTerms", "cost_terms", "expected_cost"]

COSTS = ("macs", "latency", "energy")


@dataclass(frozen=True)
class CostTerms:
    """Per-slot cost weights ``c_L`` of an unpruned design and which masks scale them."""

    kind: str
    names: tuple[str, ...]
    weight: np.ndarray                 # (L,) c_L
    in_block: tuple[str | None, ...]   # block whose mask scales the slot's input channels
    out_block: tuple[str | None, ...]  # ... its output channels
    width: np.ndarray                  # (L,) unpruned hidden width of the scaling block (0: none)

    @property
    def total(self) -> float:
        return float(self.weight.sum())


def cost_terms(spec: NetworkSpec, kind: str = "macs", *, accelerator: AcceleratorSpec | None = None) -> CostTerms:
    """The cost weights of ``spec`` (latency / energy: simulated on ``accelerator``)."""
    if kind not in COSTS:
        raise ValueError(f"cost: {kind!r} is not one of {', '.join(COSTS)}")
    la = spec_workload(spec)
    if kind == "macs":
        weight = la.macs[0].astype(np.float64)
    else:
        if accelerator is None:
            raise ValueError(f"cost {kind!r} needs the design's accelerator")
        hw = simulate(la, AcceleratorArrays.from_specs([accelerator]))
        weight = np.asarray(hw.layer_latency_ms if kind == "latency" else hw.layer_energy_uj,
                            dtype=np.float64)[0]
    weight = weight * la.active[0]
    slots = slot_channels(spec)
    scaled = [slots.get(n) if la.active[0, j] else None for j, n in enumerate(la.names)]
    return CostTerms(kind=kind, names=la.names, weight=weight,
                     in_block=tuple(s[0] if s else None for s in scaled),
                     out_block=tuple(s[1] if s else None for s in scaled),
                     width=np.array([s[2] if s else 0 for s in scaled], dtype=np.float64))


def expected_cost(terms: CostTerms, expected: Mapping[str, torch.Tensor | float]) -> torch.Tensor:
    """Normalised cost given the (expected) kept channels ``expected[block]``; differentiable."""
    total = terms.total
    if total <= 0:
        return torch.zeros(())
    fixed, variable = 0.0, []
    for w, b_in, b_out, width in zip(terms.weight, terms.in_block, terms.out_block, terms.width):
        if w == 0:
            continue
        ratio = None
        for b in (b_in, b_out):
            if b is not None and b in expected:
                r = torch.as_tensor(expected[b], dtype=torch.float32) / float(width)
                ratio = r if ratio is None else ratio * r
        if ratio is None:
            fixed += float(w)
        else:
            variable.append(float(w) * ratio)
    out = torch.tensor(fixed / total)
    return out + torch.stack(variable).sum() / total if variable else out
