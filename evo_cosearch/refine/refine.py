"""``refine_design``: FiGS-style refinement of one archived design, added back to its archive.

1. The design's network (archive record -> ``problem.design(genome)``) is extracted from the
   run's supernet (or built from scratch), BatchNorm-recalibrated, and given a mask on the
   hidden channels of every expanding block (:mod:`evo_cosearch.refine.model`).
2. Weights and mask logits are trained jointly on task loss + lambda * cost
   (:mod:`evo_cosearch.refine.train`, :mod:`evo_cosearch.refine.cost`).
3. Channels whose keep probability is below the threshold are removed; the narrower child is
   recalibrated and evaluated on the validation images the search's evaluation uses, and its
   workload (:func:`refined_workload`) is simulated on the design's accelerator.
4. One row is added to the archive (strategy ``refine``, generation = the search's last
   generation, the original genome, ``network["refined"] = {block: hidden channels}``,
   ``network["refined_from"] = source id`` and ``network["refined_with"]`` = the settings with the
   seed used: lambda, cost, epochs, threshold, ...), in one transaction, and the refined child is
   saved under ``RUN/refined/<new id>/``: ``child.pt`` (state_dict + architecture JSON + the
   input's mean and std, :func:`load_refined`), ``architecture.json`` and ``refine.json``
   (settings, before/after).

Only a run scored by a supernet (and simulated by the built-in simulator, which simulates the
refined design) can be refined, and only with that very file (its hash is checked): the refined
design's accuracy is measured on the same validation images, though after ``settings.epochs`` of
training (so usually above the inherited accuracies of the searched designs;
``before`` is the source design's accuracy on the same footing, before that training). A proxy- or
custom-scored archive would get a row on another scale. A refinement that removes no channel adds
nothing.

The run's writer lock is held from start to finish: a running search makes ``refine`` fail at
once, and a search cannot start while a design is being refined. Nothing is written on error:
``RUN/refined`` is checked before the training, and the row is added only once its folder is in place.
A later search *resume* keeps refined rows; its new designs take the ids after them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from evo_cosearch.archive import ArchiveWriter, open_archive
from evo_cosearch.archive.store import REFINE_STRATEGY, REFINED_DIR
from evo_cosearch.engine.settings import SEED_END
from evo_cosearch.errors import InputError, OutputClosed, arg, stopped
from evo_cosearch.evaluate import constraint_values
from evo_cosearch.files import file_sha256, given_path, writable_path
from evo_cosearch.hardware import simulate
from evo_cosearch.provenance import describe_source, simulator_mismatch, simulator_source, source_kind
from evo_cosearch.refine.cost import cost_terms
from evo_cosearch.refine.model import mask_child, narrow_child
from evo_cosearch.refine.train import EpochStat, RefineSettings, train_masked
from evo_cosearch.refine.workload import prunable_blocks, refined_workload
from evo_cosearch.runs import evaluation_seed, evaluation_threads, given_checkpoint, resumed_problem, run_checkpoint
from evo_cosearch.space.accelerator import AcceleratorArrays
from evo_cosearch.space.spec import DesignSpec, NetworkSpec
from evo_cosearch.supernet import (
    CHILD_PT, ChildNet, EvaluationConfig, build_child, child_accuracy, count_macs, eval_data, extract_child,
    load_supernet, problem_splits,
)
from evo_cosearch.supernet.checkpoint import load_torch_file
from evo_cosearch.supernet.child import REFINED_KEY, InputNormalization, SavedChild, read_normalization, save_child
from evo_cosearch.supernet.runtime import configure_torch

__all__ = ["STRATEGY", "REFINED_DIR", "Figures", "Refined", "refine_design", "load_refined"]

STRATEGY = REFINE_STRATEGY
ARCH_JSON, REPORT_JSON = "architecture.json", "refine.json"


@dataclass(frozen=True)
class Figures:
    """One network on the design's accelerator: hidden widths, size, accuracy, hardware metrics."""

    hidden: dict[str, int]
    macs: int
    params: int
    accuracy: float
    latency_ms: float
    energy_uj: float
    area_mm2: float


