"""A gene: a named, finite list of allowed values, categorical or ordinal."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any

from evo_cosearch.errors import ProblemError

__all__ = ["Gene", "CATEGORICAL", "ORDINAL"]

CATEGORICAL = "categorical"
ORDINAL = "ordinal"


@dataclass(frozen=True)
class Gene:
    """One decision. A genome stores the *index* of the chosen value.

    ``kind`` is ``"ordinal"`` for ordered numbers (neighbouring indices are similar
    designs, so polynomial mutation makes sense) and ``"categorical"`` otherwise.
    """

    name: str
    values: tuple[Any, ...]
    kind: str = ORDINAL

    def __post_init__(self) -> None:
        if not self.values:
            raise ProblemError(f"gene {self.name!r}: empty value list")
        if self.kind not in (CATEGORICAL, ORDINAL):
            raise ProblemError(f"gene {self.name!r}: kind={self.kind!r} is not 'categorical' or 'ordinal'")
        if len(set(self.values)) != len(self.values):
            raise ProblemError(f"gene {self.name!r}: repeated values in {list(self.values)}")
        if self.kind == ORDINAL:
            if not all(isinstance(v, Real) and not isinstance(v, bool) for v in self.values):
                raise ProblemError(f"gene {self.name!r}: ordinal values must be numbers, got {list(self.values)}")
            if list(self.values) != sorted(self.values):
                raise ProblemError(f"gene {self.name!r}: ordinal values must be increasing, got {list(self.values)}")

    @property
    def cardinality(self) -> int:
        return len(self.values)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "values": list(self.values)}
