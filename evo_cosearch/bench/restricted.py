"""Restricted problems derived from a joint one, and their genomes mapped back to the joint space.

* **network-only**: the joint network space on a fixed *baseline accelerator* -- the mid-size
  one of ``problems/network_only_fashion_mnist.yaml`` (4 x 4 PEs, 64 SIMD units, 4 lanes,
  1 MB local memory, 32 KB register file, 10 Gb/s IO, 8-bit MACs), each value clipped to the
  nearest value of the joint problem's list (a tie goes to the smaller value).
* **accelerator-only**: the joint accelerator space for a fixed *8-bit mid-size network*, as
  in ``problems/accelerator_only_fashion_mnist.yaml``: 3 x 3 kernels, expansion 3, MBConv
  blocks, 8-bit weights and activations in every block (each the nearest allowed value, or
  MBConv's first listed alternative), and the stem width and each stage's depth and width at
  the middle of their value lists (index ``len // 2``).

Fixing is done the way a user would, by one-value lists in the problem file ("a single value
fixes a parameter"); everything else (dataset, objectives, constraints, settings) is the joint
problem's, so all are scored alike, except that both are searched without the accelerator repair
(``search.accelerator_repair: none``; it would make accelerator-only search a full sweep).
:func:`repair_problem` is the joint problem with another ``search.accelerator_repair`` rule.
:class:`ToJoint` turns a restricted genome into the joint genome of the same design, so accuracy
can come from the joint problem's supernet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np
import yaml

from evo_cosearch.errors import ProblemError
from evo_cosearch.problem import parse_problem, read_yaml

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem

__all__ = ["BASELINE_ACCELERATOR", "FIXED_LAYER", "network_only_problem", "accelerator_only_problem",
           "repair_problem",
           "nearest", "middle", "ToJoint", "JointAccuracy"]

#: The baseline accelerator of network-only search (before clipping to the problem's lists).
BASELINE_ACCELERATOR: dict[str, float] = {
    "pes_x": 4, "pes_y": 4, "simd_units": 64, "compute_lanes": 4, "local_memory_mb": 1,
    "register_file_kb": 32, "io_bandwidth_gbps": 10, "mac_bits": 8,
}
#: Every block of the fixed network of accelerator-only search (before clipping).
FIXED_LAYER: dict[str, Any] = {"kernel": 3, "expansion": 3, "block": "mbconv", "w_bits": 8, "a_bits": 8}


def nearest(values: Sequence[Any], preferred: Any) -> Any:
    """``preferred`` if allowed, else the numerically nearest number of ``values`` (ties: the
    smaller); the first value when ``preferred`` or every value is not a number (a block type,
    a quantizer name)."""
    if preferred in values:
        return preferred
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if isinstance(preferred, str) or not numbers:
        return values[0]
    return min(numbers, key=lambda v: (abs(v - preferred), v))


def middle(values: Sequence[Any]) -> Any:
    """The middle value of a list (the upper one of the two middles for an even length)."""
    return values[len(values) // 2]


def _derive(joint: "Problem", kind: str, edit: Callable[[dict], None], what: str,
            accelerator_repair: str = "none") -> "Problem":
    cfg = read_yaml(joint.text)  # as the problem was read: 1e-4 a number, not a string
    edit(cfg)
    cfg["search"] = {**(cfg.get("search") or {}), "accelerator_repair": accelerator_repair}
    cfg["name"] = f"{joint.name}_{kind}"
    cfg["description"] = f"{what}; derived from {joint.name} by evo_cosearch.bench.restricted"
    text = f"# {kind}: derived from {joint.source} (evo_cosearch.bench.restricted)\n" + \
        yaml.safe_dump(cfg, sort_keys=False, default_flow_style=None)
    return parse_problem(text, source=f"{joint.source} [{kind}]").with_data(joint.dataset.path)


def search_variant_problem(problem: "Problem", kind: str, settings: dict[str, Any]) -> "Problem":
    """``problem`` with ``settings`` in its ``search:`` section, named ``<name>_<kind>`` (for a
    strategy other than nsga2: its accelerator repair is ``none`` whatever the section says)."""
    def edit(cfg: dict) -> None:
        cfg["search"] = {**(cfg.get("search") or {}), **settings}
    return _derive(problem, kind, edit, f"search with {settings}")


def network_only_problem(joint: "Problem") -> "Problem":
    """``joint`` with its accelerator fixed to the clipped baseline (see the module doc)."""
    fixed = {name: [nearest(values, BASELINE_ACCELERATOR[name])] for name, values in joint.accelerator.values.items()}

    def edit(cfg: dict) -> None:
        cfg["accelerator"] = fixed
    return _derive(joint, "network_only", edit, "network search on a fixed baseline accelerator")


def accelerator_only_problem(joint: "Problem") -> "Problem":
    """``joint`` with its network fixed to the 8-bit mid-size network (see the module doc)."""
    t = joint.network

    def edit(cfg: dict) -> None:
        net = cfg["network"]
        net["stem"] = {**(net.get("stem") or {}), "width": [middle(t.stem_width)]}
        net.pop("layer", None)
        for st_cfg, st in zip(net["stages"], t.stages):
            st_cfg["depth"] = [middle(st.depth)]
            st_cfg["width"] = [middle(st.width)]
            st_cfg["layer"] = {k: [nearest(st.layer[k], v)] for k, v in FIXED_LAYER.items()}
    return _derive(joint, "accelerator_only", edit, "accelerator search for a fixed 8-bit mid-size network")


def repair_problem(joint: "Problem", rule: str) -> "Problem":
    """``joint`` searched with ``search.accelerator_repair: <rule>`` (``joint`` itself when it is
    its own rule)."""
    from evo_cosearch.engine.settings import search_settings

    if search_settings(joint).accelerator_repair == rule:
        return joint
    return _derive(joint, rule, lambda cfg: None, f"joint search with accelerator repair {rule}", rule)


class ToJoint:
    """Maps genomes of a problem derived from ``joint`` to the joint genomes of the same designs.

    Genes are matched by name and values by equality; a joint gene the restricted problem
    lacks (a block slot beyond its fixed depth, so inactive) takes index 0.
    """

    def __init__(self, joint: "Problem", restricted: "Problem") -> None:
        self.restricted_space = restricted.space
        self.n_var = joint.space.n_var
        self.columns: list[tuple[int, int, np.ndarray]] = []  # (joint column, restricted column, index map)
        for j, gene in enumerate(joint.space.genes):
            if gene.name not in restricted.space:
                continue
            rgene = restricted.space.gene(gene.name)
            missing = [v for v in rgene.values if v not in gene.values]
            if missing:
                raise ProblemError(f"{restricted.source}: gene {gene.name} value {missing[0]!r} is not in the "
                                   f"joint problem's {list(gene.values)}")
            index_map = np.array([list(gene.values).index(v) for v in rgene.values], dtype=np.int64)
            self.columns.append((j, restricted.space.index_of(gene.name), index_map))

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = self.restricted_space.validate(X)
        out = np.zeros((len(X), self.n_var), dtype=np.int64)
        for j, r, index_map in self.columns:
            out[:, j] = index_map[X[:, r]]
        return out


class JointAccuracy:
    """Accuracy of a restricted problem's genomes from an accuracy function of the joint problem."""

    def __init__(self, joint_accuracy: Callable[[np.ndarray], np.ndarray], to_joint: ToJoint) -> None:
        self.joint_accuracy = joint_accuracy
        self.to_joint = to_joint

    def source(self) -> dict[str, Any]:
        """The joint accuracy function's source (the shared supernet and its hash): the run records it."""
        from evo_cosearch.provenance import accuracy_source
        return accuracy_source(self.joint_accuracy)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.joint_accuracy(self.to_joint(X))
