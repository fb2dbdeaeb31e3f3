"""Network spec(s) -> layer workloads (shapes, MACs, weights, bits). Pure numpy.

A population of networks becomes one :class:`LayerArrays` of shape (N, L): every design
has the same L operator *slots* (stem, then per block slot ``expand``, ``dw``,
``project``, ``add``, then ``pool`` and ``classifier``); a slot a design does not use is
inactive and counts nothing. No Python loop runs per design.

Block lowering (BatchNorm folded into the conv; its shift becomes a per-channel bias):

* mbconv, expansion e>1: 1x1 expand cin->cin*e, kxk depthwise (stride s), 1x1 project -> cout
* mbconv, e=1: kxk depthwise on cin (stride s), 1x1 project -> cout
* fused_mbconv, e>1: kxk conv cin->cin*e (stride s), 1x1 project -> cout
* fused_mbconv, e=1: kxk conv cin->cout (stride s)
* a residual add when the block keeps shape (stride 1 and cin == cout)

Convolutions use 'same' padding ``k // 2``: ``out = (in + 2*(k//2) - k) // s + 1``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
import numpy as np

from evo_cosearch.space.network import BLOCK_CODES, NetworkArrays
from evo_cosearch.space.spec import NetworkSpec

__all__ = ["KINDS", "LayerArrays", "Layer", "network_workload", "spec_arrays", "spec_workload", "layers_of"]

KINDS = ("conv", "depthwise", "pointwise", "dense", "add", "pool")
CONV, DW, PW, DENSE, ADD, POOL = range(len(KINDS))
_FUSED = BLOCK_CODES["fused_mbconv"]


@dataclass(frozen=True)
class LayerArrays:
    """Operator workloads of N designs over L slots; every field is an (N, L) array."""

    kind: np.ndarray
    active: np.ndarray
    in_h: np.ndarray
    in_w: np.ndarray
    in_c: np.ndarray
    out_h: np.ndarray
    out_w: np.ndarray
    out_c: np.ndarray
    kernel_h: np.ndarray
    kernel_w: np.ndarray
    stride: np.ndarray
    groups: np.ndarray
    w_bits: np.ndarray
    a_bits: np.ndarray
    names: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        return self.kind.shape

    # -- derived counts (all (N, L), zero where inactive) ----------------------
    @property
    def macs(self) -> np.ndarray:
        conv_like = np.isin(self.kind, (CONV, DW, PW, DENSE))
        per_out = self.kernel_h * self.kernel_w * (self.in_c // np.maximum(self.groups, 1))
        return np.where(self.active & conv_like, self.out_h * self.out_w * self.out_c * per_out, 0)

    @property
    def weights(self) -> np.ndarray:
        conv_like = np.isin(self.kind, (CONV, DW, PW, DENSE))
        w = self.kernel_h * self.kernel_w * (self.in_c // np.maximum(self.groups, 1)) * self.out_c
        return np.where(self.active & conv_like, w, 0)

    @property
    def biases(self) -> np.ndarray:
        conv_like = np.isin(self.kind, (CONV, DW, PW, DENSE))
        return np.where(self.active & conv_like, self.out_c, 0)

    @property
    def params(self) -> np.ndarray:
        return self.weights + self.biases

    @property
    def ifmap_elems(self) -> np.ndarray:
        n = self.in_h * self.in_w * self.in_c
        return np.where(self.active, np.where(self.kind == ADD, 2 * n, n), 0)

    @property
    def ofmap_elems(self) -> np.ndarray:
        return np.where(self.active, self.out_h * self.out_w * self.out_c, 0)

    @property
    def elementwise_ops(self) -> np.ndarray:
        """Adds of residual connections and of average pooling (not MACs)."""
        return np.where(self.active & (self.kind == ADD), self.ofmap_elems,
                        np.where(self.active & (self.kind == POOL), self.in_h * self.in_w * self.in_c, 0))

    # -- selection -------------------------------------------------------------
    def row(self, i: int) -> "LayerArrays":
        return LayerArrays(**{f.name: (getattr(self, f.name)[i:i + 1] if f.name != "names" else self.names)
                              for f in fields(self)})

    @staticmethod
    def stack(columns: list[dict[str, np.ndarray]], names: list[str]) -> "LayerArrays":
        keys = [f.name for f in fields(LayerArrays) if f.name != "names"]
        out = {k: np.stack([np.broadcast_to(c[k], columns[0]["active"].shape) for c in columns], axis=1)
               for k in keys}
        out = {k: (v.astype(bool) if k == "active" else v.astype(np.int64)) for k, v in out.items()}
        return LayerArrays(**out, names=tuple(names))


@dataclass(frozen=True)
class Layer:
    """One active operator of one design (the readable form of a LayerArrays row)."""

    name: str
    kind: str
    in_h: int
    in_w: int
    in_c: int
    out_h: int
    out_w: int
    out_c: int
    kernel_h: int
    kernel_w: int
    stride: int
    groups: int
    w_bits: int
    a_bits: int
    macs: int
    weights: int
    biases: int


def _out(size: np.ndarray | int, k: np.ndarray | int, s: np.ndarray | int) -> np.ndarray:
    return (np.asarray(size) + 2 * (np.asarray(k) // 2) - k) // s + 1


def network_workload(net: NetworkArrays, *, in_channels: int, in_size: int, num_classes: int,
                     stem_stride: int, strides: tuple[int, ...], edge_bits: int) -> LayerArrays:
    """Lower a population of networks to operator slots (vectorised over designs)."""
    n = net.n
    one = np.ones(n, np.int64)
    zero = np.zeros(n, np.int64)
    cols: list[dict[str, np.ndarray]] = []
    names: list[str] = []

    def col(name, kind, active, h, c_in, k, s, c_out, groups, w_bits, a_bits, out_h=None):
        oh = _out(h, k, s) if out_h is None else out_h
        cols.append(dict(kind=kind * one, active=active & np.ones(n, bool), in_h=h * one, in_w=h * one,
                         in_c=c_in, out_h=oh * one, out_w=oh * one, out_c=c_out, kernel_h=k * one,
                         kernel_w=k * one, stride=s * one, groups=groups, w_bits=w_bits, a_bits=a_bits))
        names.append(name)

    edge = edge_bits * one
    h = in_size
    col("stem", CONV, True, h, in_channels * one, 3, stem_stride, net.stem_width, one, edge, edge)
    h = int(_out(h, 3, stem_stride))
    c_prev = net.stem_width
    for s_idx, stride in enumerate(strides):
        width = net.width[:, s_idx]
        for j in range(net.kernel.shape[2]):
            act = net.layer_active[:, s_idx, j]
            s = stride if j == 0 else 1
            c_in = c_prev if j == 0 else width
            k, e = net.kernel[:, s_idx, j], net.expansion[:, s_idx, j]
            wb, ab = net.w_bits[:, s_idx, j], net.a_bits[:, s_idx, j]
            fused = net.block[:, s_idx, j] == _FUSED
            hidden = c_in * e
            h_out = int(_out(h, 1, s))  # = ceil(h / s) for any odd kernel
            tag = f"s{s_idx + 1}.l{j + 1}"
            # expand: 1x1 (mbconv, e>1) or kxk strided conv (fused)
            exp_c = np.where(fused & (e == 1), width, hidden)
            col(f"{tag}.expand", np.where(fused, CONV, PW), act & (fused | (e > 1)), h, c_in,
                np.where(fused, k, 1), np.where(fused, s, 1), np.where(act, exp_c, 0), one, wb, ab,
                out_h=np.where(fused, h_out, h))
            col(f"{tag}.dw", DW, act & ~fused, h, np.where(act, hidden, 0), k, s,
                np.where(act, hidden, 0), np.maximum(hidden, 1), wb, ab, out_h=h_out * one)
            col(f"{tag}.project", PW, act & ((~fused) | (e > 1)), h_out, np.where(act, hidden, 0), 1, 1,
                np.where(act, width, 0), one, wb, ab)
            col(f"{tag}.add", ADD, act & (s == 1) & (c_in == width), h_out, np.where(act, width, 0), 1, 1,
                np.where(act, width, 0), one, ab, ab)
            h = h_out
        c_prev = np.where(net.depth[:, s_idx] > 0, width, c_prev)
    col("pool", POOL, True, h, c_prev, h, 1, c_prev, c_prev, edge, edge, out_h=1)
    col("classifier", DENSE, True, 1, c_prev, 1, 1, num_classes * one, one, edge, edge, out_h=1)
    return LayerArrays.stack(cols, names)


def spec_arrays(spec: NetworkSpec) -> NetworkArrays:
    """One :class:`NetworkSpec` as a 1-design :class:`NetworkArrays`."""
    S = len(spec.stages)
    D = max(1, max(st.depth for st in spec.stages))
    arr = {name: np.ones((1, S, D), np.int64) for name in ("kernel", "expansion", "w_bits", "a_bits")}
    block = np.zeros((1, S, D), np.int64)
    for s, st in enumerate(spec.stages):
        for j, layer in enumerate(st.layers):
            arr["kernel"][0, s, j] = layer.kernel
            arr["expansion"][0, s, j] = layer.expansion
            arr["w_bits"][0, s, j] = layer.w_bits
            arr["a_bits"][0, s, j] = layer.a_bits
            block[0, s, j] = BLOCK_CODES[layer.block]
    return NetworkArrays(
        stem_width=np.array([spec.stem_width], np.int64),
        depth=np.array([[st.depth for st in spec.stages]], np.int64),
        width=np.array([[st.width for st in spec.stages]], np.int64),
        block=block, **arr,
    )


def spec_workload(spec: NetworkSpec) -> LayerArrays:
    """The 1-design :class:`LayerArrays` of one network spec."""
    return network_workload(spec_arrays(spec), in_channels=spec.in_channels, in_size=spec.in_size,
                            num_classes=spec.num_classes, stem_stride=spec.stem_stride,
                            strides=tuple(st.stride for st in spec.stages), edge_bits=spec.edge_bits)


def layers_of(la: LayerArrays, i: int = 0) -> list[Layer]:
    """The active operators of design ``i`` as readable :class:`Layer` records."""
    macs, weights, biases = la.macs[i], la.weights[i], la.biases[i]
    out = []
    for j in np.flatnonzero(la.active[i]):
        out.append(Layer(
            name=la.names[j] if la.names else f"op{j}", kind=KINDS[int(la.kind[i, j])],
            **{k: int(getattr(la, k)[i, j]) for k in ("in_h", "in_w", "in_c", "out_h", "out_w", "out_c",
                                                      "kernel_h", "kernel_w", "stride", "groups",
                                                      "w_bits", "a_bits")},
            macs=int(macs[j]), weights=int(weights[j]), biases=int(biases[j]),
        ))
    return out
