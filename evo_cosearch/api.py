"""The public Python API: run a Pareto co-search into a run directory, and open its archive.

Example::

    import evo_cosearch as ec
    arc = ec.search("demo_digits", out="results/runs/demo", gens=5)   # a problem file, or a ready problem
    best = arc.pareto()            # non-dominated feasible designs of the whole run
    print(best.record(0))
    arc.close()
"""

from __future__ import annotations

import numbers
import re
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from evo_cosearch.archive import Archive, open_archive
from evo_cosearch.errors import InputError, arg
from evo_cosearch.evaluate import Evaluator, SupernetAccuracy
from evo_cosearch.problem import Problem, load_problem
from evo_cosearch.provenance import accuracy_source, function_name, simulator_source, source_kind
from evo_cosearch.engine.runner import RunSummary, check_run_dir, run_search, stored_meta
from evo_cosearch.engine.settings import search_settings
from evo_cosearch.runs import (
    SUPERNET_CACHE, evaluation_seed, evaluation_threads, resumed_problem, run_checkpoint,
)

if TYPE_CHECKING:
    from evo_cosearch.hardware import HardwareMetrics
    from evo_cosearch.space import AcceleratorArrays
    from evo_cosearch.workload import LayerArrays

__all__ = ["search", "load_archive", "SUPERNET_CACHE"]


def load_archive(run_dir: str | Path) -> Archive:
    """Open a run's archive (its folder, or its ``archive.sqlite``) read-only, also while a search
    writes to it: an :class:`evo_cosearch.archive.Archive`, to :meth:`~evo_cosearch.archive.Archive.close`
    when done or use in a ``with`` block. A missing or broken archive is an :class:`InputError`."""
    return open_archive(run_dir)


