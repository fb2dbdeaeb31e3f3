"""Small validators for problem-file sections; errors name the field."""

from __future__ import annotations

from typing import Any, Mapping

from evo_cosearch.errors import ProblemError

__all__ = ["check_keys", "value_list", "scalar", "positive_ints"]


def check_keys(cfg: Any, allowed: set[str], where: str) -> None:
    if not isinstance(cfg, Mapping):
        raise ProblemError(f"{where}: must be a mapping, got {type(cfg).__name__}")
    unknown = sorted(set(cfg) - allowed)
    if unknown:
        raise ProblemError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def value_list(raw: Any, where: str, numeric: bool = True) -> tuple[Any, ...]:
    if raw is None:
        raise ProblemError(f"{where}: missing value list")
    vals = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    if not vals:
        raise ProblemError(f"{where}: empty value list")
    if numeric:
        for v in vals:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ProblemError(f"{where}: value {v!r} is not a number")
    if len(set(vals)) != len(vals):
        raise ProblemError(f"{where}: repeated values in {vals}")
    return tuple(sorted(vals)) if numeric else tuple(vals)


def scalar(raw: Any, where: str) -> Any:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise ProblemError(f"{where}: value {raw!r} is not a number")
    return raw


def positive_ints(vals: tuple[Any, ...], where: str) -> None:
    for v in vals:
        if int(v) != v or v <= 0:
            raise ProblemError(f"{where}: value {v!r} must be a positive integer")
