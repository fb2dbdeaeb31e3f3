"""Where a benchmark's results go: output paths checked before the work, JSON written whole or not at all.

A benchmark's default JSON file is ``results/benchmarks/<name>.json`` for its default problem and
``<name>-<problem name>.json`` for another (:func:`output_name`, :func:`result_path`); its run
folders, figures and checkpoints are named the same way (``results/runs/<name>``), with
``<name>_proxy`` for ``<name>`` when the accuracy proxy scores it (``--proxy-accuracy``). Whatever its
file is called, the result's ``"benchmark"`` field is the benchmark's own name, the same for every
problem (``"supernet_train"``, ``"autoqkeras"``), and its problem is in the ``"problem"`` field.
A benchmark that makes runs, given its own run folder (``--out``), writes its default JSON and
figure into that folder instead (:func:`results_dir`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from evo_cosearch.errors import InputError
from evo_cosearch.files import writable_path, write_text_atomic

__all__ = ["json_path", "json_out_path", "figure_path", "write_json", "output_name", "result_path", "results_dir",
           "RESULTS_DIR", "RUNS_ROOT", "DEFAULT_JSON", "DEFAULT_FIGURE"]

_WHAT = "benchmark JSON result"
#: Where benchmarks write their JSON results by default.
RESULTS_DIR = Path("results/benchmarks")
#: Where benchmarks put their run folders by default (``RUNS_ROOT/<name>``, :func:`output_name`).
RUNS_ROOT = Path("results/runs")


class _Default:
    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name


#: The JSON path argument's default in the benchmarks whose None has always meant no file
#: (``bench_simulator``, ``search_overhead``, ``bench_strategies``, ``bench_joint``):
#: ``out_dir/<name>.json`` (:func:`result_path`).
DEFAULT_JSON: Any = _Default("DEFAULT_JSON")
#: The figure path argument's default where None means no figure (``bench_strategies``): a file
#: in :data:`RESULTS_DIR` named after :func:`output_name`.
DEFAULT_FIGURE: Any = _Default("DEFAULT_FIGURE")


def output_name(name: str, problem: Any, default_problem: str | Path, *, proxy: bool = False) -> str:
    """A benchmark's default output name: ``name`` for its default problem, ``name-<problem name>``
    for any other (so a benchmark of another problem does not overwrite the default problem's).
    With ``proxy`` (scored by the accuracy proxy) ``name`` is ``<name>_proxy``: a smoke test's runs
    and result never take the default places of the supernet-scored benchmark, whose rerun would
    refuse to reuse them."""
    name = f"{name}_proxy" if proxy else name
    return name if problem.name == Path(default_problem).stem else f"{name}-{problem.name}"


def results_dir(runs: str | Path | None) -> Path:
    """Where a benchmark that makes runs puts its default JSON result (and figure): into the run
    folder the user named (``--out``), beside the runs it sums up, so that benchmarks of two run
    folders never overwrite each other's (an edited copy of a problem keeps its name); else
    :data:`RESULTS_DIR`, beside the other benchmarks' results."""
    return RESULTS_DIR if runs is None else Path(runs)


def result_path(name: str, out_dir: str | Path | None, json_out: str | Path | None = None, *,
                not_over: Mapping[str, str | Path | None] | None = None) -> Path | None:
    """``json_out``, else ``out_dir/<name>.json`` (``name``: :func:`output_name`), checked by
    :func:`json_path` before the benchmark runs; None (no file) when both are None."""
    if json_out is not None:
        return json_path(json_out, not_over=not_over)
    return None if out_dir is None else json_path(Path(out_dir) / f"{name}.json", not_over=not_over)


def json_out_path(out: Any, name: str, out_dir: str | Path | None, *,
                  not_over: Mapping[str, str | Path | None] | None = None) -> Path | None:
    """The JSON path of a benchmark whose ``out`` argument defaults to :data:`DEFAULT_JSON`:
    ``out_dir/<name>.json`` for that default (None when ``out_dir`` is), no file for None, else
    ``out`` itself; checked by :func:`json_path`."""
    if out is None:
        return None
    return result_path(name, out_dir, None if out is DEFAULT_JSON else out, not_over=not_over)


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