@dataclass(frozen=True)
class Refined:
    source_id: int
    design_id: int              # the new archive row
    before: Figures
    after: Figures
    archived_accuracy: float    # the source design's accuracy in the archive
    history: tuple[EpochStat, ...]
    settings: RefineSettings
    seed: int
    supernet: str | None        # checkpoint the child came from (None: from scratch)
    out_dir: Path

    def report(self) -> dict[str, Any]:
        """Plain, JSON-able data: what ``refine.json`` holds."""
        return {"source_id": self.source_id, "design_id": self.design_id, "seed": self.seed,
                "supernet": self.supernet, "settings": asdict(self.settings),
                "archived_accuracy": self.archived_accuracy, "before": asdict(self.before),
                "after": asdict(self.after), "history": [asdict(h) for h in self.history]}


def refine_design(run_dir: str | Path, design_id: int, settings: RefineSettings = RefineSettings(), *,
                  supernet: str | Path | None = None, supernet_cache: str | Path | None = None,
                  data: str | None = None, progress: bool = False) -> Refined:
    """Refine design ``design_id`` of the run in ``run_dir`` and archive the result (module doc).
    ``supernet`` and ``data`` default to those the run's search used."""
    settings.check()
    open_archive(run_dir).close()  # a missing or broken archive (or an empty path) fails before anything is touched
    run = Path(run_dir)
    if supernet is not None and settings.from_scratch:
        raise InputError(f"{arg('supernet', supernet)}: not used with {arg('from_scratch')}, which starts from "
                         "fresh weights")
    if supernet is not None:
        given_checkpoint(supernet)
    writable_path(run / REFINED_DIR, "refined designs", directory=True)  # not after the training
    try:
        writer = ArchiveWriter.open(run)
    except InputError:
        raise InputError(f"{run}: another process is writing to this run ({run / 'writer.lock'} is held); "
                         "refine it when that is done") from None
    try:
        return _refine(run, writer, int(design_id), settings, supernet, supernet_cache, data, progress)
    except (KeyboardInterrupt, BrokenPipeError) as exc:  # Ctrl-C or a closed output (`| head`): say what became
        # of the run, and of a supernet being trained (its own stop says that)
        inner = str(exc) if isinstance(exc, (KeyboardInterrupt, OutputClosed)) else ""
        kept = f"; {inner}" if inner else ""
        raise stopped(exc, f"{run}: design {design_id} not refined, nothing archived{kept}") from None
    finally:
        writer.close()


