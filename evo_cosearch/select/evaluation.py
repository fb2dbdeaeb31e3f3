"""Score one design on a supernet (``evo-cosearch evaluate``): its inherited validation accuracy, MACs
and parameters; an exported design.json is scored as its run scored it (seed and torch threads), with
notes where the settings asked for differ from the run's."""

from __future__ import annotations

import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from evo_cosearch.errors import InputError, arg
from evo_cosearch.io.designfile import design_of_arg, genome_of
from evo_cosearch.supernet import check_seed

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem

__all__ = ["EvaluatedDesign", "evaluate_design", "evaluated_design_line"]


@dataclass(frozen=True)
class EvaluatedDesign:
    """A design's supernet-inherited validation accuracy (a fraction), its network's MACs and
    parameters, the settings it was scored with, the accuracy its run archived (None: not known) and
    notes on settings that differ from its run's."""

    accuracy: float
    macs: int
    params: int
    seed: int                     # of the recalibration images
    threads: int | None           # torch threads (None: this process's default)
    archived: float | None = None
    notes: tuple[str, ...] = ()

    def report(self) -> dict[str, Any]:
        """``evaluate --format json``: accuracy, MACs and parameters."""
        return {"accuracy": self.accuracy, "macs": self.macs, "params": self.params}


def evaluate_design(problem: "Problem", genome: str | os.PathLike | Sequence[int], *, supernet: str | Path,
                    seed: int | None = None, threads: int | None = None) -> EvaluatedDesign:
    """Score ``genome`` (gene indices, ``"I,J,..."``, or an exported design.json of ``problem``) with
    the weights of the ``supernet`` checkpoint, on the recalibration images of ``seed`` and ``threads``
    torch threads (None: those its run used for a design.json, else 0 and this process's default)."""
    if seed is not None:
        check_seed(seed)
    if threads is not None and not (_integer(threads) and threads >= 1):
        raise InputError(f"{arg('threads')}: {threads!r} is not an integer >= 1")
    from evo_cosearch.runs import rescoring
    from evo_cosearch.supernet import AccuracyEvaluator
    from evo_cosearch.workload import spec_workload

    X = genome_of(problem, genome)
    design = design_of_arg(os.fspath(genome)) if isinstance(genome, (str, os.PathLike)) else None
    how = rescoring(design, supernet=supernet, seed=seed, threads=threads)
    evaluator = AccuracyEvaluator(problem, supernet, seed=how.seed, threads=how.threads)
    acc = float(evaluator.accuracy(X[None, :])[0])
    wl = spec_workload(problem.design(X).network)
    return EvaluatedDesign(acc, int(wl.macs.sum()), int(wl.params.sum()), how.seed, how.threads, how.archived,
                           how.notes)


def _integer(value: Any) -> bool:
    """An int or numpy integer, not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def evaluated_design_line(done: EvaluatedDesign) -> str:
    """``evaluate``'s line: accuracy (and the archived one), MACs and parameters."""
    archived = "" if done.archived is None else f", archived {done.archived:.4f}"
    return f"accuracy {done.accuracy:.4f} (validation{archived})  MACs {done.macs:,}  params {done.params:,}"
