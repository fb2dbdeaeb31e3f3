"""The network space (MBConv / fused-MBConv / plain conv blocks with per-layer quantizers):
problem-file section -> genes -> network specs / arrays."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from evo_cosearch.errors import ProblemError
from evo_cosearch.space.config import check_keys as _check_keys, positive_ints as _positive_ints, scalar as _scalar
from evo_cosearch.space.config import value_list as _values
from evo_cosearch.space.gene import CATEGORICAL, ORDINAL, Gene
from evo_cosearch.space.quant import FIXED, parse_quantizer, quant_rank, quantizer_value
from evo_cosearch.space.spec import BLOCK_TYPES, LayerSpec, NetworkSpec, StageSpec

__all__ = ["StageTemplate", "NetworkTemplate", "NetworkArrays", "LAYER_GENES", "QUANT_GENES", "BLOCK_CODES"]

#: Per-layer genes and their kind. A problem file may give any of them a value list. A
#: quantizer gene (``w_bits``, ``a_bits``) whose list holds a quantizer name is categorical.
LAYER_GENES = {
    "kernel": ORDINAL,
    "expansion": ORDINAL,
    "block": CATEGORICAL,
    "w_bits": ORDINAL,
    "a_bits": ORDINAL,
}
BLOCK_CODES = {name: i for i, name in enumerate(BLOCK_TYPES)}
QUANT_GENES = ("w_bits", "a_bits")
_STAGE_KEYS = {"stride", "depth", "width", "layer"}
_NETWORK_KEYS = {"stem", "stages", "layer", "edge_bits", "acc_bits"}


@dataclass(frozen=True)
class StageTemplate:
    stride: int
    depth: tuple[int, ...]
    width: tuple[int, ...]
    layer: dict[str, tuple[Any, ...]]

    @property
    def max_depth(self) -> int:
        return max(self.depth)

    def gene_kind(self, name: str) -> str:
        """Kind of per-layer gene ``name`` here (a quantizer list with a name is categorical)."""
        if name in QUANT_GENES and not all(isinstance(v, (int, float)) for v in self.layer[name]):
            return CATEGORICAL
        return LAYER_GENES[name]


@dataclass(frozen=True)
class NetworkArrays:
    """A population of networks as arrays (no Python loop per design).

    ``depth``/``width``: (N, S); per-layer arrays: (N, S, Dmax) over layer *slots*, with
    ``layer_active`` marking slots below each stage's depth. ``w_bits``/``a_bits`` are storage
    bits and ``w_quant``/``a_quant`` the quantizer kind codes (:data:`~evo_cosearch.space.quant.QUANT_KINDS`;
    all-zero, fixed point, when not given). ``stem_width`` 0: no stem.
    """

    stem_width: np.ndarray
    depth: np.ndarray
    width: np.ndarray
    kernel: np.ndarray
    expansion: np.ndarray
    block: np.ndarray  # int codes, BLOCK_CODES
    w_bits: np.ndarray
    a_bits: np.ndarray
    w_quant: np.ndarray | None = None
    a_quant: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("w_quant", "a_quant"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(np.shape(self.w_bits), np.int64))

    @property
    def n(self) -> int:
        return int(self.stem_width.shape[0])

    @property
    def layer_active(self) -> np.ndarray:
        slots = np.arange(self.kernel.shape[2])
        return slots[None, None, :] < self.depth[:, :, None]


@dataclass(frozen=True)
class NetworkTemplate:
    """Everything fixed about the network family; the genes are derived from it.

    ``stem_width`` may hold 0 (no stem conv; only with ``stem_stride`` 1). ``acc_bits``: the
    accumulator width (None: the product's width), used by the simulator only.
    """

    in_channels: int
    in_size: int
    num_classes: int
    stem_stride: int
    stem_width: tuple[int, ...]
    edge_bits: int
    stages: tuple[StageTemplate, ...]
    acc_bits: int | None = None

    # -- construction from a problem file --------------------------------------
    @staticmethod
    def from_config(cfg: Mapping[str, Any], *, in_channels: int, in_size: int, num_classes: int,
                    where: str = "network") -> "NetworkTemplate":
        _check_keys(cfg, _NETWORK_KEYS, where)
        stem = cfg.get("stem", {})
        _check_keys(stem, {"stride", "width"}, f"{where}.stem")
        default_layer = cfg.get("layer", {})
        _check_keys(default_layer, set(LAYER_GENES), f"{where}.layer")
        _check_layer({name: _layer_values(name, raw, f"{where}.layer.{name}") for name, raw in default_layer.items()
                      if raw is not None}, f"{where}.layer")  # here too, where every stage overrides a list (null: none)
        stages_cfg = cfg.get("stages")
        if not isinstance(stages_cfg, list) or not stages_cfg:
            raise ProblemError(f"{where}.stages: must be a non-empty list of stages")
        stages = []
        for s, st in enumerate(stages_cfg):
            w = f"{where}.stages[{s}]"
            _check_keys(st, _STAGE_KEYS, w)
            override = st.get("layer", {})
            _check_keys(override, set(LAYER_GENES), f"{w}.layer")
            layer = {}
            for name in LAYER_GENES:
                raw = override.get(name, default_layer.get(name))
                if raw is None:
                    raise ProblemError(f"{w}.layer.{name}: no value list (set it in {where}.layer or the stage)")
                layer[name] = _layer_values(name, raw, f"{w}.layer.{name}")
            _check_layer(layer, f"{w}.layer")
            depth = _values(st.get("depth"), f"{w}.depth")
            width = _values(st.get("width"), f"{w}.width")
            stride = _scalar(st.get("stride", 1), f"{w}.stride")
            _positive_ints(depth, f"{w}.depth")
            _positive_ints(width, f"{w}.width")
            if stride not in (1, 2):
                raise ProblemError(f"{w}.stride: must be 1 or 2, got {stride}")
            stages.append(StageTemplate(stride=int(stride), depth=depth, width=width, layer=layer))
        stem_width = _values(stem.get("width"), f"{where}.stem.width")
        _positive_ints(tuple(v for v in stem_width if v != 0), f"{where}.stem.width")
        stem_stride = _scalar(stem.get("stride", 1), f"{where}.stem.stride")
        if stem_stride not in (1, 2):  # before int(): 1.5 is no stride, not 1
            raise ProblemError(f"{where}.stem.stride: must be 1 or 2, got {stem_stride}")
        stem_stride = int(stem_stride)
        if 0 in stem_width and stem_stride != 1:
            raise ProblemError(f"{where}.stem: width 0 (no stem) needs stride 1, got {stem_stride}")
        edge_bits = _scalar(cfg.get("edge_bits", 8), f"{where}.edge_bits")
        _positive_ints((edge_bits,), f"{where}.edge_bits")
        edge_bits = int(edge_bits)
        acc_bits = cfg.get("acc_bits")
        if acc_bits is not None:
            _positive_ints((_scalar(acc_bits, f"{where}.acc_bits"),), f"{where}.acc_bits")
            acc_bits = int(acc_bits)
        return NetworkTemplate(
            in_channels=in_channels, in_size=in_size, num_classes=num_classes,
            stem_stride=stem_stride, stem_width=stem_width, edge_bits=edge_bits, stages=tuple(stages),
            acc_bits=acc_bits,
        )

    # -- genes -----------------------------------------------------------------
    def genes(self) -> list[Gene]:
        genes = [Gene("stem.width", self.stem_width, ORDINAL)]
        for s, st in enumerate(self.stages, start=1):
            genes.append(Gene(f"s{s}.depth", st.depth, ORDINAL))
            genes.append(Gene(f"s{s}.width", st.width, ORDINAL))
            for j in range(1, st.max_depth + 1):
                for name in LAYER_GENES:
                    genes.append(Gene(f"s{s}.l{j}.{name}", st.layer[name], st.gene_kind(name)))
        return genes

    @property
    def max_depth(self) -> int:
        return max(st.max_depth for st in self.stages)

    # -- decoding --------------------------------------------------------------
    def arrays(self, space, X: np.ndarray) -> NetworkArrays:
        """Decode a population (N, n_var) into :class:`NetworkArrays` (vectorised over N)."""
        X = np.asarray(X)
        n, S, D = X.shape[0], len(self.stages), self.max_depth
        depth = np.zeros((n, S), np.int64)
        width = np.zeros((n, S), np.int64)
        per_layer = {name: np.zeros((n, S, D), np.int64) for name in (*LAYER_GENES, "w_quant", "a_quant")}
        per_layer["kernel"][:] = 1
        per_layer["expansion"][:] = 1
        for s, st in enumerate(self.stages, start=1):
            depth[:, s - 1] = space.column(X, f"s{s}.depth")
            width[:, s - 1] = space.column(X, f"s{s}.width")
            for j in range(1, st.max_depth + 1):
                for name in LAYER_GENES:
                    gene = f"s{s}.l{j}.{name}"
                    if name == "block":  # value index -> block code through a small table
                        codes = np.array([BLOCK_CODES[b] for b in space.gene(gene).values], np.int64)
                        per_layer[name][:, s - 1, j - 1] = codes[X[:, space.index_of(gene)]]
                    elif name in QUANT_GENES and st.gene_kind(name) == CATEGORICAL:  # names: -> (kind, bits)
                        table = np.array([parse_quantizer(v) for v in space.gene(gene).values], np.int64)
                        idx = X[:, space.index_of(gene)]
                        per_layer[name[0] + "_quant"][:, s - 1, j - 1] = table[idx, 0]
                        per_layer[name][:, s - 1, j - 1] = table[idx, 1]
                    else:
                        per_layer[name][:, s - 1, j - 1] = space.column(X, gene)
        return NetworkArrays(stem_width=space.column(X, "stem.width").astype(np.int64),
                             depth=depth, width=width, **per_layer)

    def spec(self, space, genome) -> NetworkSpec:
        """Decode one genome into a typed :class:`NetworkSpec` (only active layers)."""
        v = space.values_of(genome)
        stages = []
        for s, st in enumerate(self.stages, start=1):
            d = int(v[f"s{s}.depth"])
            layers = tuple(
                LayerSpec(
                    kernel=int(v[f"s{s}.l{j}.kernel"]), expansion=int(v[f"s{s}.l{j}.expansion"]),
                    block=str(v[f"s{s}.l{j}.block"]), w_bits=_quant(v[f"s{s}.l{j}.w_bits"]),
                    a_bits=_quant(v[f"s{s}.l{j}.a_bits"]),
                )
                for j in range(1, d + 1)
            )
            stages.append(StageSpec(depth=d, width=int(v[f"s{s}.width"]), stride=st.stride, layers=layers))
        return NetworkSpec(
            in_channels=self.in_channels, in_size=self.in_size, num_classes=self.num_classes,
            stem_width=int(v["stem.width"]), stem_stride=self.stem_stride, edge_bits=self.edge_bits,
            stages=tuple(stages), acc_bits=self.acc_bits,
        )

    def largest(self, block: str | None = None) -> NetworkSpec:
        """The widest/deepest child (max of every ordinal gene, most precise quantizers); its blocks
        are ``block`` where a stage allows it, else mbconv (or the stage's first block type)."""
        return self._extreme(max, block)

    def smallest(self, block: str | None = None, *, fixed_point: bool = False) -> NetworkSpec:
        """The narrowest/shallowest child (min of every ordinal gene, least precise quantizers); blocks
        as in :meth:`largest`. ``fixed_point``: the least precise *fixed-point* quantizer where a list
        has one (the sandwich rule's lower bound; binary, ternary and power-of-two are other kinds of
        quantizer, not a narrower fixed-point grid)."""
        return self._extreme(min, block, fixed_point=fixed_point)

    @property
    def block_types(self) -> tuple[str, ...]:
        """Every block type some stage allows, in first-seen order."""
        return tuple(dict.fromkeys(b for st in self.stages for b in st.layer["block"]))

    def _extreme(self, pick, block: str | None, *, fixed_point: bool = False) -> NetworkSpec:
        def quant(values):
            fixed = [v for v in values if parse_quantizer(v)[0] == FIXED] if fixed_point else []
            return pick(fixed or values, key=quant_rank)

        stages = []
        for st in self.stages:
            d = pick(st.depth)
            allowed = st.layer["block"]
            kind = block if block in allowed else "mbconv" if "mbconv" in allowed else allowed[0]
            layer = LayerSpec(kernel=pick(st.layer["kernel"]), expansion=pick(st.layer["expansion"]), block=kind,
                              w_bits=quant(st.layer["w_bits"]), a_bits=quant(st.layer["a_bits"]))
            stages.append(StageSpec(depth=d, width=pick(st.width), stride=st.stride, layers=(layer,) * d))
        return NetworkSpec(in_channels=self.in_channels, in_size=self.in_size, num_classes=self.num_classes,
                           stem_width=pick(self.stem_width), stem_stride=self.stem_stride,
                           edge_bits=self.edge_bits, stages=tuple(stages), acc_bits=self.acc_bits)


def _check_layer(layer: Mapping[str, tuple[Any, ...]], where: str) -> None:
    """The per-layer value lists in ``layer`` (some or all of :data:`LAYER_GENES`) are blocks,
    positive kernels and expansions, and odd kernels."""
    bad = [b for b in layer.get("block", ()) if b not in BLOCK_TYPES]
    if bad:
        raise ProblemError(f"{where}.block: unknown block type {bad[0]!r} (known: {', '.join(BLOCK_TYPES)})")
    for name in ("kernel", "expansion"):
        _positive_ints(layer.get(name, ()), f"{where}.{name}")
    if any(k % 2 == 0 for k in layer.get("kernel", ())):
        raise ProblemError(f"{where}.kernel: kernel sizes must be odd, got {list(layer['kernel'])}")


def _layer_values(name: str, raw: Any, where: str) -> tuple[Any, ...]:
    """A per-layer gene's validated value list (quantizer lists: numbers sorted, names kept in order)."""
    if name == "block":
        return _values(raw, where, numeric=False)
    if name not in QUANT_GENES:
        return _values(raw, where)
    vals = _values(raw, where, numeric=False)
    for v in vals:
        parse_quantizer(v, where)
    if all(isinstance(v, (int, float)) for v in vals):
        return tuple(sorted(int(v) for v in vals))
    return tuple(int(v) if isinstance(v, (int, float)) else v for v in vals)


def _quant(value: Any) -> int | str:
    """A decoded quantizer gene value as a spec holds it (an int bit-width or a name)."""
    return quantizer_value(*parse_quantizer(value))
