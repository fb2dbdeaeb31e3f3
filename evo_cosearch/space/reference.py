"""A problem's reference design: gene values (by name or glob pattern) -> one genome.

The ``reference:`` section of a problem file maps gene names, or glob patterns such as
``"s*.l*.w_bits"``, to gene *values*. A gene takes the value of its exact name, else of the
first pattern (in file order) that matches it; a gene nobody names must have a single value.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Mapping

import numpy as np

from evo_cosearch.errors import ProblemError
from evo_cosearch.space.space import SearchSpace

__all__ = ["reference_genome"]


def reference_genome(space: SearchSpace, cfg: Mapping[str, Any], where: str = "reference") -> np.ndarray:
    """The 1-D genome (value indices) the ``cfg`` mapping describes (see module doc)."""
    if not isinstance(cfg, Mapping) or not cfg:
        raise ProblemError(f"{where}: must be a non-empty mapping of gene names (or patterns) to values")
    keys = [str(k) for k in cfg]
    unused = [k for k in keys if not any(fnmatchcase(name, k) for name in space.names)]
    if unused:
        raise ProblemError(f"{where}.{unused[0]}: matches no gene (see `evo-cosearch space show`)")
    genome = []
    for gene in space.genes:
        key = gene.name if gene.name in cfg else next((k for k in keys if fnmatchcase(gene.name, k)), None)
        if key is None:
            if gene.cardinality != 1:
                raise ProblemError(f"{where}: no value for gene {gene.name!r} (values {list(gene.values)})")
            genome.append(0)
            continue
        value = cfg[key]
        matches = [i for i, v in enumerate(gene.values) if type(v) is not bool and v == value
                   and isinstance(v, str) == isinstance(value, str)]
        if not matches:
            raise ProblemError(f"{where}.{key}: {value!r} is not a value of gene {gene.name!r} "
                               f"(values {list(gene.values)})")
        genome.append(matches[0])
    return np.array(genome, dtype=np.int64)
