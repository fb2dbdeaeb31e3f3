"""Supernet benchmarks: child-evaluation speed, training time/accuracy, ranking fidelity.

Each ``bench_supernet_*`` function returns a plain dict and writes it as JSON to ``json_out``, by
default ``out_dir/<name>.json`` (``results/benchmarks/``). Accuracy and speed targets are checked here, never in tests.
Their ``data`` is the CLI's ``--data`` (:func:`bench_data`): left out, the default problem reads
:data:`DEFAULT_DATA` and any other problem its own ``dataset.path``; ``"none"``: the problem's own.
"""

from __future__ import annotations

import os
import platform
import time
import warnings
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from evo_cosearch.bench.defaults import (
    SUPERNET_CKPT as DEFAULT_CKPT, SUPERNET_DATA as DEFAULT_DATA, SUPERNET_PROBLEM as DEFAULT_PROBLEM,
)
from evo_cosearch.bench.output import RESULTS_DIR, output_name, result_path, write_json
from evo_cosearch.bench.standalone import load_cache, train_standalone
from evo_cosearch.problem import load_problem, problem_file
from evo_cosearch.supernet.config import EvaluationConfig
from evo_cosearch.supernet.evaluate import accuracy, eval_data, evaluate_child, recalibrate
from evo_cosearch.supernet.network import Supernet, extract_child
from evo_cosearch.supernet.runtime import configure_torch
from evo_cosearch.supernet.sample import random_spec
from evo_cosearch.supernet.store import load_supernet, problem_splits, train_problem_supernet
from evo_cosearch.workload import spec_workload

__all__ = ["bench_supernet_eval_speed", "bench_supernet_train", "bench_supernet_ranking", "spread_specs",
           "bench_data", "DEFAULT_PROBLEM", "DEFAULT_DATA", "RESULTS_DIR"]


def bench_data(data: str | os.PathLike | None, problem: str | Path, default_problem: str | Path) -> str | None:
    """A benchmark's ``--data`` (or Python ``data=``, a string or any path): the one given as a string
    (``none``: the problem's own ``dataset.path``); when none is given, :data:`DEFAULT_DATA` for the
    benchmark's default problem and the problem's own for any other (another problem's data must not
    silently replace it)."""
    if data is not None:
        data = os.fspath(data)
        return None if data.lower() == "none" else data
    same = problem_file(problem).resolve() == Path(default_problem).resolve()
    return DEFAULT_DATA if same else None


def _write(result: dict[str, Any], benchmark: str, path: Path | None) -> dict[str, Any]:
    """``result`` with ``benchmark`` (the benchmark's own name) and the machine's, written to ``path``."""
    result = {"benchmark": benchmark, "machine": platform.machine(), "cpus": os.cpu_count(),
              "torch_threads": torch.get_num_threads(), "torch": torch.__version__, **result}
    write_json(result, path)
    return result


def spread_specs(template, n: int, rng: np.random.Generator, *, pool: int = 2000) -> list:
    """``n`` random children spread evenly over the MACs range (quantiles of a random pool)."""
    specs = [random_spec(template, rng) for _ in range(pool)]
    macs = np.array([spec_workload(s).macs.sum() for s in specs])
    order = np.argsort(macs, kind="stable")
    picks = order[np.linspace(0, pool - 1, n).round().astype(int)]
    return [specs[i] for i in picks]


