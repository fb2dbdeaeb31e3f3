"""Stand-alone training of benchmark children: a JSON cache, and worker processes.

Every training is keyed by the child's architecture, the data and its splits, the recipe (epochs,
training subset) and its seeds (:func:`standalone_key`), so a result is computed once and reused by any
later benchmark. :func:`train_standalone` trains the missing ones, in this process or in
``workers`` spawned processes (one thread each, as here): a training is seeded and uses
deterministic kernels, so the cached figures do not depend on ``workers``. It gives back each
training it was asked for (:meth:`Trained.entry`), so no caller builds a key of its own.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import torch

from evo_cosearch.errors import InputError
from evo_cosearch.files import write_text_atomic
from evo_cosearch.problem import DATASET_OPTIONS, load_problem
from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.supernet.child import CHILD_FORMAT, train_child
from evo_cosearch.supernet.runtime import training_device
from evo_cosearch.supernet.store import problem_splits
from evo_cosearch.workload import spec_workload

__all__ = ["standalone_key", "split_options", "standalone_splits", "load_cache", "save_cache", "train_standalone",
           "Trained", "device_label"]


def split_options(problem) -> dict[str, float]:
    """The options of ``problem``'s dataset that differ from their defaults (``val_fraction``,
    ``test_fraction``): the splits a child is trained and scored on, for its cache key."""
    return {k: v for k, v in sorted(problem.dataset.options.items()) if DATASET_OPTIONS.get(k) != v}


def standalone_key(spec: NetworkSpec, *, data: str | None, epochs: int, train_images: int | None, seed: int,
                   train_seed: int | None = None, split: Mapping[str, float] | None = None) -> str:
    """Cache key of one stand-alone training; ``train_seed`` (when it differs from ``seed``, which
    also picks the children and the subset) is the seed of a repeated training, ``split`` the
    dataset's non-default options (:func:`split_options`). Both enter the key only when given, so
    the keys of trainings with the default splits are those made before splits were keyed."""
    entry = {"spec": spec.to_dict(), "data": data, "epochs": epochs, "train_images": train_images, "seed": seed,
             "format": CHILD_FORMAT}
    if train_seed is not None and train_seed != seed:
        entry["train_seed"] = train_seed
    if split:
        entry["split"] = dict(split)
    text = json.dumps(entry, sort_keys=True, default=list)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def standalone_splits(problem, train_images: int | None, seed: int):
    """The problem's splits, the training split cut to a seeded subset of ``train_images``."""
    splits = problem_splits(problem)
    if train_images is not None and train_images < len(splits.train_x):
        keep = torch.randperm(len(splits.train_x), generator=torch.Generator().manual_seed(seed + 7))[:train_images]
        splits = replace(splits, train_x=splits.train_x[keep], train_y=splits.train_y[keep])
    return splits


def load_cache(path: Path | None) -> dict[str, Any]:
    """The cache at ``path`` ({} when there is none). An unreadable or damaged file is an error,
    not an empty cache: it may hold hours of training, and saving over it would lose them."""
    if path is None or not Path(path).exists():
        return {}
    try:
        cache = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: stand-alone cache unreadable ({type(exc).__name__}); "
                         "move it away to start a new one") from None
    if not isinstance(cache, dict):
        raise InputError(f"{path}: stand-alone cache is not a JSON object; move it away to start a new one")
    for key, entry in cache.items():
        for field in ("val_accuracy", "test_accuracy"):
            value = entry.get(field) if isinstance(entry, dict) else None
            if not _is_accuracy(value):
                raise InputError(f"{path}: stand-alone cache entry {key}: {field}={value!r} is not an accuracy in "
                                 "[0, 1]; move it away to start a new one")
    return cache


