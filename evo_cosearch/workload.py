"""Network spec(s) -> layer workloads (shapes, MACs, weights, quantizers). Pure numpy.

A population of networks becomes one :class:`LayerArrays` of shape (N, L): every design
has the same L operator *slots* (stem, then per block slot ``expand``, ``dw``,
``project``, ``add``, then ``pool`` and ``classifier``); a slot a design does not use is
inactive and counts nothing. No Python loop runs per design.

Block lowering (BatchNorm folded into the conv; its shift becomes a per-channel bias):

* mbconv, expansion e>1: 1x1 expand cin->cin*e, kxk depthwise (stride s), 1x1 project -> cout
* mbconv, e=1: kxk depthwise on cin (stride s), 1x1 project -> cout
* fused_mbconv, e>1: kxk conv cin->cin*e (stride s), 1x1 project -> cout
* fused_mbconv, e=1: kxk conv cin->cout (stride s)
* conv: kxk conv cin->cout (stride s), never a residual (it sits in the ``expand`` slot)
* a residual add when an (fused) mbconv block keeps shape (stride 1 and cin == cout)

Without a stem (``stem_width`` 0) the stem slot is inactive and the first block reads the input.
Every slot carries its quantizers next to its bits: ``w_quant`` / ``a_quant`` kind codes
(:data:`evo_cosearch.space.quant.QUANT_KINDS`, 0 = fixed point) and ``acc_bits``, the
accumulator width (0: as wide as the product).

Convolutions use 'same' padding ``k // 2``: ``out = (in + 2*(k//2) - k) // s + 1``.

Shape and bit fields come out as int32 (small integers; half the memory to fill). The derived
counts (MACs, weights, feature-map sizes, ...) are int64, computed on first use from the one
formula :func:`layer_counts`, which a simulator may also evaluate in float.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Callable
import numpy as np

from evo_cosearch.space.network import BLOCK_CODES, NetworkArrays
from evo_cosearch.space.quant import FIXED, QUANT_KINDS, parse_quantizer
from evo_cosearch.space.spec import NetworkSpec

__all__ = ["KINDS", "LayerArrays", "LayerCounts", "layer_counts", "Layer", "network_workload", "spec_arrays",
           "spec_workload", "layers_of"]

KINDS = ("conv", "depthwise", "pointwise", "dense", "add", "pool")
CONV, DW, PW, DENSE, ADD, POOL = range(len(KINDS))
_FUSED = BLOCK_CODES["fused_mbconv"]
_PLAIN = BLOCK_CODES["conv"]


@dataclass(frozen=True)
class LayerArrays:
    """Operator workloads of N designs over L slots; every field is an (N, L) integer array
    (``active``: bool). Derived counts are int64 properties, cached. ``w_quant``, ``a_quant``
    and ``acc_bits`` default to zeros (fixed point, product-wide accumulators)."""

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
    w_quant: np.ndarray | None = None
    a_quant: np.ndarray | None = None
    acc_bits: np.ndarray | None = None
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in _DEFAULT_ZERO:  # a read-only broadcast zero: no memory to fill
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.broadcast_to(np.int64(0), np.shape(self.kind)))

    @property
    def shape(self) -> tuple[int, int]:
        return self.kind.shape

    @cached_property
    def any_typed(self) -> bool:
        """Whether some slot has a non-fixed-point operand (binary, ternary, po2, fp16)."""
        return bool(np.any(self.w_quant) or np.any(self.a_quant))

    @cached_property
    def any_acc_bits(self) -> bool:
        """Whether some slot sets its accumulator width (else all are as wide as the product)."""
        return bool(np.any(self.acc_bits))

    # -- derived counts (all (N, L) int64, zero where inactive; computed on first use) -----
    @cached_property
    def _counts(self) -> "LayerCounts":
        return layer_counts(lambda name: np.asarray(getattr(self, name), dtype=np.int64))

    @property
    def macs(self) -> np.ndarray:
        return self._counts.macs

    @property
    def weights(self) -> np.ndarray:
        return self._counts.weights

    @property
    def biases(self) -> np.ndarray:
        return self._counts.biases

    @cached_property
    def params(self) -> np.ndarray:
        return self.weights + self.biases

    @property
    def ifmap_elems(self) -> np.ndarray:
        return self._counts.ifmap_elems

    @property
    def ofmap_elems(self) -> np.ndarray:
        return self._counts.ofmap_elems

    @property
    def elementwise_ops(self) -> np.ndarray:
        """Adds of residual connections and of average pooling (not MACs)."""
        return self._counts.elementwise_ops

    # -- selection -------------------------------------------------------------
    def row(self, i: int) -> "LayerArrays":
        return LayerArrays(**{f.name: (getattr(self, f.name)[i:i + 1] if f.name != "names" else self.names)
                              for f in fields(self)})


_DEFAULT_ZERO = ("w_quant", "a_quant", "acc_bits")


@dataclass(frozen=True)
class LayerCounts:
    """The derived counts of a :class:`LayerArrays`, (N, L) each; the counts (not the last two
    helpers) are zero where inactive."""

    macs: np.ndarray
    weights: np.ndarray
    biases: np.ndarray
    ifmap_elems: np.ndarray  # a residual add reads two inputs
    ofmap_elems: np.ndarray
    elementwise_ops: np.ndarray  # adds of residual connections and of average pooling
    mac_slot: np.ndarray  # 1 on active conv / depthwise / pointwise / dense slots, else 0
    in_c_per_group: np.ndarray  # in_c // groups (the reduction channels of one output)
    out_pixels: np.ndarray  # out_h * out_w


def layer_counts(field: Callable[[str], np.ndarray]) -> LayerCounts:
    """Counts from ``field(name)``, a :class:`LayerArrays` field already cast to the dtype wanted
    (int64 here; float32 in a simulator, exact below 2**24; ``active`` as 0/1 in that dtype).

    ``macs = out_h·out_w·out_c·kernel_h·kernel_w·(in_c // groups)`` on conv / depthwise /
    pointwise / dense slots; ``weights`` the same without the output pixels; one bias per output
    channel. Masks multiply (much faster than ``np.where`` on large arrays).
    """
    kind, on = field("kind"), field("active")
    mac = on * (kind <= DENSE)  # CONV, DW, PW, DENSE are codes 0..3
    in_c, out_c, groups = field("in_c"), field("out_c"), np.maximum(field("groups"), 1)
    per_group = in_c // groups if on.dtype.kind in "iu" else np.floor(in_c / groups)
    out_pixels = field("out_h") * field("out_w")
    biases = out_c * mac
    weights = field("kernel_h") * field("kernel_w") * per_group * biases
    ofmap = out_pixels * out_c * on
    in_elems = field("in_h") * field("in_w") * in_c * on
    is_add, is_pool = kind == ADD, kind == POOL
    return LayerCounts(macs=weights * out_pixels, weights=weights, biases=biases,
                       ifmap_elems=in_elems + in_elems * is_add, ofmap_elems=ofmap,
                       elementwise_ops=ofmap * is_add + in_elems * is_pool, mac_slot=mac,
                       in_c_per_group=per_group, out_pixels=out_pixels)


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
    w_quant: str = "fixed"
    a_quant: str = "fixed"
    acc_bits: int = 0  # 0: as wide as the product


def _out(size: np.ndarray | int, k: np.ndarray | int, s: np.ndarray | int) -> np.ndarray:
    return (np.asarray(size) + 2 * (np.asarray(k) // 2) - k) // s + 1


_SHAPE_FIELDS = ("kind", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "kernel_h", "kernel_w", "stride",
                 "groups", "w_bits", "a_bits", "w_quant", "a_quant", "acc_bits")


class _SlotColumns:
    """Preallocated (L, N) columns filled one operator slot at a time (the lowering's output).

    Shapes and bits are small integers: int32 halves the memory to fill (counts derived from
    them are int64, see :func:`layer_counts`).
    """

    def __init__(self, n: int, n_slots: int, *, typed: bool, acc_bits: int) -> None:
        self.n = n
        # quantizer kinds and accumulator widths only when some are not zero (LayerArrays fills zeros)
        keys = _SHAPE_FIELDS[:-3] + (("w_quant", "a_quant") if typed else ()) + (("acc_bits",) if acc_bits else ())
        self.data = dict(zip(keys, np.empty((len(keys), n_slots, n), np.int32)))
        if acc_bits:
            self.data["acc_bits"][:] = acc_bits
        self.active = np.empty((n_slots, n), bool)
        self.names: list[str] = []

    def add(self, name, kind, active, h, c_in, k, s, c_out, groups, w, a, out_h=None) -> None:
        """One slot (scalars or (N,) arrays); ``w`` / ``a``: (bits, quantizer kind) pairs."""
        j = len(self.names)
        self.names.append(name)
        oh = _out(h, k, s) if out_h is None else out_h
        d = self.data
        for key, v in (("kind", kind), ("in_h", h), ("in_w", h), ("in_c", c_in), ("out_h", oh), ("out_w", oh),
                       ("out_c", c_out), ("kernel_h", k), ("kernel_w", k), ("stride", s), ("groups", groups),
                       ("w_bits", w[0]), ("w_quant", w[1]), ("a_bits", a[0]), ("a_quant", a[1])):
            if key in d:
                d[key][j] = v
        self.active[j] = active

    def arrays(self) -> LayerArrays:
        return LayerArrays(**{k: v.T for k, v in self.data.items()}, active=self.active.T, names=tuple(self.names))


def network_workload(net: NetworkArrays, *, in_channels: int, in_size: int, num_classes: int,
                     stem_stride: int, strides: tuple[int, ...], edge_bits: int,
                     acc_bits: int | None = None) -> LayerArrays:
    """Lower a population of networks to operator slots (vectorised over designs)."""
    n, depth_slots = net.n, net.kernel.shape[2]
    typed = bool(net.w_quant.any() or net.a_quant.any())
    cols = _SlotColumns(n, 3 + 4 * depth_slots * len(strides), typed=typed, acc_bits=acc_bits or 0)
    edge = (edge_bits, FIXED)
    h = in_size
    has_stem = net.stem_width > 0
    cols.add("stem", CONV, has_stem, h, in_channels, 3, stem_stride, net.stem_width, 1, edge, edge)
    h = int(_out(h, 3, stem_stride))
    c_prev = np.where(has_stem, net.stem_width, in_channels)
    layer_active = net.layer_active
    any_plain = bool((net.block == _PLAIN).any())
    for s_idx, stride in enumerate(strides):
        width = net.width[:, s_idx]
        for j in range(depth_slots):
            act = layer_active[:, s_idx, j]
            s = stride if j == 0 else 1
            c_in = c_prev if j == 0 else width
            k, e = net.kernel[:, s_idx, j], net.expansion[:, s_idx, j]
            wq = (net.w_bits[:, s_idx, j], net.w_quant[:, s_idx, j])
            aq = (net.a_bits[:, s_idx, j], net.a_quant[:, s_idx, j])
            fused = net.block[:, s_idx, j] == _FUSED
            may_add = act
            if any_plain:  # a plain conv lowers like a fused block of expansion 1, without a residual
                plain = net.block[:, s_idx, j] == _PLAIN
                fused = fused | plain
                e = np.where(plain, 1, e)
                may_add = act & ~plain
            hidden = c_in * e
            hidden_act = hidden * act
            width_act = width * act
            h_out = int(_out(h, 1, s))  # = ceil(h / s) for any odd kernel
            tag = f"s{s_idx + 1}.l{j + 1}"
            # expand: 1x1 (mbconv, e>1) or kxk strided conv (fused, plain conv)
            exp_c = np.where(fused & (e == 1), width, hidden)
            cols.add(f"{tag}.expand", np.where(fused, CONV, PW), act & (fused | (e > 1)), h, c_in,
                     np.where(fused, k, 1), np.where(fused, s, 1), exp_c * act, 1, wq, aq,
                     out_h=np.where(fused, h_out, h))
            cols.add(f"{tag}.dw", DW, act & ~fused, h, hidden_act, k, s, hidden_act,
                     np.maximum(hidden, 1), wq, aq, out_h=h_out)
            cols.add(f"{tag}.project", PW, act & ((~fused) | (e > 1)), h_out, hidden_act, 1, 1,
                     width_act, 1, wq, aq)
            cols.add(f"{tag}.add", ADD, may_add & (s == 1) & (c_in == width), h_out, width_act, 1, 1,
                     width_act, 1, aq, aq)
            h = h_out
        c_prev = np.where(net.depth[:, s_idx] > 0, width, c_prev)
    cols.add("pool", POOL, True, h, c_prev, h, 1, c_prev, c_prev, edge, edge, out_h=1)
    cols.add("classifier", DENSE, True, 1, c_prev, 1, 1, num_classes, 1, edge, edge, out_h=1)
    return cols.arrays()


def spec_arrays(spec: NetworkSpec) -> NetworkArrays:
    """One :class:`NetworkSpec` as a 1-design :class:`NetworkArrays`."""
    S = len(spec.stages)
    D = max(1, max(st.depth for st in spec.stages))
    arr = {name: np.ones((1, S, D), np.int64) for name in ("kernel", "expansion", "w_bits", "a_bits")}
    arr.update({name: np.zeros((1, S, D), np.int64) for name in ("w_quant", "a_quant", "block")})
    for s, st in enumerate(spec.stages):
        for j, layer in enumerate(st.layers):
            arr["kernel"][0, s, j] = layer.kernel
            arr["expansion"][0, s, j] = layer.expansion
            arr["w_quant"][0, s, j], arr["w_bits"][0, s, j] = parse_quantizer(layer.w_bits, "w_bits")
            arr["a_quant"][0, s, j], arr["a_bits"][0, s, j] = parse_quantizer(layer.a_bits, "a_bits")
            arr["block"][0, s, j] = BLOCK_CODES[layer.block]
    return NetworkArrays(
        stem_width=np.array([spec.stem_width], np.int64),
        depth=np.array([[st.depth for st in spec.stages]], np.int64),
        width=np.array([[st.width for st in spec.stages]], np.int64), **arr,
    )


def spec_workload(spec: NetworkSpec) -> LayerArrays:
    """The 1-design :class:`LayerArrays` of one network spec."""
    return network_workload(spec_arrays(spec), in_channels=spec.in_channels, in_size=spec.in_size,
                            num_classes=spec.num_classes, stem_stride=spec.stem_stride,
                            strides=tuple(st.stride for st in spec.stages), edge_bits=spec.edge_bits,
                            acc_bits=spec.acc_bits)


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
            w_quant=QUANT_KINDS[int(la.w_quant[i, j])], a_quant=QUANT_KINDS[int(la.a_quant[i, j])],
            acc_bits=int(la.acc_bits[i, j]),
        ))
    return out