def bench_supernet_eval_speed(problem_path: str | Path = DEFAULT_PROBLEM, *, data: str | os.PathLike | None = None,
                              ckpt: str | Path | None = None, n_children: int = 8, seed: int = 0,
                              channels_last: bool = True, tune_malloc: bool = True,
                              out_dir: str | Path | None = RESULTS_DIR,
                              json_out: str | Path | None = None) -> dict[str, Any]:
    """Child evaluations/s with the problem's default recalibration and validation sizes.

    Without ``ckpt`` the supernet keeps its initial weights (speed does not depend on them).
    """
    configure_torch(tune_malloc=tune_malloc)
    data = bench_data(data, problem_path, DEFAULT_PROBLEM)
    problem = load_problem(problem_path).with_data(data)
    name = output_name("supernet_eval_speed", problem, DEFAULT_PROBLEM)
    out = result_path(name, out_dir, json_out, not_over={"supernet checkpoint": ckpt})
    cfg = EvaluationConfig.from_section(problem.evaluation)
    net = load_supernet(problem, ckpt) if ckpt else Supernet(problem.network).eval()
    ev = eval_data(problem_splits(problem), cfg, seed=seed)
    if not channels_last:
        ev = type(ev)(recal_x=ev.recal_x.contiguous(), val_x=ev.val_x.contiguous(), val_y=ev.val_y,
                      batch_size=ev.batch_size)
    specs = spread_specs(problem.network, n_children, np.random.default_rng(seed))
    macs = np.array([spec_workload(s).macs.sum() for s in specs], dtype=float)

    def run(spec):
        child = extract_child(net, spec)
        if channels_last:
            child = child.to(memory_format=torch.channels_last)
        recalibrate(child, ev.recal_x, batch_size=ev.batch_size)
        return accuracy(child, ev.val_x, ev.val_y, batch_size=ev.batch_size)

    def timed_pass() -> np.ndarray:
        times = []
        for spec in specs:
            t0 = time.perf_counter()
            run(spec)
            times.append(time.perf_counter() - t0)
        return np.array(times)

    # pass 1 meets every child's layer shapes for the first time (oneDNN builds its kernels);
    # pass 2 repeats them warm, as a long search does once its shapes recur
    cold, warm = timed_pass(), timed_pass()
    images = len(ev.recal_x) + len(ev.val_x)

    def figures(times: np.ndarray) -> dict[str, Any]:
        return {"children_per_s": float(len(specs) / times.sum()),
                "images_per_s": float(images * len(specs) / times.sum()),
                "gflop_per_s": float(2 * (macs * images).sum() / times.sum() / 1e9),
                "seconds_per_child": [round(float(t), 4) for t in times]}

    result = {
        "problem": str(problem_path), "n_children": n_children, "recal_images": len(ev.recal_x),
        "val_images": len(ev.val_x), "batch_size": ev.batch_size, "channels_last": channels_last,
        "malloc_tuned": tune_malloc, "child_macs_min_median_max": [float(macs.min()), float(np.median(macs)),
                                                                   float(macs.max())],
        "gflop_definition": "2 * child MACs * (recalibration + validation images) / seconds",
        "warm": figures(warm), "cold": figures(cold),
    }
    return _write(result, "supernet_eval_speed", out)


def _most_precise(spec, template):
    """``spec`` with every layer at the template's most precise weight and activation quantizers."""
    tops = [st.layers[0] for st in template.largest().stages]
    return replace(spec, stages=tuple(
        replace(st, layers=tuple(replace(layer, w_bits=top.w_bits, a_bits=top.a_bits) for layer in st.layers))
        for st, top in zip(spec.stages, tops)))


def bench_supernet_train(problem_path: str | Path = DEFAULT_PROBLEM, *, data: str | os.PathLike | None = None,
                         epochs: int | None = None, max_train_images: int | None = None,
                         out: str | Path | None = None, seed: int = 0,
                         progress: bool = True, out_dir: str | Path | None = RESULTS_DIR,
                         json_out: str | Path | None = None) -> dict[str, Any]:
    """Train the problem's supernet; seconds/epoch, and largest/smallest validation accuracy
    (also of the smallest network at the most precise quantizers, to separate size from bits).

    ``max_train_images`` trains on a seeded subset (a shorter run); ``train_images_per_s``
    then extrapolates to a full epoch. The checkpoint goes to ``out``, by default
    :data:`DEFAULT_CKPT` for the default problem and ``bench_fashion-<problem name>.pt`` beside it
    for another.
    """
    data = bench_data(data, problem_path, DEFAULT_PROBLEM)
    problem = load_problem(problem_path).with_data(data)
    name = output_name("supernet_train", problem, DEFAULT_PROBLEM)
    if out is None:
        out = Path(DEFAULT_CKPT).with_name(f"{output_name(Path(DEFAULT_CKPT).stem, problem, DEFAULT_PROBLEM)}.pt")
    json_file = result_path(name, out_dir, json_out, not_over={"supernet checkpoint": out})
    if max_train_images is not None:
        problem = replace(problem, supernet={**problem.supernet, "max_train_images": int(max_train_images)})
    res = train_problem_supernet(problem, out, epochs=epochs, seed=seed, progress=progress)
    net = load_supernet(problem, res.path)
    full_val = EvaluationConfig.from_section({**problem.evaluation, "val_images": None})
    splits = problem_splits(problem)
    ev = eval_data(splits, full_val, seed=seed)
    t = problem.network
    n_train = min(len(splits.train_x), max_train_images or 10**12)
    seconds = [h["seconds"] for h in res.history if "seconds" in h]  # epochs trained now (checkpoints keep no times)
    result = {
        "problem": str(problem_path), "data": data, "checkpoint": str(res.path), "epochs": res.epochs,
        "train_images_per_epoch": n_train, "seconds_per_epoch": seconds,
        "train_images_per_s": n_train / float(np.mean(seconds)) if seconds else None,
        "largest_val_accuracy": evaluate_child(net, t.largest(), ev),
        "smallest_val_accuracy": evaluate_child(net, t.smallest(), ev),
        "smallest_network_most_precise_val_accuracy": evaluate_child(net, _most_precise(t.smallest(), t), ev),
        "val_images": len(ev.val_x), "targets": {"largest": 0.91, "smallest": 0.86},
    }
    return _write(result, "supernet_train", json_file)


