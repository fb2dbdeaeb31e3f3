"""The run loop: pymoo ask/tell, one archive transaction per generation, resume from the archive.

Generation 0 is the initial population; generation g > 0 is the offspring pymoo asks
for, evaluated as one batch and told back. After each ``tell`` the new designs, the
surviving population (design ids) and the strategy's plain-JSON state (RNG states,
survival attributes) are committed together. Resuming rebuilds the algorithm, puts the
last committed population and state back, and continues -- the same seed therefore gives
the same archive whether or not the run was interrupted.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
from pymoo.core.population import Population

from evo_cosearch.archive import (
    ArchiveWriter, db_path, hv_points, hypervolume, non_dominated, open_archive, pareto_of,
)
from evo_cosearch.errors import InputError, arg, stopped
from evo_cosearch.files import missing_root, remove_made_dirs
from evo_cosearch.provenance import simulator_mismatch, simulator_source, source_kind, source_mismatch
from evo_cosearch.runs import data_path_of
from evo_cosearch.supernet.config import EvaluationConfig
from evo_cosearch.engine.layer_groups import start_genome
from evo_cosearch.engine.problem import CoSearchProblem, extras_of
from evo_cosearch.engine.records import DesignJson, generation_record, now as _now
from evo_cosearch.engine.settings import ControllerSettings
from evo_cosearch.engine.strategies import get_strategy

if TYPE_CHECKING:
    from evo_cosearch.archive.reader import RunMeta
    from evo_cosearch.evaluate import Evaluator
    from evo_cosearch.engine.settings import SearchSettings

__all__ = ["run_search", "check_run_dir", "stored_meta", "RunSummary", "fingerprint"]

_SAME_RUN_KEYS = ("pop", "seed", "strategy", "accelerator_repair")
#: The settings only some strategies use: a run of another strategy resumes whatever they are now
#: (``random`` and ``reinforce`` breed no offspring; ``layer_groups`` runs NSGA-II, not NSGA-III).
_STRATEGY_KEYS = {"nsga2": ("algorithm", "crossover", "crossover_prob", "mutation_prob"),
                  "layer_groups": ("crossover", "crossover_prob", "mutation_prob"),
                  "reinforce": ("reward", "controller")}
#: Settings that runs made before them do not record (or record only some fields of), and the values
#: those runs used.
_UNRECORDED = {"controller": asdict(ControllerSettings())}


@dataclass(frozen=True)
class RunSummary:
    run_dir: Path
    archive: Path
    n_designs: int
    n_feasible: int
    n_pareto: int
    generations: int
    closest: dict[str, Any] | None   # least-violating design when none is feasible
    planned: int | None = None       # the generations asked for (--gens): more when the search stopped early
    n_refined: int = 0               # of n_designs, those added by `refine`, not by the search's generations

    def lines(self) -> list[str]:
        designs = f"{self.n_designs - self.n_refined} designs in {self.generations} generations" + (
            f" and {self.n_refined} refined" if self.n_refined else "")
        out = [f"{designs}, {self.n_feasible} feasible, Pareto set of {self.n_pareto}", f"archive: {self.archive}"]
        if self.n_feasible == 0:
            out[0] = f"0 feasible designs ({designs})"
            if self.closest is not None:
                out.insert(1, f"closest design: id {self.closest['id']} (constraint violation "
                              f"{self.closest['cv']:.4g}) metrics {json.dumps(self.closest['metrics'])}")
        if self.planned is not None and self.generations < self.planned:
            out.insert(1, f"stopped after {self.generations} of {self.planned} generations: the strategy had no new "
                          "design to propose (a small space, or one its population has used up)")
        return out


def fingerprint(problem) -> str:
    """Hash of what makes two problem files the same search (space, objectives, constraints, data)."""
    t = problem.network
    key = {"space": problem.space.to_dict(), "objectives": list(problem.objectives),
           "constraints": dict(problem.constraints), "dataset": [problem.dataset.name, dict(problem.dataset.options)],
           "network": [t.in_channels, t.in_size, t.num_classes, t.stem_stride, t.edge_bits,
                       [st.stride for st in t.stages]]}
    if getattr(t, "acc_bits", None) is not None:  # only when set: older runs keep their fingerprint
        key["network"].append(["acc_bits", t.acc_bits])
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _versions() -> dict[str, str]:
    out = {}
    for name in ("evo-cosearch", "numpy", "pymoo", "deap", "torch"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


class _Tracker:
    """Counters of the search's designs behind the per-generation statistics (feasible front, bests);
    designs added outside the search (``refine``) are not the search's evaluations and stay out."""

    def __init__(self, m: int) -> None:
        self.n_designs = self.n_feasible = 0
        self.front = np.zeros((0, m))
        self.best = np.full(m, np.inf)
        self.best_any = np.full(m, np.inf)

    def add(self, F: np.ndarray, feasible: np.ndarray) -> None:
        self.n_designs += len(F)
        self.n_feasible += int(feasible.sum())
        if len(F):
            self.best_any = np.minimum(self.best_any, F.min(0))
        if feasible.any():
            self.best = np.minimum(self.best, F[feasible].min(0))
            both = np.vstack([self.front, F[feasible]])
            self.front = both[non_dominated(both)]


