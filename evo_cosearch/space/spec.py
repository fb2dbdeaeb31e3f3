"""Typed, validated specs of one design: network, accelerator, and the pair."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["LayerSpec", "StageSpec", "NetworkSpec", "AcceleratorSpec", "DesignSpec", "BLOCK_TYPES"]

BLOCK_TYPES = ("mbconv", "fused_mbconv")


@dataclass(frozen=True)
class LayerSpec:
    """One inverted-bottleneck block (MBConv or fused MBConv) and its quantization."""

    kernel: int
    expansion: int
    block: str
    w_bits: int
    a_bits: int


@dataclass(frozen=True)
class StageSpec:
    """A stage: ``depth`` active blocks of output ``width``; the first has ``stride``."""

    depth: int
    width: int
    stride: int
    layers: tuple[LayerSpec, ...]  # only the active ones (len == depth)


@dataclass(frozen=True)
class NetworkSpec:
    """A complete child network of the MBConv space.

    Stem: 3x3 conv (``stem_stride``) to ``stem_width`` at ``edge_bits``; then the stages;
    then global average pooling and a dense classifier at ``edge_bits``.
    """

    in_channels: int
    in_size: int
    num_classes: int
    stem_width: int
    stem_stride: int
    edge_bits: int
    stages: tuple[StageSpec, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "NetworkSpec":
        stages = tuple(
            StageSpec(
                depth=int(s["depth"]),
                width=int(s["width"]),
                stride=int(s["stride"]),
                layers=tuple(LayerSpec(**l) for l in s["layers"]),
            )
            for s in d["stages"]
        )
        return NetworkSpec(**{**d, "stages": stages})


@dataclass(frozen=True)
class AcceleratorSpec:
    """The edge-accelerator template (NAHAS table) plus the datapath width ``mac_bits``."""

    pes_x: int
    pes_y: int
    simd_units: int
    compute_lanes: int
    local_memory_mb: float
    register_file_kb: int
    io_bandwidth_gbps: float
    mac_bits: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DesignSpec:
    network: NetworkSpec
    accelerator: AcceleratorSpec