def _mean_pairwise_tau(runs: np.ndarray) -> float | None:
    """Mean Kendall tau between the rows of ``runs`` (seeds x children); None for one row."""
    from scipy.stats import kendalltau

    taus = [kendalltau(runs[i], runs[j])[0] for i in range(len(runs)) for j in range(i + 1, len(runs))]
    return float(np.mean(taus)) if taus else None


def _seed_vs_rest_taus(runs: np.ndarray) -> list[float]:
    """Per row of ``runs`` (seeds x children, at least 3 rows): its Kendall tau with the mean of
    the other rows -- how well one stand-alone training of every child, as an evaluator, ranks
    the children against a reference like the benchmark's."""
    from scipy.stats import kendalltau

    return [float(kendalltau(runs[i], np.delete(runs, i, axis=0).mean(axis=0))[0]) for i in range(len(runs))]


def _tau_interval(inherited: list[float], standalone: np.ndarray, seed: int) -> list[float] | None:
    """95 % percentile-bootstrap interval of the Kendall tau between ``inherited`` and
    ``standalone``, the children resampled in pairs (9,999 times, seeded): how far tau moves with
    another draw of children like these. It leaves out the noise of the reference itself. None
    where the resamples give no interval (too few distinct children)."""
    from scipy.stats import DegenerateDataWarning, bootstrap, kendalltau

    with warnings.catch_warnings():  # a degenerate resample set is reported as None, not warned about
        warnings.simplefilter("ignore", DegenerateDataWarning)
        ci = bootstrap((np.asarray(inherited), np.asarray(standalone)), lambda a, b: kendalltau(a, b)[0],
                       paired=True, vectorized=False, n_resamples=9999, method="percentile",
                       rng=np.random.default_rng(seed)).confidence_interval
    bounds = [float(ci.low), float(ci.high)]
    return bounds if all(np.isfinite(bounds)) else None