def _open_run(problem, run_dir: Path, settings: "SearchSettings", source: Mapping[str, Any] | None = None,
              simulator: Mapping[str, Any] | None = None):
    """Validate an existing run directory (read-only) and return its resume state, or None.
    ``source``: where this search's accuracies come from (see :func:`provenance.accuracy_source`);
    ``simulator``: its hardware model (:func:`provenance.simulator_source`; None: not checked)."""
    with open_archive(run_dir) as arc:
        meta = arc.meta
        if meta.fingerprint != fingerprint(problem):
            what = (f"a different problem ({meta.problem_name!r}, not {problem.name!r})"
                    if meta.problem_name != problem.name else
                    f"another version of problem {problem.name!r} (its space, objectives or constraints differ; "
                    f"the run's own is {run_dir / 'problem.yaml'})")
            raise InputError(f"{run_dir}: made by {what}; use another {arg('out')} directory")
        why = source_mismatch(meta.accuracy_source, source) or simulator_mismatch(meta.simulator_source, simulator)
        if why:
            raise InputError(f"{run_dir}: {why}; use another {arg('out')} directory, or resume it the way it was made")
        why = _evaluation_mismatch(arc.problem(), problem) if source_kind(meta.accuracy_source) == "supernet" else None
        if why:
            raise InputError(f"{run_dir}: run's supernet accuracies used {why}; resume it with its own problem file "
                             f"({run_dir / 'problem.yaml'}), or use another {arg('out')} directory")
        mine = settings.to_dict()
        for key in _SAME_RUN_KEYS + _STRATEGY_KEYS.get(settings.strategy, ()):
            was = meta.settings.get(key, {} if key in _UNRECORDED else mine[key])
            if key in _UNRECORDED:  # the setting, or fields of it, added since: the values those runs used
                was = {**_UNRECORDED[key], **was}
            if was != mine[key]:
                raise InputError(f"{run_dir}: run was made with {key}={was!r}, "
                                 f"not {mine[key]!r}; use another {arg('out')} directory")
        if settings.strategy == "layer_groups" and not np.array_equal(start_genome(arc.problem()),
                                                                      start_genome(problem)):
            raise InputError(f"{run_dir}: run was made from another reference design (the run's own problem file "
                             f"is {run_dir / 'problem.yaml'}); use another {arg('out')} directory")
        state = arc.resume_state()
        table = arc.designs()
        last = -1 if state is None else state.generation
        if settings.gens < last + 1:  # a resume continues a run; it does not cut finished generations off
            raise InputError(f"{arg('gens', settings.gens)}: run {run_dir} already has {last + 1} generations "
                             f"(a resume continues a run; give {arg('gens', last + 1)} or more)")
        # completed generations, plus designs added outside the search (refine): they keep their ids
        keep = (table.generation <= last) | ~table.searched
        return meta, state, table.take(np.flatnonzero(keep))


def _evaluation_mismatch(run_problem, problem) -> str | None:
    """How ``problem``'s ``evaluation:`` section differs from the run's (None: the same), since
    other recalibration or validation images put a supernet's accuracies on another scale."""
    was = EvaluationConfig.from_section(run_problem.evaluation).to_dict()
    now = EvaluationConfig.from_section(problem.evaluation).to_dict()
    for key in was:
        if was[key] != now[key]:
            return f"evaluation.{key}={json.dumps(was[key])}, not {json.dumps(now[key])}"
    return None


def stored_meta(run_dir: str | Path) -> "RunMeta | None":
    """The metadata of an existing run (None if there is none): its settings and accuracy source
    are the defaults of a resume."""
    if not db_path(run_dir).exists():
        return None
    with open_archive(run_dir) as arc:
        return arc.meta