def _refine(run: Path, writer: ArchiveWriter, design_id: int, settings: RefineSettings, supernet, supernet_cache,
            data_path: str | None, progress: bool) -> Refined:
    t0 = time.perf_counter()
    with open_archive(run) as arc:
        meta, problem, designs = arc.meta, arc.problem(), arc.designs()
    rows = np.flatnonzero(designs.id == design_id)
    if len(rows) == 0:
        raise InputError(f"{run}: no design with id {design_id}")
    rec = designs.record(int(rows[0]))
    if rec["strategy"] == STRATEGY:
        src = rec["network"].get("refined_from")
        raise InputError(f"{run}: design {design_id} is already refined (from design {src}); refine that one")
    _refuse_another_scale(run, meta.accuracy_source)
    why = simulator_mismatch(meta.simulator_source, simulator_source(None))
    if why:  # the refined design is simulated with the built-in model: another scale than the run's designs
        raise InputError(f"{run}: {why}; a refined design is simulated with the built-in simulator and would not "
                         "be comparable with its archive")
    design = problem.design(rec["genome"])
    spec = design.network
    if not prunable_blocks(spec):
        raise InputError(f"{run}: design {design_id} has no block with expansion > 1: nothing to refine")
    seed = meta.seed if settings.seed is None else int(settings.seed)
    problem = resumed_problem(problem.with_data(data_path, strict=True), meta, str(run))  # the run's data only
    splits = problem_splits(problem)
    data = eval_data(splits, EvaluationConfig.from_section(problem.evaluation), seed=evaluation_seed(meta))

    threads = evaluation_threads(meta)  # accuracies as the run measured them (torch threads change sums)
    configure_torch(threads=threads)
    ckpt = None if settings.from_scratch else run_checkpoint(
        problem, meta.accuracy_source, supernet=supernet, where=str(run), cache_dir=supernet_cache, progress=progress)
    if ckpt is not None:
        _refuse_another_checkpoint(meta.accuracy_source, ckpt, given=supernet is not None)
    refined_with = {**asdict(settings), "seed": seed}
    _refuse_a_repeat(run, designs, design_id, refined_with)
    child = build_child(spec, seed=seed) if settings.from_scratch else extract_child(load_supernet(problem, ckpt), spec)
    full = {p.name: p.hidden for p in prunable_blocks(spec)}
    before = _figures(child, spec, design, full, data)  # also gives the child its own statistics

    masked = mask_child(child, spec, generator=torch.Generator().manual_seed((seed + 1) % SEED_END), tau=settings.tau,
                        init_keep=settings.init_keep, threshold=settings.threshold)
    terms = cost_terms(spec, settings.cost, accelerator=design.accelerator)
    history = train_masked(masked, terms, splits, settings, seed=seed, progress=progress)
    refined = masked.prune(settings.threshold)
    hidden = {name: int(k.numel()) for name, k in masked.kept(settings.threshold).items()}
    if hidden == full:
        raise InputError(f"{run}: design {design_id}: no channel fell below {arg('threshold', settings.threshold)} "
                         f"in {settings.epochs} epoch{'s' * (settings.epochs != 1)} with {arg('lam', settings.lam)}; "
                         f"nothing pruned, nothing archived (a larger {arg('lam')} or more {arg('epochs')} prune more)")
    configure_torch(threads=threads)  # training may have used another count
    after = _figures(refined, spec, design, hidden, data)

    new_id = int(designs.id.max()) + 1
    searched = designs.generation[designs.strategy != STRATEGY]
    generation = int(searched.max()) if len(searched) else 0  # added after the run's last generation
    metrics = {"accuracy": after.accuracy, "error": 1.0 - after.accuracy, "latency_ms": after.latency_ms,
               "energy_uj": after.energy_uj, "area_mm2": after.area_mm2, "edp": after.energy_uj * after.latency_ms,
               "params": float(after.params), "macs": float(after.macs)}
    G = constraint_values({k: np.array([v]) for k, v in metrics.items()}, problem.constraints)[0]
    cv = float(np.maximum(G, 0.0).sum())
    result = Refined(design_id, new_id, before, after, float(rec["metrics"]["accuracy"]), history, settings, seed,
                     None if ckpt is None else str(ckpt), run / REFINED_DIR / str(new_id))

    # the folder first, the row last: a failure on the way leaves neither (an interrupted process at
    # most a folder of an id no row holds, which the next refinement of that id replaces)
    tmp = Path(tempfile.mkdtemp(prefix=".refine-", dir=run))
    placed, made = False, not result.out_dir.parent.exists()
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; it becomes an ordinary result folder
        _save(tmp, refined, spec, hidden, result, InputNormalization.of(splits))
        result.out_dir.parent.mkdir(exist_ok=True)
        if result.out_dir.exists():  # a stale folder of an id no row holds (e.g. copied runs)
            shutil.rmtree(result.out_dir)
        os.replace(tmp, result.out_dir)
        placed = True
        writer.add_design({
            "id": new_id, "generation": generation, "genome": rec["genome"],
            "network": {**rec["network"], "refined": hidden, "refined_from": design_id,
                        "refined_with": refined_with},
            "accelerator": rec["accelerator"], "metrics": metrics, "G": G.tolist(), "cv": cv,
            "feasible": cv <= 0.0, "seconds": time.perf_counter() - t0, "strategy": STRATEGY,
        })
    except BaseException:
        shutil.rmtree(result.out_dir if placed else tmp, ignore_errors=True)
        if made:
            shutil.rmtree(result.out_dir.parent, ignore_errors=True)
        raise
    return result


def _figures(child: ChildNet, spec: NetworkSpec, design: DesignSpec, hidden: dict[str, int], data) -> Figures:
    """Accuracy (measured as the archive's: :func:`child_accuracy`, which recalibrates ``child`` in
    place) and simulated metrics of ``child``."""
    acc = child_accuracy(child, data)
    la = refined_workload(spec, hidden)
    macs = int(la.macs.sum())
    if count_macs(child, (spec.in_channels, spec.in_size, spec.in_size)) != macs:
        raise AssertionError("refined child and refined workload disagree on MACs")  # a bug, not bad input
    hw = simulate(la, AcceleratorArrays.from_specs([design.accelerator]))
    return Figures(dict(hidden), macs, int(la.params.sum()), float(acc), float(hw.latency_ms[0]),
                   float(hw.energy_uj[0]), float(hw.area_mm2[0]))