def bench_supernet_ranking(ckpt: str | Path | None, problem_path: str | Path = DEFAULT_PROBLEM, *,
                           data: str | os.PathLike | None = None, n_children: int = 24, epochs: int = 2,
                           train_images: int | None = None, seeds: int = 1, full_val: bool = False,
                           eval_seeds: int = 1, recal_images: int | None = None, seed: int = 0,
                           cache: str | Path | None = RESULTS_DIR / "standalone_children.json",
                           workers: int = 1, device: str = "cpu", out_dir: str | Path | None = RESULTS_DIR,
                           json_out: str | Path | None = None) -> dict[str, Any]:
    """Kendall tau / Spearman between supernet-inherited and stand-alone-trained accuracies.

    ``n_children`` random children spread over the MACs range are trained stand-alone from
    scratch (``epochs`` epochs on the training split, or on a seeded subset of ``train_images``
    images), ``seeds`` times with different training seeds; their mean validation accuracy is
    the reference ranking, and the mean Kendall tau between two seeds' rankings
    (``seed_to_seed_kendall_tau``) is how far the reference itself can be trusted; with 3 seeds or
    more, ``seed_vs_rest_kendall_tau`` ranks each seed against the mean of the others: what one
    stand-alone training of every child achieves as an evaluator. The
    children are evaluated with the supernet's weights (BatchNorm recalibrated) on the
    problem's evaluation sizes (``full_val``: on the whole validation split; ``recal_images``: that
    many recalibration images instead of the problem's). ``eval_seeds`` > 1 also evaluates them on
    the recalibration images of evaluation seeds ``seed + 1, ...`` and reports each one's tau
    (``kendall_tau_per_eval_seed``, from ``inherited_val_accuracy_per_eval_seed``): how much the
    choice of those images alone moves tau; the headline tau stays the one of evaluation seed
    ``seed``, the images a search of seed 0 uses. ``kendall_tau_ci95`` is that tau's 95 % bootstrap
    interval over the children (:func:`_tau_interval`).
    Stand-alone results are kept in ``cache`` (JSON, keyed by architecture, data, epochs,
    subset and seeds): they do not depend on the supernet, so a rerun with another checkpoint
    -- or ``ckpt=None``, which only fills the cache -- trains nothing twice. ``workers`` > 1
    trains the missing ones in that many processes (same figures, see :mod:`.standalone`), on
    ``device`` (``"cuda"``: a GPU, which the processes share); ``standalone_devices`` counts the
    devices that trained the reference's entries, which may come from earlier runs. The inherited
    accuracies are always measured on the CPU, as a search measures them.
    """
    from scipy.stats import kendalltau, spearmanr

    configure_torch()
    data = bench_data(data, problem_path, DEFAULT_PROBLEM)
    problem = load_problem(problem_path).with_data(data)
    name = output_name("supernet_ranking", problem, DEFAULT_PROBLEM)
    out = result_path(name, out_dir, json_out,
                       not_over={"supernet checkpoint": ckpt, "stand-alone cache": cache})
    net = None if ckpt is None else load_supernet(problem, ckpt)  # a wrong checkpoint: refused before any training
    full = problem_splits(problem)
    n_train = len(full.train_x) if train_images is None else min(train_images, len(full.train_x))
    specs = spread_specs(problem.network, n_children, np.random.default_rng(seed))
    cache_path = None if cache is None else Path(cache)
    stored = load_cache(cache_path)
    t0 = time.perf_counter()
    todo = [(spec, seed + s) for s in range(seeds) for spec in specs]
    trained = train_standalone(problem_path, todo, data=data, epochs=epochs, train_images=train_images, seed=seed,
                               cache=stored, cache_path=cache_path, workers=workers, device=device)
    val_runs = np.zeros((seeds, len(specs)))
    test_runs = np.zeros((seeds, len(specs)))
    devices: Counter[str] = Counter()  # an entry trained before devices were recorded ran on the CPU
    for s in range(seeds):
        for c, spec in enumerate(specs):
            entry = trained.entry(spec, seed + s)
            val_runs[s, c] = float(entry["val_accuracy"])
            test_runs[s, c] = float(entry["test_accuracy"])
            devices[entry.get("device", "cpu")] += 1
    standalone = val_runs.mean(axis=0)
    result = {
        "problem": str(problem_path), "checkpoint": None if ckpt is None else str(ckpt), "n_children": n_children,
        "standalone_epochs": epochs, "standalone_train_images": n_train, "standalone_seeds": seeds,
        "standalone_val_accuracy": standalone.tolist(), "standalone_test_accuracy": test_runs.mean(axis=0).tolist(),
        "macs": [int(spec_workload(spec).macs.sum()) for spec in specs],
        "standalone_training_seconds_this_run": trained.seconds, "target_tau": 0.7,
        "standalone_devices": dict(devices),
    }
    if seeds > 1:
        result["standalone_val_accuracy_per_seed"] = val_runs.tolist()
        result["seed_to_seed_kendall_tau"] = _mean_pairwise_tau(val_runs)
    if seeds > 2:
        result["seed_vs_rest_kendall_tau"] = _seed_vs_rest_taus(val_runs)
    if net is not None:
        section = {**problem.evaluation, **({"val_images": None} if full_val else {}),
                   **({} if recal_images is None else {"recal_images": recal_images})}
        cfg = EvaluationConfig.from_section(section)
        per_seed = []
        for s in range(seed, seed + eval_seeds):
            ev = eval_data(full, cfg, seed=s)
            per_seed.append([evaluate_child(net, spec, ev) for spec in specs])
        inherited = per_seed[0]
        result.update({
            "inherited_val_accuracy": inherited, "val_images": len(ev.val_x), "recal_images": len(ev.recal_x),
            "kendall_tau": float(kendalltau(inherited, standalone)[0]),
            "kendall_tau_ci95": _tau_interval(inherited, standalone, seed),
            "spearman": float(spearmanr(inherited, standalone)[0]),
        })
        if eval_seeds > 1:
            result["kendall_tau_per_eval_seed"] = [float(kendalltau(acc, standalone)[0]) for acc in per_seed]
            result["inherited_val_accuracy_per_eval_seed"] = per_seed
        if seeds > 1:
            result["kendall_tau_per_seed"] = [float(kendalltau(inherited, run)[0]) for run in val_runs]
    result["seconds"] = time.perf_counter() - t0
    return _write(result, "supernet_ranking", out)
