"""A set of searches compared by a benchmark: one shared accuracy source, one hypervolume box.

Every search of a set is an ordinary run directory (``plot`` and ``select`` work on it). An
existing run directory is resumed, or reused as it is when complete, after checking that its
stored accuracies are those the shared source gives. A spec may name another benchmark's run
of the very same search (``reuse``); it is used in place of its own directory when it passes
that check. All runs of a benchmark call the *same* accuracy object in this process, so every
network is scored once and identically everywhere.

Common hypervolume box (:func:`front_box`): the union of the feasible designs of *all* runs
of the set is reduced to its non-dominated front; ``ideal`` is that front's per-objective
minimum, ``nadir`` its maximum and ``ref = ideal + 1.1 * (nadir - ideal)``
(:func:`evo_cosearch.archive.hv_points`). Every run's hypervolume after every generation is
then taken in that one normalised box (``hypervolume``: ``f' = (f - ideal) / (ref - ideal)``,
reference ``(1, ..., 1)``), so values lie in [0, 1] and compare across runs and strategies.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from evo_cosearch.archive import db_path, hv_points, non_dominated, open_archive
from evo_cosearch.errors import InputError, OutputClosed, arg, as_called

if TYPE_CHECKING:
    from evo_cosearch.archive import DesignTable, RunMeta
    from evo_cosearch.plots.runs import HVCurve
    from evo_cosearch.problem import Problem

__all__ = ["RunSpec", "RunResult", "check_strategies", "check_seeds", "check_runs", "shared_accuracy", "run_all",
           "front_box", "hv_curves", "quartiles"]

#: Stored designs re-scored to check that a reused run that recorded no supernet hash used the
#: same accuracy source, and how far their accuracies may move: under another thread count the same
#: supernet moves most accuracies by a few validation images (summation order, amplified by low-bit
#: quantizers; up to 13 of 2,000 measured); another supernet moves them by points.
_CHECKED = 3
_TOLERANCE = 0.005


@dataclass(frozen=True)
class RunSpec:
    """One search of a set: its group label (strategy or variant), seed and run directory."""

    label: str
    seed: int
    run_dir: Path
    problem: "Problem"
    strategy: str
    accuracy_fn: Callable[[np.ndarray], np.ndarray]
    reuse: Path | None = None  # another benchmark's run directory of the same search


@dataclass(frozen=True)
class RunResult:
    label: str
    seed: int
    run_dir: Path
    designs: "DesignTable"   # generations 0 .. gens-1 of the run
    seconds: float           # wall time of this call (0-ish for a reused complete run)


def check_strategies(strategies: Sequence[str], variants: Sequence[str] = ()) -> None:
    """Refuse an unknown strategy (or one of a benchmark's ``variants``), none, or one given twice
    (``--strategies``), before any run."""
    from evo_cosearch.engine.strategies import STRATEGIES

    known = sorted([*STRATEGIES, *variants])
    for s in strategies:
        if s not in known:
            raise InputError(f"{arg('strategies')}: unknown strategy {s!r} (known: {', '.join(known)})")
    if not strategies or len(set(strategies)) != len(strategies):
        raise InputError(f"{arg('strategies')}: give distinct strategies, got {list(strategies)}")


def check_seeds(seeds: Sequence[int]) -> None:
    """Refuse no seed, one a search cannot take (below 0, from 2**64), or one given twice
    (``--seeds``), before any run."""
    from evo_cosearch.engine.settings import SEED_END

    if not seeds or len(set(seeds)) != len(seeds) or any(not 0 <= s < SEED_END for s in seeds):
        raise InputError(f"{arg('seeds')}: give distinct seeds from 0 to 2**64 - 1, got {list(seeds)}")


def check_runs(specs: Sequence[RunSpec], *, pop: int, gens: int, proxy: bool | None = None,
               supernet: str | Path | None = None, problem: "Problem | None" = None, out_arg: str = "out_dir") -> None:
    """Refuse a budget or strategy a search of ``specs`` cannot take (``--pop``, ``--gens``), and an
    existing run directory of another search (problem, settings, more generations) or, for a
    supernet-scored benchmark (``proxy`` False; None: not checked), one the accuracy proxy or
    another supernet scored, before the shared accuracy source is made: a missing supernet takes
    minutes to hours to train. That supernet is ``supernet`` or the cached one of ``problem``
    (default: each spec's), as :func:`shared_accuracy` takes it. The rest of a reused run's accuracy
    source is checked by :func:`run_all`; ``accuracy_fn`` is not used. ``out_arg``: the caller's parameter
    that chose the run folders, which a refusal names (``--out`` from the CLI)."""
    from evo_cosearch.engine import check_run_dir, search_settings
    from evo_cosearch.engine.runner import stored_meta
    from evo_cosearch.provenance import simulator_source, source_kind

    for spec in specs:
        meta = stored_meta(spec.run_dir) if proxy is False else None
        kind = None if meta is None else source_kind(meta.accuracy_source)
        source = {"kind": "supernet"} if kind == "proxy" else None  # a smoke test's (--proxy-accuracy)
        check_run_dir(spec.problem, spec.run_dir, search_settings(spec.problem, pop=pop, gens=gens, seed=spec.seed,
                                                                  strategy=spec.strategy), source,
                      simulator=simulator_source(None))  # benchmarks simulate with the built-in model
        if kind == "supernet":
            _check_supernet(spec, meta, problem or spec.problem, supernet, out_arg)


def _check_supernet(spec: RunSpec, meta: "RunMeta", problem: "Problem", supernet: str | Path | None,
                    out_arg: str) -> None:
    """Refuse the run of ``meta`` when another supernet scored it than the benchmark's (``supernet``, else
    ``problem``'s cached one; a missing one is trained: a new file, of another hash)."""
    from evo_cosearch.files import file_sha256
    from evo_cosearch.problem import read_yaml
    from evo_cosearch.provenance import describe_source
    from evo_cosearch.runs import planned_checkpoint

    recorded = meta.accuracy_source.get("sha256")
    ckpt = planned_checkpoint(problem, supernet=supernet, where=arg("supernet"))
    if recorded is None or (ckpt.is_file() and file_sha256(ckpt)[:16] == recorded):
        return
    mine = (f"supernet {ckpt}" + ("" if ckpt.is_file() else " (to be trained)")
            + ("" if supernet is not None else f", the cached one of {problem.source}"))
    same_name = meta.problem_name == spec.problem.name
    out = as_called("--out", out_arg)
    if same_name and read_yaml(meta.problem_text) != read_yaml(spec.problem.text):  # an edited copy
        remedy = (f"it is a run of another problem named {meta.problem_name!r} (its file: "
                  f"{spec.run_dir / 'problem.yaml'}); give {problem.source} a name: of its own, or use another {out}")
    else:
        remedy = f"use another {out} directory, or {arg('supernet')} with the run's checkpoint"
    raise InputError(f"{spec.run_dir}: run was scored by {describe_source(meta.accuracy_source)}, not {mine}; "
                     f"{remedy}")


def shared_accuracy(problem: "Problem", *, supernet: str | Path | None = None, proxy: bool = False,
                    progress: bool = True) -> tuple[Callable[[np.ndarray], np.ndarray], dict[str, Any]]:
    """One accuracy function for every run of a benchmark, and a JSON description of it.

    The supernet is ``supernet`` or the problem's cached one (trained when missing) -- the
    checkpoint ``evo-cosearch search --problem FILE`` uses; child evaluation uses a new run's
    evaluation seed too, whatever the run's search seed, as a search does. ``proxy`` and
    ``supernet`` exclude each other.
    """
    from evo_cosearch.evaluate import ProxyAccuracy, SupernetAccuracy
    from evo_cosearch.runs import evaluation_seed, run_checkpoint

    if proxy and supernet is not None:  # as `search` refuses it: the checkpoint would be ignored unsaid
        raise InputError(f"{arg('proxy_accuracy')} and {arg('supernet')} exclude each other (the proxy uses no "
                         "supernet)")
    if proxy:
        return ProxyAccuracy(problem), {"source": "proxy", "note": "ProxyAccuracy (MACs and bit widths), "
                                                                   "not a trained model"}
    seed = evaluation_seed(None)  # a new run's
    ckpt = run_checkpoint(problem, None, supernet=supernet, where=arg("supernet"), progress=progress)
    return SupernetAccuracy(problem, ckpt, seed=seed), {"source": "supernet", "checkpoint": str(ckpt),
                                                        "evaluation_seed": seed, "shared": True}


def _check_reused(spec: RunSpec, pop: int, gens: int, out_arg: str) -> None:
    """Refuse an existing run of another search, or of another supernet: by the file hash the run
    recorded, else (runs made before runs recorded it, other accuracy sources) when the shared
    source does not reproduce its first stored accuracies within :data:`_TOLERANCE`."""
    _check_search(spec, pop, gens)
    moved = _rescored(spec)
    if moved is not None:
        stored, got = moved
        raise InputError(f"{spec.run_dir}: its stored accuracies ({stored.round(4).tolist()}) are not this "
                         f"benchmark's ({got.round(4).tolist()}): another supernet or accuracy source, or "
                         "another thread count (OMP_NUM_THREADS) than the run's; use another "
                         f"{as_called('--out', out_arg)}")


def _check_search(spec: RunSpec, pop: int, gens: int) -> None:
    """Refuse the existing run of ``spec`` when it is another search, recorded another supernet's hash, or
    simulated with a user's simulate_fn."""
    from evo_cosearch.provenance import accuracy_source, simulator_source
    from evo_cosearch.engine import check_run_dir, search_settings

    settings = search_settings(spec.problem, pop=pop, gens=gens, seed=spec.seed, strategy=spec.strategy)
    check_run_dir(spec.problem, spec.run_dir, settings, accuracy_source(spec.accuracy_fn),
                  simulator=simulator_source(None))


def _rescored(spec: RunSpec) -> tuple[np.ndarray, np.ndarray] | None:
    """(stored, shared source's) first accuracies of the existing run of ``spec`` when they differ by more
    than :data:`_TOLERANCE`; None when they agree, or when the run recorded a supernet file or the proxy
    (then :func:`_check_search` decided)."""
    from evo_cosearch.provenance import source_kind

    with open_archive(spec.run_dir) as arc:
        recorded = arc.meta.accuracy_source
        table = arc.designs(max_generation=0)
    if source_kind(recorded) in ("supernet", "proxy"):  # the same supernet file, or the same proxy
        return None
    rows = np.flatnonzero(table.searched)[:_CHECKED]
    if len(rows) == 0:
        return None
    got = np.asarray(spec.accuracy_fn(table.genome[rows]), dtype=np.float64)
    stored = table.metrics["accuracy"][rows]
    return None if np.allclose(got, stored, rtol=0.0, atol=_TOLERANCE) else (stored, got)


def _with_reused_dir(spec: RunSpec, pop: int, gens: int) -> RunSpec:
    """``spec`` on its ``reuse`` directory when that holds the same search, else unchanged: a run there of
    another search or accuracy source is not reused, and not refused (it is another benchmark's)."""
    if spec.reuse is None or not db_path(spec.reuse).exists() or db_path(spec.run_dir).exists():
        return spec
    other = replace(spec, run_dir=spec.reuse, reuse=None)
    try:
        _check_search(other, pop, gens)
    except InputError:  # another search there: this spec's own directory is run
        return spec
    return spec if _rescored(other) is not None else other


def run_all(specs: Sequence[RunSpec], *, pop: int, gens: int, progress: bool = True,
            out_arg: str = "out_dir") -> list[RunResult]:
    """Run (resume, or reuse when complete) every search of ``specs``, in order; read them back.
    ``out_arg``: as :func:`check_runs` takes it."""
    from evo_cosearch.api import search

    results = []
    for k, spec in enumerate(specs, start=1):
        spec = _with_reused_dir(spec, pop, gens)
        if db_path(spec.run_dir).exists():
            _check_reused(spec, pop, gens, out_arg)
        t0 = time.perf_counter()
        arc = search(spec.problem, out=spec.run_dir, pop=pop, gens=gens, seed=spec.seed, strategy=spec.strategy,
                     accuracy_fn=spec.accuracy_fn, quiet=True, progress=False)
        with arc:
            designs = arc.designs(max_generation=gens - 1)
        seconds = time.perf_counter() - t0
        if progress:
            try:
                print(f"[{k}/{len(specs)}] {spec.label} seed {spec.seed}: {len(designs)} designs, "
                      f"{int(designs.feasible.sum())} feasible ({seconds:.1f} s) -> {spec.run_dir}", file=sys.stderr)
            except BrokenPipeError:  # the output's reader gone (`| head`): stop, keeping the runs done
                raise OutputClosed(f"{k} of {len(specs)} runs done, the last in {spec.run_dir}: run the same "
                                   "command again to reuse them") from None
        results.append(RunResult(spec.label, spec.seed, spec.run_dir, designs, seconds))
    return results


def front_box(F_sets: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(ideal, ref)`` from the non-dominated front of the union of ``F_sets`` (see module doc)."""
    F = np.concatenate([np.asarray(F, dtype=np.float64) for F in F_sets])
    if len(F) == 0:
        raise InputError("no feasible design in any run: hypervolume is undefined")
    return hv_points(F[non_dominated(F)])


def _run_data(r: RunResult):
    from evo_cosearch.plots.runs import RunData
    d = r.designs
    return RunData(name=r.run_dir.name, strategy=r.label, generation=d.generation, F=d.F, feasible=d.feasible)


def hv_curves(results: Sequence[RunResult]) -> tuple[np.ndarray, np.ndarray, list["HVCurve"]]:
    """The common box of ``results`` and each run's hypervolume after each generation in it."""
    from evo_cosearch.plots.runs import hv_curve

    ideal, ref = front_box([r.designs.F[r.designs.feasible] for r in results])
    return ideal, ref, [hv_curve(_run_data(r), ideal, ref) for r in results]


def quartiles(values: Sequence[float]) -> dict[str, Any]:
    """Median and interquartile range (numpy's linear percentiles) of ``values``, and the values."""
    v = np.asarray(values, dtype=np.float64)
    q25, med, q75 = np.percentile(v, [25, 50, 75])
    return {"median": float(med), "q25": float(q25), "q75": float(q75), "n": int(len(v)),
            "values": [float(x) for x in v]}
