"""Genes, search spaces, and genome <-> spec conversion. Pure Python + numpy."""

from evo_cosearch.space.accelerator import (
    ACCELERATOR_RANGE, ACCELERATOR_TABLE, AcceleratorArrays, AcceleratorTemplate,
)
from evo_cosearch.space.gene import CATEGORICAL, ORDINAL, Gene
from evo_cosearch.space.network import NetworkArrays, NetworkTemplate
from evo_cosearch.space.quant import QUANT_KINDS, parse_quantizer
from evo_cosearch.space.reference import reference_genome
from evo_cosearch.space.show import show_space
from evo_cosearch.space.space import SearchSpace, format_genome
from evo_cosearch.space.spec import AcceleratorSpec, DesignSpec, LayerSpec, NetworkSpec, StageSpec

__all__ = [
    "ACCELERATOR_RANGE", "ACCELERATOR_TABLE", "AcceleratorArrays", "AcceleratorSpec", "AcceleratorTemplate",
    "CATEGORICAL",
    "DesignSpec", "Gene", "LayerSpec", "NetworkArrays", "NetworkSpec", "NetworkTemplate", "ORDINAL",
    "QUANT_KINDS", "SearchSpace", "StageSpec", "format_genome", "parse_quantizer", "reference_genome", "show_space",
]