def _is_accuracy(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0


def save_cache(path: Path | None, cache: dict[str, Any]) -> None:
    if path is None:
        return
    write_text_atomic(path, json.dumps(cache, indent=1, sort_keys=True) + "\n", "stand-alone cache")


def _train_one(spec: NetworkSpec, splits, epochs: int, train_seed: int, device: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    res = train_child(spec, splits, epochs=epochs, seed=train_seed, device=device)
    return {"val_accuracy": res.val_accuracy, "test_accuracy": res.test_accuracy,
            "seconds": time.perf_counter() - t0, "spec": spec.to_dict(), "train_seed": train_seed,
            "device": device_label(device)}


def device_label(device: str) -> str:
    """What a cache entry records of the device that trained it: ``cpu``, or ``cuda:0 (NVIDIA H100 ...)``."""
    dev = training_device(device)
    if dev.type != "cuda":
        return dev.type
    index = torch.cuda.current_device() if dev.index is None else dev.index
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


_WORKER_SPLITS = None


def _init_worker(problem_path: str, data: str | None, train_images: int | None, seed: int) -> None:
    global _WORKER_SPLITS
    problem = load_problem(problem_path).with_data(data)
    _WORKER_SPLITS = standalone_splits(problem, train_images, seed)


def _work(spec_dict: dict[str, Any], epochs: int, train_seed: int, device: str) -> dict[str, Any]:
    return _train_one(NetworkSpec.from_dict(spec_dict), _WORKER_SPLITS, epochs, train_seed, device)


@dataclass(frozen=True)
class Trained:
    """What :func:`train_standalone` gives back: the training seconds it spent (summed over
    workers), and the cache entry of each training of its recipe (:meth:`entry`)."""

    seconds: float
    cache: Mapping[str, Any] = field(repr=False)
    key: Callable[[NetworkSpec, int], str] = field(repr=False)

    def entry(self, spec: NetworkSpec, train_seed: int) -> dict[str, Any]:
        """The cache entry (``val_accuracy``, ``test_accuracy``, ...) of ``spec`` trained with ``train_seed``."""
        return self.cache[self.key(spec, train_seed)]


def train_standalone(problem_path: str | Path, todo: Sequence[tuple[NetworkSpec, int]], *,
                     data: str | os.PathLike | None,
                     epochs: int, train_images: int | None, seed: int, cache: dict[str, Any],
                     cache_path: Path | None = None, workers: int = 1, device: str = "cpu") -> Trained:
    """Train each ``(spec, train_seed)`` of ``todo`` missing from ``cache`` on ``device`` and add it
    there (saved to ``cache_path`` after every training, so an interrupted run keeps what it
    finished); look each one up with the result's :meth:`Trained.entry`. The device is recorded in
    each entry (``device``) but is not part of its key, which is the recipe and seeds: a GPU rounds
    otherwise than the CPU, so its figures are close to a CPU training's, not the same, and either
    serves as that recipe's result."""
    data = None if data is None else os.fspath(data)  # as the cache keys spell it
    device = str(training_device(device))  # refused here, before any worker starts
    problem = load_problem(problem_path).with_data(data)
    split = split_options(problem)

    def key(spec: NetworkSpec, train_seed: int) -> str:
        return standalone_key(spec, data=data, epochs=epochs, train_images=train_images, seed=seed,
                              train_seed=train_seed, split=split)

    missing, seen = [], set()
    for spec, train_seed in todo:
        k = key(spec, train_seed)
        if k not in cache and k not in seen:
            seen.add(k)
            missing.append((k, spec, train_seed))
    spent = 0.0
    if not missing:
        return Trained(spent, cache, key)
    if workers <= 1 or len(missing) == 1:
        splits = standalone_splits(problem, train_images, seed)
        for k, spec, train_seed in missing:
            cache[k] = _train_one(spec, splits, epochs, train_seed, device)
            spent += cache[k]["seconds"]
            save_cache(cache_path, cache)
        return Trained(spent, cache, key)
    missing.sort(key=lambda m: -int(spec_workload(m[1]).macs.sum()))  # largest first: fewer idle workers at the end
    with ProcessPoolExecutor(max_workers=min(workers, len(missing)), mp_context=get_context("spawn"),
                             initializer=_init_worker, initargs=(str(problem_path), data, train_images, seed)) as pool:
        futures = {pool.submit(_work, spec.to_dict(), epochs, train_seed, device): k for k, spec, train_seed in missing}
        for done in as_completed(futures):
            cache[futures[done]] = done.result()
            spent += cache[futures[done]]["seconds"]
            save_cache(cache_path, cache)
    return Trained(spent, cache, key)