def check_run_dir(problem, run_dir: str | Path, settings: "SearchSettings",
                  source: Mapping[str, Any] | None = None, *, simulator: Mapping[str, Any] | None = None) -> None:
    """Raise :class:`InputError` if ``run_dir`` cannot hold (or continue) this search, scored by
    ``source`` and simulated by ``simulator`` (:func:`provenance.simulator_source`). Writes nothing."""
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise InputError(f"{run_dir}: not a directory")
    if db_path(run_dir).exists():
        _open_run(problem, run_dir, settings, source, simulator)


def run_search(problem, evaluator: "Evaluator", run_dir: str | Path, settings: "SearchSettings", *,
               progress: bool = True, accuracy_source: Mapping[str, Any] | None = None) -> RunSummary:
    """Run (or resume) the search of ``problem`` into ``run_dir``; see the module doc.
    ``accuracy_source`` is recorded in a new run and must match a resumed run's (when both have one);
    so must the evaluator's hardware model (its ``simulate_fn``, :func:`provenance.simulator_source`)."""
    run_dir = Path(run_dir)
    strategy = get_strategy(settings.strategy)
    pproblem = CoSearchProblem(evaluator)
    m = pproblem.n_obj
    tracker = _Tracker(m)
    hv_ideal = hv_ref = None
    resume = None
    next_id = 0  # design ids run on after every archived row, refined ones included
    made_root = missing_root(run_dir)  # the folders a new run creates, removed again if it fails at once
    new_run = not db_path(run_dir).exists()
    simulator = simulator_source(evaluator.simulate_fn)
    if not new_run:
        meta, resume, table = _open_run(problem, run_dir, settings, accuracy_source, simulator)
        if meta.status == "completed" and resume is not None and resume.generation + 1 == settings.gens == meta.gens:
            return _summary(run_dir, planned=settings.gens)  # nothing to do: the finished run is left as it is
    # the search state before anything is written: a strategy that cannot take the run up leaves it as it was
    algorithm = strategy.build(pproblem, settings)
    algorithm.setup(pproblem, seed=settings.seed, termination=("n_gen", settings.gens))
    start = 0
    if resume is not None:
        _restore(algorithm, strategy, table, resume)
        start = resume.generation + 1
    if not new_run:
        hv_ideal, hv_ref = meta.hv_ideal, meta.hv_ref
        searched = table.searched  # a refined design's accuracy is not its genome's
        evaluator.remember(table.genome[searched], table.metrics["accuracy"][searched])
        tracker.add(table.F[searched], table.feasible[searched])
        next_id = int(table.id.max()) + 1 if len(table) else 0
        writer = ArchiveWriter.open(run_dir)
        writer.truncate_after(-1 if resume is None else resume.generation)
        writer.set_meta(status="running", gens=settings.gens, ended=None,
                        settings={**meta.settings, "gens": settings.gens})
    else:
        writer = ArchiveWriter.create(run_dir, {
            "run": run_dir.name, "problem_name": problem.name, "problem_text": problem.text,
            "fingerprint": fingerprint(problem), "objectives": list(problem.objectives),
            "constraints": dict(problem.constraints), "seed": settings.seed, "strategy": settings.strategy,
            "status": "running", "started": _now(), "ended": None, "versions": _versions(),
            "pop": settings.pop, "gens": settings.gens, "settings": settings.to_dict(),
            "hv_ideal": None, "hv_ref": None, "accuracy_source": accuracy_source, "data": data_path_of(problem),
            "simulator_source": simulator,
        })
        (run_dir / "problem.yaml").write_text(problem.text, encoding="utf-8")

    bar = None
    committed = False
    done = start  # generations in the archive
    try:
        design_json = DesignJson(problem)
        if progress and not new_run and start < settings.gens:  # said now, not when a generation ends
            print(f"resuming {run_dir} from generation {start + 1} of {settings.gens} ({start} completed)",
                  file=sys.stderr, flush=True)
        bar = _progress_bar(settings.gens, start, run_dir.name, progress)
        for gen in range(start, settings.gens):
            off = algorithm.ask()
            if off is None or len(off) == 0:
                break
            first_id, next_id = next_id, next_id + len(off)
            off.set("design_id", np.arange(first_id, next_id))
            algorithm.evaluator.eval(pproblem, off)
            algorithm.tell(infills=off)
            F = np.asarray(off.get("F"), dtype=np.float64).reshape(len(off), m)
            extras = extras_of(off)
            feasible = extras["feasible"] > 0.5
            tracker.add(F, feasible)
            extra_meta = {}
            if hv_ideal is None:
                hv_ideal, hv_ref = (tuple(map(float, v)) for v in hv_points(F))
                extra_meta = {"hv_ideal": list(hv_ideal), "hv_ref": list(hv_ref)}
            hv = hypervolume(tracker.front, hv_ideal, hv_ref)
            writer.add_generation(generation_record(problem, pproblem, strategy, algorithm, off, generation=gen,
                                                    first_id=first_id, tracker=tracker, hypervolume=hv,
                                                    meta=extra_meta, design_json=design_json, extras=extras))
            committed = True
            done = gen + 1
            if bar is not None:  # the statistics first: update() draws the generation with them
                bar.set_postfix_str(_postfix(problem.objectives, tracker, hv), refresh=False)
                bar.update(1)
    except BaseException as exc:
        stop = isinstance(exc, (KeyboardInterrupt, BrokenPipeError))  # Ctrl-C, or the output's reader gone (`| head`)
        if bar is not None:
            bar.close()
        if new_run and not committed:  # nothing committed: leave no half-made run behind
            writer.discard()
            (run_dir / "problem.yaml").unlink(missing_ok=True)
            remove_made_dirs(run_dir, made_root)
            kept = f"{run_dir}: no generation completed, nothing kept"
        else:
            writer.set_meta(status="interrupted" if stop else "failed", ended=_now())
            writer.close()
            gens = "generation" if done == 1 else "generations"
            kept = (f"{run_dir} keeps its {done} completed {gens} of {settings.gens}: run the same command again "
                    "to resume it")
        if stop:
            raise stopped(exc, kept) from None
        raise
    if bar is not None:
        bar.close()
    writer.set_meta(status="completed", ended=_now())
    writer.close()
    return _summary(run_dir, planned=settings.gens)


