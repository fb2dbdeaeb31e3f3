"""Where a benchmark's results go: output paths checked before the work, JSON written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from evo_cosearch.errors import InputError
from evo_cosearch.files import writable_path, write_text_atomic

__all__ = ["json_path", "figure_path", "write_json", "output_name"]

_WHAT = "benchmark JSON result"


def output_name(name: str, problem: Any, default_problem: str | Path) -> str:
    """A benchmark's default output name: ``name`` for its default problem, ``name-<problem name>``
    for any other (so a benchmark of another problem does not overwrite the default problem's)."""
    return name if problem.name == Path(default_problem).stem else f"{name}-{problem.name}"


def json_path(path: str | Path | None, *, not_over: Mapping[str, str | Path | None] | None = None) -> Path | None:
    """``path`` if a JSON result can be written there (None: no file); called before a benchmark
    runs, so a directory or an unwritable place is refused before the work, not after it.
    ``not_over`` names the files the benchmark reads or writes (``{"supernet checkpoint": path}``),
    which its result must not replace."""
    if path is None:
        return None
    p = writable_path(path, _WHAT)
    for what, other in (not_over or {}).items():
        if other is not None and p.resolve() == Path(other).resolve():
            raise InputError(f"{p}: is the {what} this benchmark uses; write its JSON result to another file")
    return p


def figure_path(path: str | Path | None) -> Path | None:
    """``path`` if matplotlib can write a figure of its suffix's format there (None: no figure)."""
    from matplotlib.backend_bases import FigureCanvasBase

    if path is None:
        return None
    p = writable_path(path, "figure")
    formats = FigureCanvasBase.get_supported_filetypes()
    if p.suffix[1:].lower() not in formats:
        raise InputError(f"{p}: a figure file needs one of the suffixes {', '.join('.' + f for f in sorted(formats))}")
    return p


def write_json(result: dict[str, Any], path: str | Path | None) -> None:
    """Write ``result`` as indented JSON to ``path`` (atomically) unless ``path`` is None."""
    if path is not None:
        write_text_atomic(path, json.dumps(result, indent=2) + "\n", _WHAT)