def search(problem: Problem | str | Path, *, out: str | Path, pop: int | None = None, gens: int | None = None,
           seed: int | None = None, strategy: str | None = None, supernet: str | Path | None = None,
           workers: int = 0, dask_scheduler: str | Any | None = None, quiet: bool = False,
           accuracy_fn: Callable[[np.ndarray], np.ndarray] | None = None, progress: bool = True,
           simulate_fn: Callable[[LayerArrays, AcceleratorArrays], HardwareMetrics] | None = None) -> Archive:
    """Run (or resume) a search of ``problem`` into the run directory ``out``.

    ``problem``: a :class:`~evo_cosearch.problem.Problem`, a problem file, or a ready problem's
    name (``"demo_digits"``).

    ``pop``/``gens``/``seed``/``strategy`` default to those of the run being resumed, else to the
    problem file's ``search:`` section.
    Accuracy comes from ``accuracy_fn(X) -> (N,)`` when given (fractions in [0, 1]: anything else is
    an :class:`~evo_cosearch.errors.InputError` naming it and the value, and the run keeps the
    generations completed before; for ``workers``/``dask_scheduler``
    it must be picklable and importable by the workers: defined at the top level of a module, not
    a lambda, nor in a notebook), else from the supernet ``supernet`` (a checkpoint path); when
    not given, a resumed run's own supernet, else the one cached under ``results/supernets/``
    (trained with seed 0 when missing, for searches of every seed). A resume must use the
    accuracy source the run was made with, and reads the data file the run read. ``workers > 0`` evaluates
    accuracy on a local process pool; ``dask_scheduler`` (``tcp://HOST:PORT`` or a
    ``distributed.Client``) on a Dask cluster. Prints a summary unless ``quiet``, and a progress
    bar (one line per generation when stderr is not a terminal) unless ``quiet`` or not ``progress``.
    ``simulate_fn(layers, accelerators)`` replaces the hardware model
    (:func:`evo_cosearch.hardware.simulate`; its ``latency_ms``, ``energy_uj`` and ``area_mm2``
    must be one finite value >= 0 per design, else an ``InputError``); the run records its qualified name and a digest of
    its code, as for ``accuracy_fn``, and a resume with another (or without it) is refused.
    Returns the run's archive, opened read-only.
    """
    for name, fn in (("accuracy_fn", accuracy_fn), ("simulate_fn", simulate_fn)):
        if fn is not None and not callable(fn):  # else a TypeError deep in the first generation
            raise InputError(f"{name}: {fn!r} is not callable (give a function, or None)")
    if not isinstance(problem, Problem):
        problem = load_problem(problem)
    if Path(out).is_file():
        raise InputError(f"{out}: not a directory")
    previous = stored_meta(out)  # resuming: unspecified settings continue the run's own
    problem = resumed_problem(problem, previous, str(out))  # and it reads the data the run read
    before = {} if previous is None else previous.settings
    settings = search_settings(problem, pop=_first(pop, before.get("pop")), gens=_first(gens, before.get("gens")),
                               seed=_first(seed, before.get("seed")),
                               strategy=_first(strategy, before.get("strategy")))
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 0:
        raise InputError(f"{arg('workers')}: {workers!r} is not an integer >= 0")
    workers = int(workers)  # numpy's integers too
    if workers and dask_scheduler is not None:
        raise InputError(f"{arg('workers', workers)} with {arg('dask_scheduler')}: give one (the Dask workers "
                         "evaluate)")
    if accuracy_fn is not None and supernet is not None:
        raise InputError(f"{arg('supernet', supernet)} with an accuracy function: give one (the function uses "
                         "no supernet)")
    recorded = None if previous is None else previous.accuracy_source
    simulator = simulator_source(simulate_fn)
    if accuracy_fn is not None:
        source = accuracy_source(accuracy_fn)
        check_run_dir(problem, out, settings, source, simulator=simulator)  # fail on a wrong run directory
    else:  # before any training
        check_run_dir(problem, out, settings, _supernet_kind(recorded), simulator=simulator)
        ckpt = run_checkpoint(problem, recorded, supernet=supernet, where=str(out), progress=progress and not quiet)
        accuracy_fn = SupernetAccuracy(problem, ckpt, seed=evaluation_seed(previous),
                                       threads=evaluation_threads(previous))
        source = accuracy_source(accuracy_fn)
    show = progress and not quiet
    with ExitStack() as stack:
        fn = accuracy_fn
        if dask_scheduler is not None:
            fn = stack.enter_context(_dask(accuracy_fn, dask_scheduler))
        elif workers > 0:
            from evo_cosearch.engine.parallel import PoolAccuracy
            fn = stack.enter_context(PoolAccuracy(accuracy_fn, workers))
        evaluator = Evaluator(problem, fn, simulate_fn=simulate_fn, accuracy_name=function_name(accuracy_fn))
        summary = run_search(problem, evaluator, out, settings, progress=show, accuracy_source=source)
    if not quiet:
        _print_summary(summary)
    return open_archive(out)


def _supernet_kind(recorded) -> dict | None:
    """What a supernet-scored search compares before its checkpoint is known: only the kind."""
    return None if source_kind(recorded) in (None, "supernet") else {"kind": "supernet"}


def _first(*values):
    return next((v for v in values if v is not None), None)


#: A scheduler address: ``[PROTOCOL://]HOST:PORT`` (an IPv6 host in brackets).
_ADDRESS = re.compile(r"([a-z]+://)?(\[[^\]]+\]|[^:/\s\[\]]+):\d+")


def _dask(accuracy_fn, scheduler):
    from evo_cosearch.engine.parallel import DaskAccuracy
    if isinstance(scheduler, str) and not _ADDRESS.fullmatch(scheduler):  # else Dask waits, then fails noisily
        raise InputError(f"{arg('dask_scheduler', scheduler)}: not a scheduler address (tcp://HOST:PORT)")
    try:
        return DaskAccuracy(accuracy_fn, scheduler)
    except (OSError, TimeoutError, ValueError) as exc:  # ValueError: not an address
        raise InputError(f"{arg('dask_scheduler', scheduler)}: cannot connect ({exc.__class__.__name__})") from None


def _print_summary(summary: RunSummary) -> None:
    for line in summary.lines():
        print(line)
