"""What a run was made with, for the commands that continue or build on it.

A search records where its accuracies came from (``accuracy_source``: the supernet file, its
hash and the evaluation seed; or the proxy; or a custom function) and the dataset file it read.
A resumed search, ``refine`` and ``select --finetune`` use the same supernet and data by default,
so that nothing they add to the run is on another accuracy scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from evo_cosearch.errors import InputError, arg
from evo_cosearch.files import file_sha256, given_path, same_file
from evo_cosearch.provenance import source_kind
from evo_cosearch.supernet import SUPERNET_CACHE  # torch-free: the package's names load on first use

if TYPE_CHECKING:
    from evo_cosearch.archive.reader import RunMeta
    from evo_cosearch.problem import Problem

__all__ = ["SUPERNET_CACHE", "SUPERNET_SEED", "run_checkpoint", "planned_checkpoint", "given_checkpoint",
           "evaluation_seed", "evaluation_threads", "run_problem", "resumed_problem", "data_path_of", "Rescoring",
           "rescoring"]

#: The training seed of the cached supernet: one supernet serves searches of every seed.
SUPERNET_SEED = 0


def run_checkpoint(problem: "Problem", recorded: Mapping[str, Any] | None, *, supernet=None, where: str = "run",
                   cache_dir: str | Path | None = None, progress: bool = True) -> Path:
    """The supernet to use: ``supernet`` when given; else the one a run recorded (``recorded``,
    its accuracy source), which must still be there; else the cached one for ``problem``,
    trained when missing."""
    chosen = named_checkpoint(recorded, supernet=supernet, where=where)
    if chosen is not None:
        return chosen
    from evo_cosearch.supernet import ensure_supernet
    return ensure_supernet(problem, cache_dir=cache_dir or SUPERNET_CACHE, epochs=None, progress=progress,
                           seed=SUPERNET_SEED)


def planned_checkpoint(problem: "Problem", *, supernet=None, where: str = "run") -> Path:
    """The supernet :func:`run_checkpoint` gives a new run, without training it: ``supernet``, else
    the problem's cached one, which may not be there yet (a missing one is trained: a new file)."""
    chosen = named_checkpoint(None, supernet=supernet, where=where)
    if chosen is not None:
        return chosen
    from evo_cosearch.supernet import cached_supernet_path
    return cached_supernet_path(problem, cache_dir=SUPERNET_CACHE, epochs=None, seed=SUPERNET_SEED)


def given_checkpoint(supernet: str | Path) -> Path:
    """The supernet checkpoint a caller named, checked to be a file (an empty path is an error, not
    the current folder)."""
    path = given_path(supernet, "supernet checkpoint")
    if not path.is_file():
        raise InputError(f"{arg('supernet', supernet)}: checkpoint not found")
    return path


def named_checkpoint(recorded: Mapping[str, Any] | None, *, supernet=None, where: str = "run") -> Path | None:
    """The part of :func:`run_checkpoint` that trains nothing: ``supernet`` or the one a run
    recorded, each checked to be there; None when neither names one (the problem's cached one)."""
    if supernet is not None:
        return given_checkpoint(supernet)
    if source_kind(recorded) == "supernet":
        own = Path(recorded["supernet"])
        if not own.is_file():
            raise InputError(f"{where}: run was scored by supernet {own}, which is not there any more"
                             f"{'' if own.is_absolute() else ' (a path relative to the directory it ran in)'}; "
                             f"pass {arg('supernet')} with that checkpoint")
        return own
    return None


def evaluation_seed(meta: "RunMeta | None") -> int:
    """The seed of the images a run's supernet accuracies were evaluated on (BatchNorm
    recalibration): recorded by the run; the run's own seed for runs made before that; 0 for a
    new run, whatever its search seed, so that runs of different seeds share one scale."""
    source = _supernet_source(meta)
    return 0 if source is None else _recorded_seed(source, meta.seed)


def evaluation_threads(meta: "RunMeta | None") -> int | None:
    """The torch threads a run's supernet accuracies were evaluated with, when it recorded them
    (a resume evaluates with the same, so its new accuracies match an uninterrupted run's); None:
    a new run, or one made before runs recorded them (this process's default)."""
    return _recorded_threads(_supernet_source(meta) or {})


def _recorded_seed(source: Mapping[str, Any], run_seed: int) -> int:
    """The evaluation seed a supernet accuracy source records (the run's own seed before runs recorded it)."""
    return int(source.get("evaluation_seed", run_seed))


def _recorded_threads(source: Mapping[str, Any]) -> int | None:
    """The torch threads a supernet accuracy source records (None: not recorded)."""
    threads = source.get("threads")
    return None if threads is None else int(threads)


