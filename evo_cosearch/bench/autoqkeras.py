"""AutoQKeras-style reproduction: energy saved against the problem's 8-bit reference design.

Runs the search strategies (default NSGA-II and the layer-group mode) on a quantization +
filter-count problem that has a ``reference:`` design, all on one shared supernet, and reports
for each run the lowest-energy feasible design whose supernet accuracy is within
``tolerance_points`` of the reference's (both measured the same way), and its energy
reduction ``1 - E / E_ref``. With ``train_epochs`` the reference and each chosen design are
also trained stand-alone from scratch (same recipe, ``train_seeds`` training seeds) and their mean
test accuracies reported, so the accuracy claim does not rest on the supernet alone (kept in the
stand-alone cache of :mod:`.standalone`, so a rerun trains nothing twice). ``verify`` (with
``train_epochs``) also trains the ``verify`` designs of each run's Pareto front that save at least
the target energy, the most accurate on the supernet first, and reports the one with the best
stand-alone validation accuracy and its test accuracy: whether the search found a design that
meets the target once trained alone, where the supernet's ranking alone cannot tell.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from evo_cosearch.archive.reader import pareto_of
from evo_cosearch.bench.defaults import AUTOQKERAS_PROBLEM as DEFAULT_PROBLEM
from evo_cosearch.bench.output import RUNS_ROOT, output_name, result_path
from evo_cosearch.bench.runset import RunSpec, check_runs, check_strategies, run_all
from evo_cosearch.bench.standalone import load_cache, train_standalone
from evo_cosearch.bench.supernet import RESULTS_DIR, _write, bench_data
from evo_cosearch.errors import InputError, ProblemError, arg, as_called
from evo_cosearch.evaluate import Evaluator, SupernetAccuracy
from evo_cosearch.files import writable_path
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet.runtime import training_device

__all__ = ["bench_autoqkeras", "check_settings", "DEFAULT_PROBLEM", "TARGET_REDUCTION"]

TARGET_REDUCTION = 0.80  # >= 80% less energy than the 8-bit reference, accuracy within 1 point


def check_settings(*, tolerance_points: float = 1.0, train_epochs: int = 0, train_seeds: int = 1, verify: int = 0,
                   workers: int = 1, device: str = "cpu") -> None:
    """Refuse a setting :func:`bench_autoqkeras` cannot take, named as the caller spelled it (the command-line
    flag from the CLI), before any work: it is the benchmark's first step (the budget, ``pop`` and ``gens``,
    is checked with the run folders)."""
    if train_epochs < 0:
        raise InputError(f"{arg('train_epochs')}: {train_epochs} must not be negative")
    if not math.isfinite(tolerance_points) or tolerance_points < 0:
        raise InputError(f"{as_called('--tolerance', 'tolerance_points')}: {tolerance_points} must be a finite number "
                         "of points >= 0")
    if train_seeds < 1:
        raise InputError(f"{arg('train_seeds')}: {train_seeds} must be >= 1")
    if verify < 0:
        raise InputError(f"{arg('verify')}: {verify} must not be negative")
    if verify and not train_epochs:
        raise InputError(f"{arg('verify')}: needs {as_called('--train-epochs N', 'train_epochs=N')} (the candidates "
                         "are trained stand-alone)")
    if workers < 1:
        raise InputError(f"{as_called('--jobs', 'workers')}: {workers} must be >= 1")
    training_device(device)


def _choose(table, acc_ref: float, tolerance_points: float) -> int | None:
    """Row of the lowest-energy feasible design with accuracy >= reference - tolerance (None: none)."""
    ok = np.flatnonzero(table.feasible & (table.metrics["accuracy"] >= acc_ref - tolerance_points / 100.0))
    if len(ok) == 0:
        return None
    energy = table.metrics["energy_uj"][ok]
    return int(ok[np.lexsort((table.id[ok], energy))[0]])


def _candidates(table, e_ref: float, k: int) -> list[dict[str, Any]]:
    """The ``k`` Pareto designs of ``table`` with energy reduction >= the target, most accurate on the
    supernet first (one per network)."""
    front = pareto_of(table)
    ok = np.flatnonzero(1.0 - front.metrics["energy_uj"] / e_ref >= TARGET_REDUCTION)
    ok = ok[np.lexsort((front.id[ok], -front.metrics["accuracy"][ok]))]
    out, seen = [], set()
    for i in ok:
        if front.network_json[i] not in seen and len(out) < k:
            seen.add(front.network_json[i])
            rec = front.record(int(i))
            out.append({"id": rec["id"], "accuracy": rec["metrics"]["accuracy"], "genome": rec["genome"],
                        "energy_reduction": 1.0 - rec["metrics"]["energy_uj"] / e_ref, "network": rec["network"]})
    return out


def bench_autoqkeras(problem_path: str | Path = DEFAULT_PROBLEM, *, data: str | os.PathLike | None = None,
                     supernet: str | Path | None = None, strategies: Sequence[str] = ("nsga2", "layer_groups"),
                     pop: int = 50, gens: int = 20, seed: int = 0, tolerance_points: float = 1.0,
                     train_epochs: int = 0, train_seeds: int = 1, verify: int = 0,
                     out_root: str | Path | None = None,
                     cache: str | Path | None = RESULTS_DIR / "standalone_children.json", workers: int = 1,
                     device: str = "cpu", accuracy_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                     progress: bool = True,
                     out_dir: str | Path | None = RESULTS_DIR, json_out: str | Path | None = None) -> dict[str, Any]:
    """Search with each strategy and compare its best design within tolerance to the reference.

    ``data`` is the CLI's ``--data`` (:func:`~evo_cosearch.bench.supernet.bench_data`): left out, the
    default problem reads ``DEFAULT_DATA`` and any other problem its own dataset. The runs go to
    ``out_root``, by default ``results/runs/autoqkeras``, and the result to ``json_out``, by default
    ``out_dir/autoqkeras.json``; for another problem than the default both names end in
    ``-<problem name>``. (``bench autoqkeras --out OUT`` passes ``out_dir=OUT``:
    :func:`~evo_cosearch.bench.output.results_dir`.) The stand-alone trainings (``train_epochs``) run on
    ``device`` (``"cuda"``: a GPU)."""
    from evo_cosearch.runs import evaluation_seed, run_checkpoint

    check_settings(tolerance_points=tolerance_points, train_epochs=train_epochs, train_seeds=train_seeds,
                   verify=verify, workers=workers, device=device)
    check_strategies(strategies)
    given, data = data, bench_data(data, problem_path, DEFAULT_PROBLEM)
    # --data for the embedded digits, or not there: an error (the default data is looked for when read)
    problem = load_problem(problem_path).with_data(data, strict=given is not None)
    if problem.reference is None:
        raise ProblemError(f"{problem.source}: no reference: design to compare with")
    if "energy_uj" not in problem.objectives:
        raise ProblemError(f"{problem.source}: objectives must include energy_uj")
    name = output_name("autoqkeras", problem, DEFAULT_PROBLEM)
    out_root = RUNS_ROOT / name if out_root is None else out_root
    writable_path(out_root, "run directories", directory=True)  # --out '': not the current folder
    out = result_path(name, out_dir, json_out, not_over={"supernet checkpoint": supernet, "stand-alone cache": cache})
    # supernet-scored unless an accuracy_fn is given: refuse a proxy-scored run before the supernet is trained
    check_runs(_specs(problem, strategies, seed, Path(out_root), accuracy_fn), pop=pop, gens=gens,
               proxy=False if accuracy_fn is None else None, supernet=supernet, out_arg="out_root")
    t0 = time.perf_counter()
    ckpt = None
    if accuracy_fn is None:  # the supernet and evaluation seed a search of this problem uses
        ckpt = str(run_checkpoint(problem, None, supernet=supernet, where=arg("supernet"), progress=progress))
        accuracy_fn = SupernetAccuracy(problem, ckpt, seed=evaluation_seed(None))
    ref = np.asarray(problem.reference, dtype=np.int64)[None, :]
    ref_eval = Evaluator(problem, accuracy_fn).evaluate(ref)
    acc_ref, e_ref = float(ref_eval.metrics["accuracy"][0]), float(ref_eval.metrics["energy_uj"][0])
    reference = {"genome": ref[0].tolist(), "accuracy": acc_ref, "energy_uj": e_ref,
                 "network": problem.design(ref[0]).network.to_dict()}
    rows = []
    # an existing run directory is resumed or reused only if it was scored by this same supernet
    for res in run_all(_specs(problem, strategies, seed, Path(out_root), accuracy_fn), pop=pop, gens=gens,
                       progress=progress, out_arg="out_root"):
        strategy, run, table = res.label, res.run_dir, res.designs
        i = _choose(table, acc_ref, tolerance_points)
        row: dict[str, Any] = {"strategy": strategy, "run": str(run), "designs": len(table)}
        if i is None:
            row.update(found=False)
        else:
            rec = table.record(i)
            e = float(table.metrics["energy_uj"][i])
            row.update(found=True, id=rec["id"], generation=rec["generation"], accuracy=rec["metrics"]["accuracy"],
                       accuracy_drop_points=100.0 * (acc_ref - rec["metrics"]["accuracy"]), energy_uj=e,
                       energy_reduction=1.0 - e / e_ref, genome=rec["genome"], network=rec["network"])
            row["meets_target"] = row["energy_reduction"] >= TARGET_REDUCTION
        if verify > 0 and train_epochs > 0:
            row["verify"] = {"candidates": _candidates(table, e_ref, verify)}
        rows.append(row)
    if train_epochs > 0:
        _standalone(problem_path, data, reference, rows, epochs=train_epochs,
                    seeds=range(seed, seed + max(1, train_seeds)), seed=seed, cache=cache, workers=workers,
                    device=device, tolerance_points=tolerance_points)
    result = {
        "problem": str(problem_path), "data": data, "checkpoint": ckpt, "pop": pop, "gens": gens, "seed": seed,
        "tolerance_points": tolerance_points, "target_reduction": TARGET_REDUCTION, "reference": reference,
        "runs": rows, "seconds": time.perf_counter() - t0,
        "accuracy_source": "supernet-inherited validation accuracy (BatchNorm recalibrated), same for all",
    }
    return _write(result, "autoqkeras", out)


def _specs(problem, strategies: Sequence[str], seed: int, out_root: Path, accuracy_fn) -> list[RunSpec]:
    return [RunSpec(strategy, seed, out_root / f"{strategy}-s{seed}", problem, strategy, accuracy_fn)
            for strategy in strategies]


def _standalone(problem_path, data: str | None, reference: dict[str, Any],
                rows: list[dict[str, Any]], *, epochs: int, seeds: Sequence[int], seed: int,
                cache: str | Path | None, workers: int, device: str, tolerance_points: float) -> None:
    """Train the reference, each chosen design and each run's ``verify`` candidates from scratch,
    once per training seed (kept in the stand-alone ``cache``, in ``workers`` processes); add their
    mean test and validation accuracies (and the per-seed test ones). Of the candidates, the one
    with the best mean stand-alone validation accuracy becomes the run's ``verify["best"]``."""
    from evo_cosearch.space.spec import NetworkSpec

    candidates = [c for row in rows for c in row.get("verify", {}).get("candidates", [])]
    entries = [reference] + [row for row in rows if row.get("found")] + candidates
    specs = [NetworkSpec.from_dict(json.loads(json.dumps(entry["network"]))) for entry in entries]
    cache_path = None if cache is None else Path(cache)
    stored = load_cache(cache_path)
    done = train_standalone(problem_path, [(spec, s) for spec in specs for s in seeds], data=data, epochs=epochs,
                            train_images=None, seed=seed, cache=stored, cache_path=cache_path, workers=workers,
                            device=device)
    for entry, spec in zip(entries, specs):
        trained = [done.entry(spec, s) for s in seeds]
        per_seed = [float(t["test_accuracy"]) for t in trained]
        entry["standalone_test_accuracy"] = float(np.mean(per_seed))
        entry["standalone_test_accuracy_per_seed"] = per_seed
        entry["standalone_val_accuracy"] = float(np.mean([float(t["val_accuracy"]) for t in trained]))
    reference["standalone_epochs"] = epochs
    reference["standalone_seeds"] = list(seeds)
    for entry in entries[1:]:
        entry["standalone_drop_points"] = 100.0 * (reference["standalone_test_accuracy"]
                                                   - entry["standalone_test_accuracy"])
    for row in rows:
        found = row.get("verify", {}).get("candidates")
        if found:  # chosen by validation accuracy; the test accuracy is only reported
            best = max(found, key=lambda c: (c["standalone_val_accuracy"], -c["id"]))
            row["verify"].update(best=best["id"],
                                 meets_target=best["standalone_drop_points"] <= tolerance_points)
