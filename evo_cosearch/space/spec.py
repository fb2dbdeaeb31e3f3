"""Typed, validated specs of one design: network, accelerator, and the pair."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["LayerSpec", "StageSpec", "NetworkSpec", "AcceleratorSpec", "DesignSpec", "BLOCK_TYPES"]

BLOCK_TYPES = ("mbconv", "fused_mbconv", "conv")


@dataclass(frozen=True)
class LayerSpec:
    """One block (MBConv, fused MBConv, or a plain kxk conv) and its quantization.

    ``w_bits`` / ``a_bits`` are quantizers (:mod:`evo_cosearch.space.quant`): a fixed-point
    bit-width (16 = not quantized) or a name (``binary``, ``ternary``, ``po2_4``, ``fp16``).
    A plain ``conv`` block ignores ``expansion``.
    """

    kernel: int
    expansion: int
    block: str
    w_bits: int | str
    a_bits: int | str


@dataclass(frozen=True)
class StageSpec:
    """A stage: ``depth`` active blocks of output ``width``; the first has ``stride``."""

    depth: int
    width: int
    stride: int
    layers: tuple[LayerSpec, ...]  # only the active ones (len == depth)


@dataclass(frozen=True)
class NetworkSpec:
    """A complete child network of the space.

    Stem: 3x3 conv (``stem_stride``) to ``stem_width`` at ``edge_bits`` (``stem_width`` 0: no
    stem, the first block reads the input); then the stages; then global average pooling and a
    dense classifier at ``edge_bits``. ``acc_bits``: the accumulator width of every MAC (None:
    as wide as the product, ``w_bits + a_bits``); it matters to the simulator only.
    """

    in_channels: int
    in_size: int
    num_classes: int
    stem_width: int
    stem_stride: int
    edge_bits: int
    stages: tuple[StageSpec, ...]
    acc_bits: int | None = None

    @property
    def stem_out_channels(self) -> int:
        """Channels entering the first block: the stem's width, or the input's without a stem."""
        return self.stem_width if self.stem_width > 0 else self.in_channels

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["acc_bits"] is None:  # not written when unset (older files never have it)
            del d["acc_bits"]
        return d

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