@dataclass(frozen=True)
class Rescoring:
    """How ``evaluate`` scores a design again: the recalibration seed and torch threads (None: this
    process's default), the accuracy the run archived (None: not known) and notes for the user."""

    seed: int
    threads: int | None
    archived: float | None = None
    notes: tuple[str, ...] = ()


def rescoring(design: Mapping[str, Any] | None, *, supernet: str | Path, seed: int | None,
              threads: int | None) -> Rescoring:
    """The settings that score ``design`` (an exported design.json's data; None: gene indices) as its run
    did: the run's evaluation seed and thread count unless ``seed`` / ``threads`` say otherwise, with a
    note for each setting (and a ``supernet`` file) that differs from the run's, since any of them moves
    accuracies by a few validation images."""
    run, source, run_seed = _design_source(design)
    if source_kind(source) != "supernet":
        return Rescoring(0 if seed is None else seed, threads)
    own_seed, own_threads = _recorded_seed(source, run_seed), _recorded_threads(source)
    notes = []
    if seed is not None and seed != own_seed:
        notes.append(f"run {run} scored its accuracies on the recalibration images of {arg('seed', own_seed)}, "
                     f"not {seed}")
    if threads is not None and own_threads is not None and threads != own_threads:
        notes.append(f"run {run} scored its accuracies on {own_threads} torch thread{'s' * (own_threads != 1)}, "
                     f"not {threads}: another count sums in another order and moves a few validation images")
    if source.get("sha256") and Path(supernet).is_file() and file_sha256(supernet)[:16] != source["sha256"]:
        notes.append(f"run {run} scored its accuracies with supernet {source.get('supernet')}, and "
                     f"{arg('supernet', supernet)} holds other weights")
    archived = (design.get("metrics") or {}).get("accuracy")
    return Rescoring(own_seed if seed is None else seed, own_threads if threads is None else threads,
                     None if archived is None else float(archived), tuple(notes))


def _design_source(design: Mapping[str, Any] | None) -> tuple[str, Mapping[str, Any] | None, int]:
    """(run name, accuracy source, run seed) of the run an exported design comes from: the source the
    export recorded, else (an export made before exports recorded it) its run folder's while it is there."""
    prov = (design or {}).get("provenance")
    if not isinstance(prov, Mapping):
        return "", None, 0
    run, source, run_seed = str(prov.get("run")), prov.get("accuracy_source"), int(prov.get("seed") or 0)
    if "accuracy_source" not in prov and prov.get("run_dir") and Path(prov["run_dir"]).is_dir():
        from evo_cosearch.archive import open_archive
        try:
            with open_archive(prov["run_dir"]) as arc:
                source = arc.meta.accuracy_source
        except InputError:  # not a run (any more): nothing recorded to match
            pass
    return run, source if isinstance(source, Mapping) else None, run_seed


def _supernet_source(meta: "RunMeta | None") -> Mapping[str, Any] | None:
    """The accuracy source ``meta`` recorded when it is a supernet (None: a new run, or another kind)."""
    if meta is None or source_kind(meta.accuracy_source) != "supernet":
        return None
    return meta.accuracy_source


def resumed_problem(problem: "Problem", meta: "RunMeta | None", where: str) -> "Problem":
    """``problem`` for resuming (or refining a design of) the run of ``meta``: reading the data file
    the run read. A problem whose data path is its file's own reads the run's; one given other data
    (``--data``) is refused while the run's file is still there (else it is where that data moved)."""
    if meta is None or meta.data is None or same_file(data_path_of(problem), meta.data):
        return problem
    from evo_cosearch.problem import parse_problem
    if problem.dataset.path == parse_problem(problem.text, source=problem.source).dataset.path:
        return run_problem(problem, meta, where=where)
    if not Path(meta.data).exists():
        return problem
    raise InputError(f"{where}: the run read its data from {meta.data}, not {problem.dataset.path}; leave out "
                     f"{arg('data')}, or give that file")


def data_path_of(problem: "Problem") -> str | None:
    """The dataset file ``problem`` reads, as an absolute path (None: an embedded dataset)."""
    path = problem.dataset.path
    return None if path is None else str(Path(path).resolve())


def run_problem(problem: "Problem", meta: "RunMeta", data: str | None = None, *, where: str) -> "Problem":
    """The run's problem reading ``data`` if given, else the dataset file the run read; ``where``:
    the run as the user named it (its folder), for the error when that file is gone."""
    path = data if data is not None else meta.data
    if path is not None and data is None and not Path(path).exists():
        raise InputError(f"{where}: the run read its data from {path}, which is not there any more; "
                         f"pass {arg('data')}")
    return problem.with_data(path, strict=data is not None)
