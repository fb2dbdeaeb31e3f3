"""Children of a :class:`NetworkTemplate`: random ones (seeded) and the template of one child."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from evo_cosearch.space.network import LAYER_GENES, QUANT_GENES, NetworkTemplate, StageTemplate
from evo_cosearch.space.quant import FIXED, parse_quantizer, quant_rank
from evo_cosearch.space.spec import LayerSpec, NetworkSpec, StageSpec

__all__ = ["random_spec", "random_bits", "template_of"]


def random_spec(template: NetworkTemplate, rng: np.random.Generator) -> NetworkSpec:
    """A uniformly random child: every gene drawn independently from its value list."""

    def pick(values):
        return values[int(rng.integers(len(values)))]

    stages = []
    for st in template.stages:
        d = int(pick(st.depth))
        width = int(pick(st.width))
        layers = tuple(
            LayerSpec(kernel=int(pick(st.layer["kernel"])), expansion=int(pick(st.layer["expansion"])),
                      block=str(pick(st.layer["block"])), w_bits=_plain(pick(st.layer["w_bits"])),
                      a_bits=_plain(pick(st.layer["a_bits"])))
            for _ in range(d)
        )
        stages.append(StageSpec(depth=d, width=width, stride=st.stride, layers=layers))
    return NetworkSpec(in_channels=template.in_channels, in_size=template.in_size,
                       num_classes=template.num_classes, stem_width=int(pick(template.stem_width)),
                       stem_stride=template.stem_stride, edge_bits=template.edge_bits, stages=tuple(stages),
                       acc_bits=template.acc_bits)


def random_bits(spec: NetworkSpec, template: NetworkTemplate, rng: np.random.Generator) -> NetworkSpec:
    """``spec`` with every layer's weight and activation quantizers drawn at random from its stage's
    fixed-point ones (all of them where a list has none)."""
    stages = []
    for st_t, st in zip(template.stages, spec.stages):
        def pick(values):
            fixed = [v for v in values if parse_quantizer(v)[0] == FIXED] or list(values)
            return _plain(fixed[int(rng.integers(len(fixed)))])

        layers = tuple(replace(layer, w_bits=pick(st_t.layer["w_bits"]), a_bits=pick(st_t.layer["a_bits"]))
                       for layer in st.layers)
        stages.append(replace(st, layers=layers))
    return replace(spec, stages=tuple(stages))


def template_of(spec: NetworkSpec) -> NetworkTemplate:
    """The smallest template whose space contains ``spec`` (used to build a child from scratch)."""
    stages = []
    for st in spec.stages:
        keys = {"block": str, **{name: quant_rank for name in QUANT_GENES}}
        layer = {name: tuple(sorted({getattr(l, name) for l in st.layers}, key=keys.get(name)))
                 for name in LAYER_GENES}
        stages.append(StageTemplate(stride=st.stride, depth=(st.depth,), width=(st.width,), layer=layer))
    return NetworkTemplate(in_channels=spec.in_channels, in_size=spec.in_size, num_classes=spec.num_classes,
                           stem_stride=spec.stem_stride, stem_width=(spec.stem_width,), edge_bits=spec.edge_bits,
                           stages=tuple(stages), acc_bits=spec.acc_bits)


def _plain(value):
    """A gene value as a spec holds it: a bit-width as int, a quantizer name as str."""
    return value if isinstance(value, str) else int(value)