def _refuse_another_scale(run: Path, recorded) -> None:
    """A refined design joins the run's archive, so its accuracy must be on the run's scale: refuse a
    proxy- or custom-scored run."""
    if source_kind(recorded) in ("proxy", "custom"):
        raise InputError(f"{run}: run was scored by {describe_source(recorded)}, not a supernet; a refined "
                         "design's accuracy is measured on the data and would not be comparable with its archive")


def _refuse_another_checkpoint(recorded, ckpt: Path, *, given: bool) -> None:
    """Refuse a checkpoint whose bytes are not those the run was scored by: another ``--supernet``
    (``given``), or the run's own file changed since (the archive would mix two accuracy scales)."""
    if source_kind(recorded) != "supernet" or not recorded.get("sha256"):
        return
    digest = file_sha256(ckpt)[:len(recorded["sha256"])]
    if digest == recorded["sha256"]:
        return
    if given:
        raise InputError(f"{arg('supernet', ckpt)}: not the checkpoint this run was scored by "
                         f"({recorded.get('supernet')}, sha256 {recorded['sha256']}); the archive would mix "
                         "two accuracy scales")
    raise InputError(f"{ckpt}: changed since the run was scored by it (sha256 {digest}, recorded "
                     f"{recorded['sha256']}); the archive would mix two accuracy scales: pass {arg('supernet')} "
                     "with the checkpoint the run was scored by")


def _refuse_a_repeat(run: Path, designs, design_id: int, refined_with: dict[str, Any]) -> None:
    """A refinement is seeded and deterministic (and its supernet is the run's): the same design,
    settings and seed again would only archive a duplicate of an earlier refined design."""
    for row in np.flatnonzero(designs.strategy == STRATEGY):
        network, refined_id = designs.record(int(row))["network"], int(designs.id[row])
        if network.get("refined_from") == design_id and _refined_with(run, network, refined_id) == refined_with:
            raise InputError(f"{run}: design {design_id} was already refined with these settings and seed: design "
                             f"{refined_id}; change a setting (e.g. {arg('seed')}) to refine it again")


def _refined_with(run: Path, network: dict[str, Any], refined_id: int) -> dict[str, Any] | None:
    """The settings and seed a refined row was made with: archived in its network, or, for a row
    refined before they were, read from its ``refine.json`` (None: neither is there)."""
    if "refined_with" in network:
        return network["refined_with"]
    try:
        report = json.loads((run / REFINED_DIR / str(refined_id) / REPORT_JSON).read_text(encoding="utf-8"))
        return {**report["settings"], "seed": report["seed"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save(out: Path, child: ChildNet, spec: NetworkSpec, hidden: dict[str, int], result: Refined,
          input_normalization: InputNormalization) -> None:
    """The refined child (a saved child with its ``hidden`` widths), its architecture and the report."""
    arch = {"network": spec.to_dict(), "refined": hidden}
    save_child(out / CHILD_PT, child, spec, input_normalization=input_normalization, hidden=hidden)
    (out / ARCH_JSON).write_text(json.dumps(arch, indent=2) + "\n", encoding="utf-8")
    (out / REPORT_JSON).write_text(json.dumps(result.report(), indent=2) + "\n", encoding="utf-8")


def load_refined(path: str | Path) -> SavedChild:
    """A saved refined child (``child.pt``, read with ``weights_only=True``), as
    :func:`~evo_cosearch.supernet.load_child` loads a saved child: its pruned network in eval mode,
    the spec it was pruned from, its input normalization and its ``hidden`` widths."""
    path = given_path(path, "refined child")  # "": an error, not the current folder
    obj = load_torch_file(path, "refined child")
    try:
        spec = NetworkSpec.from_dict(json.loads(obj["spec"]))
        hidden = {k: int(v) for k, v in json.loads(obj[REFINED_KEY]).items()}
        child = narrow_child(build_child(spec), spec, {k: torch.arange(v) for k, v in hidden.items()})
        child.load_state_dict(obj["state_dict"])
    except (RuntimeError, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a refined child ({exc.__class__.__name__})") from None
    return SavedChild(child.eval(), spec, read_normalization(obj, path), hidden)