def _restore(algorithm, strategy, table, resume) -> None:
    """Put the last committed population and search state back into a freshly set-up algorithm."""
    pos = {int(i): j for j, i in enumerate(table.id)}
    rows = np.array([pos[i] for i in resume.population], dtype=np.int64)
    pop = Population.new("X", table.genome[rows], "F", table.F[rows], "design_id", table.id[rows])
    if algorithm.problem.n_ieq_constr:
        pop.set("G", table.G[rows])
    else:
        pop.set("G", np.zeros((len(rows), 0)))
    pop.set("CV", table.cv[rows][:, None])
    for ind in pop:
        ind.evaluated.update(("F", "G", "H"))
    algorithm.pop = pop
    algorithm.is_initialized = True
    algorithm.start_time = time.time()
    algorithm.n_iter = resume.generation + 2
    algorithm.evaluator.n_eval = resume.n_designs
    strategy.load(algorithm, dict(resume.state))


class _LineProgress:
    """A progress bar's interface as one line per generation: for a log file, where a bar's redraws
    would be hundreds of lines."""

    def __init__(self, total: int, initial: int, name: str) -> None:
        self.total, self.n, self.name = total, initial, name
        self.postfix = ""

    def update(self, n: int) -> None:
        self.n += n
        print(f"{self.name}: generation {self.n}/{self.total} {self.postfix}", file=sys.stderr, flush=True)

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfix = text

    def close(self) -> None:
        pass


def _progress_bar(total: int, initial: int, name: str, enabled: bool):
    if not enabled:
        return None
    if not sys.stderr.isatty():
        return _LineProgress(total, initial, name)
    from tqdm import tqdm
    return tqdm(total=total, initial=initial, desc=name, unit="gen", leave=True, dynamic_ncols=True)


def _postfix(objectives, tracker: _Tracker, hv: float) -> str:
    best = tracker.best if tracker.n_feasible else tracker.best_any
    parts = [f"{o}={v:.4g}" for o, v in zip(objectives, best)]
    tag = "" if tracker.n_feasible else " (none feasible)"
    return " ".join(parts) + f" hv={hv:.4f}{tag}"


def _summary(run_dir: Path, *, planned: int | None = None) -> RunSummary:
    with open_archive(run_dir) as arc:
        table = arc.designs()
        pareto = pareto_of(table)
        closest = None
        if len(table) and not table.feasible.any():
            closest = table.record(int(np.argmin(table.cv)))
        gens = len(arc.history())
        return RunSummary(run_dir=run_dir, archive=arc.path, n_designs=len(table),
                          n_feasible=int(table.feasible.sum()), n_pareto=len(pareto),
                          generations=gens, closest=closest, planned=planned,
                          n_refined=int((~table.searched).sum()))
