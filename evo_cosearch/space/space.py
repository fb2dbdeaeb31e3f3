"""A search space: an ordered tuple of genes, and genome <-> value conversions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from evo_cosearch.errors import GenomeError, ProblemError
from evo_cosearch.space.gene import Gene

__all__ = ["SearchSpace", "format_genome"]


@dataclass(frozen=True)
class SearchSpace:
    """Genes in genome order. A genome is one integer index per gene."""

    genes: tuple[Gene, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False)
    _tables: tuple[np.ndarray, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        for i, gene in enumerate(self.genes):
            if gene.name in index:
                raise ProblemError(f"gene {gene.name!r} is declared twice")
            index[gene.name] = i
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_tables", tuple(np.asarray(g.values) for g in self.genes))

    # -- shape -----------------------------------------------------------------
    @property
    def n_var(self) -> int:
        return len(self.genes)

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.genes]

    @property
    def cardinalities(self) -> np.ndarray:
        return np.array([g.cardinality for g in self.genes], dtype=np.int64)

    @property
    def xl(self) -> np.ndarray:
        return np.zeros(self.n_var, dtype=np.int64)

    @property
    def xu(self) -> np.ndarray:
        return self.cardinalities - 1

    @property
    def size(self) -> int:
        """Number of distinct genomes (an exact Python int)."""
        return math.prod(g.cardinality for g in self.genes)

    def __contains__(self, name: str) -> bool:
        return name in self._index

    def index_of(self, name: str) -> int:
        try:
            return self._index[name]
        except KeyError:
            raise ProblemError(f"unknown gene {name!r}") from None

    def gene(self, name: str) -> Gene:
        return self.genes[self.index_of(name)]

    # -- genomes ---------------------------------------------------------------
    def validate(self, X: np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
        """Return ``X`` as an (N, n_var) int64 array, or raise :class:`GenomeError`."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_var:
            raise GenomeError(f"genome has {X.shape[-1]} genes, the space has {self.n_var}")
        if not np.issubdtype(X.dtype, np.integer):
            if not np.all(np.equal(np.mod(X, 1), 0)):
                raise GenomeError("genome indices must be integers")
            X = X.astype(np.int64)
        bad = (X < 0) | (X > self.xu)
        if bad.any():
            row, col = map(int, np.argwhere(bad)[0])
            gene = self.genes[col]
            raise GenomeError(
                f"genome position {col} ({gene.name}): index {int(X[row, col])} is out of range "
                f"0..{gene.cardinality - 1}"
            )
        return X.astype(np.int64, copy=False)

    def parse_genome(self, text: str) -> np.ndarray:
        """Parse ``"I,J,..."`` (indices in space order) into a validated 1-D genome; an empty entry
        (``0,,1`` or a trailing comma) is an error, not skipped: it would shift every later gene."""
        parts = [p.strip() for p in str(text).split(",")]
        if "" in parts:
            k = parts.index("")
            raise GenomeError(f"genome: entry {k + 1} of {len(parts)} is empty; give one index per gene, "
                              "separated by single commas")
        values = []
        for part in parts:
            try:
                values.append(int(part))
            except ValueError:
                raise GenomeError(f"genome: {part!r} is not an integer index") from None
        return self.validate(np.array(values, dtype=np.int64))[0]

    def column(self, X: np.ndarray, name: str) -> np.ndarray:
        """Values (not indices) of gene ``name`` for every genome of ``X`` (vectorised)."""
        i = self.index_of(name)
        return self._tables[i][np.asarray(X)[..., i]]

    def values_of(self, genome: Sequence[int]) -> dict[str, Any]:
        """Plain ``{gene name: value}`` for one genome."""
        genome = self.validate(genome)[0]
        return {g.name: _plain(g.values[int(k)]) for g, k in zip(self.genes, genome)}

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` uniformly random genomes."""
        return rng.integers(0, self.cardinalities, size=(n, self.n_var), dtype=np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {"genes": [g.to_dict() for g in self.genes], "size": self.size}


def format_genome(genome: Sequence[int]) -> str:
    """The CLI/file form of a genome: comma-separated indices."""
    return ",".join(str(int(v)) for v in genome)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
