"""Evaluate a population of genomes: accuracy (cached by network) + hardware metrics -> F, G.

One :meth:`Evaluator.evaluate` call handles a whole population: accuracy is asked
only for network genomes not seen before (deduplicated, first occurrence sent), and
the simulator runs once, vectorised, over all designs.

Constraint order and form (``G <= 0`` is feasible), fixed by :data:`CONSTRAINT_ORDER`,
keeping only the constraints a problem sets:

* ``max_latency_ms``, ``max_area_mm2``, ``max_energy_uj``: ``value / bound - 1``
  (relative excess, unit-free; ``value - bound`` if the bound is not positive);
* ``min_accuracy``: ``bound - accuracy``.

``cv`` is the sum of the positive parts of ``G`` (pymoo's default constraint violation).
"""

from __future__ import annotations

import time
from pathlib import Path
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from evo_cosearch.errors import InputError
from evo_cosearch.files import file_sha256
from evo_cosearch.problem import CONSTRAINTS
from evo_cosearch.provenance import (  # re-exported: they were defined here
    accuracy_source, describe_source, function_name, function_source, simulator_mismatch, simulator_source,
    source_kind, source_mismatch,
)

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem

__all__ = ["Evaluation", "Evaluator", "ProxyAccuracy", "SupernetAccuracy", "METRICS", "CONSTRAINT_ORDER",
           "constraint_values", "meets_constraints", "AccuracyFn", "accuracy_source", "source_kind",
           "source_mismatch", "describe_source", "file_sha256", "function_name", "function_source", "simulator_source",
           "simulator_mismatch"]

#: Every metric an :class:`Evaluation` carries (objectives are a subset of these).
METRICS = ("accuracy", "error", "latency_ms", "energy_uj", "area_mm2", "edp", "params", "macs")
#: The order of the columns of ``G`` (only the constraints a problem sets appear).
CONSTRAINT_ORDER = ("max_latency_ms", "max_area_mm2", "max_energy_uj", "min_accuracy")

AccuracyFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Evaluation:
    """Metrics of N designs. ``F`` (N, M) follows ``problem.objectives``; ``G`` (N, K) the
    problem's constraints in :data:`CONSTRAINT_ORDER`; ``seconds`` is amortised per design."""

    metrics: Mapping[str, np.ndarray]
    F: np.ndarray
    G: np.ndarray
    cv: np.ndarray
    feasible: np.ndarray
    seconds: np.ndarray


def constraint_values(metrics: Mapping[str, np.ndarray], constraints: Mapping[str, float]) -> np.ndarray:
    """``G`` (N, K) for the given constraint bounds, in :data:`CONSTRAINT_ORDER` (``metrics`` needs
    only the constrained ones)."""
    n = len(next(iter(metrics.values())))
    cols = []
    for name in CONSTRAINT_ORDER:
        if name not in constraints:
            continue
        bound = float(constraints[name])
        value = np.asarray(metrics[CONSTRAINTS[name]], dtype=np.float64)
        if name == "min_accuracy":
            cols.append(bound - value)
        elif bound > 0:
            cols.append(value / bound - 1.0)
        else:
            cols.append(value - bound)
    return np.column_stack(cols) if cols else np.zeros((n, 0))


def meets_constraints(metrics: Mapping[str, np.ndarray], constraints: Mapping[str, float]) -> np.ndarray:
    """(N,) bool: which designs meet every one of ``constraints`` (no violation)."""
    return np.maximum(constraint_values(metrics, constraints), 0.0).sum(1) <= 0.0


class Evaluator:
    """Turns genomes into an :class:`Evaluation` for one problem.

    ``accuracy_fn(X) -> (N,)`` receives full genomes and must depend only on the network
    genes; results are cached here by network genome; what is not one fraction in [0, 1] per
    genome is an :class:`InputError` naming ``accuracy_name`` (default: the function's qualified
    name; give the user's when ``accuracy_fn`` wraps it). ``simulate_fn(layers, accel)``
    defaults to :func:`evo_cosearch.hardware.simulate`.
    """

    def __init__(self, problem: "Problem", accuracy_fn: AccuracyFn, *, simulate_fn=None,
                 accuracy_name: str | None = None) -> None:
        if simulate_fn is None:
            from evo_cosearch.hardware import simulate as simulate_fn
        self.problem = problem
        self.accuracy_fn = accuracy_fn
        self.accuracy_name = accuracy_name or function_name(accuracy_fn)
        self.simulate_fn = simulate_fn
        self._mask = problem.network_gene_mask
        self._cache: dict[bytes, float] = {}

    @property
    def n_cached(self) -> int:
        return len(self._cache)

    def remember(self, X: np.ndarray, accuracy: np.ndarray) -> None:
        """Seed the accuracy cache (e.g. from an archive when a run resumes)."""
        keys = np.ascontiguousarray(np.asarray(X, dtype=np.int64)[:, self._mask])
        for row, a in zip(keys, np.asarray(accuracy, dtype=np.float64)):
            self._cache.setdefault(row.tobytes(), float(a))

    def accuracy(self, X: np.ndarray) -> np.ndarray:
        """Accuracy of each genome; ``accuracy_fn`` sees only unseen networks, once each."""
        keys = np.ascontiguousarray(X[:, self._mask])
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        known = np.array([self._cache.get(k.tobytes(), np.nan) for k in uniq], dtype=np.float64)
        todo = np.flatnonzero(np.isnan(known))
        if len(todo):
            rows = np.sort(first[todo])  # first-occurrence order: independent of the cache's history
            got = self._checked(self.accuracy_fn(X[rows]), X[rows])
            for r, a in zip(rows, got):
                self._cache[keys[r].tobytes()] = float(a)
            known = np.array([self._cache[k.tobytes()] for k in uniq], dtype=np.float64)
        return known[inverse.reshape(-1)]

    def _checked(self, returned: Any, X: np.ndarray) -> np.ndarray:
        """What ``accuracy_fn(X)`` returned, as (N,) fractions; anything else is a one-line
        :class:`InputError` naming the function and the value (nothing is cached or archived)."""
        fn, want = f"accuracy_fn {self.accuracy_name}", f"return one accuracy per row of X, shape ({len(X)},)"
        got = _numbers(returned)
        if got is None:
            raise InputError(f"{fn} returned {_one_line(returned)}, not an array of numbers; {want}")
        if got.shape != (len(X),):
            raise InputError(f"{fn} returned {got.size} values for {len(X)} genomes; {want}")
        bad = np.flatnonzero(~((got >= 0.0) & (got <= 1.0)))  # NaN too
        if len(bad):
            raise InputError(f"{fn} returned {got[bad[0]]} for genome {X[bad[0]].tolist()} ({len(bad)} of {len(X)} "
                             "not a fraction in [0, 1]; write 0.9 for 90%)")
        return got

    def _hardware(self, hw: Any, name: str, X: np.ndarray) -> np.ndarray:
        """``hw.<name>`` (what ``simulate_fn`` returned) as (N,) finite values >= 0; anything else is a
        one-line :class:`InputError` naming the function and the value (nothing is archived)."""
        fn, n = f"simulate_fn {function_name(self.simulate_fn)}", len(X)
        if not hasattr(hw, name):
            raise InputError(f"{fn} returned {_one_line(hw)}, which has no attribute {name}; return an object with "
                             "latency_ms, energy_uj and area_mm2, one value per design each (as "
                             "evo_cosearch.hardware.simulate's HardwareMetrics)")
        got = _numbers(getattr(hw, name))
        if got is None:
            raise InputError(f"{fn} returned {name} {_one_line(getattr(hw, name))}, not an array of numbers; return "
                             f"one per design, shape ({n},)")
        if got.shape != (n,):
            raise InputError(f"{fn} returned {got.size} {name} values for {n} designs; return one per design, "
                             f"shape ({n},)")
        bad = np.flatnonzero(~(np.isfinite(got) & (got >= 0.0)))
        if len(bad):
            raise InputError(f"{fn} returned {name} {got[bad[0]]} for genome {X[bad[0]].tolist()} ({len(bad)} of {n} "
                             "not a finite number >= 0)")
        return got

    def evaluate(self, X: np.ndarray) -> Evaluation:
        t0 = time.perf_counter()
        p = self.problem
        X = p.space.validate(X)
        acc = self.accuracy(X)
        layers = p.workload(X)
        hw = self.simulate_fn(layers, p.accelerator_arrays(X))
        latency, energy, area = (self._hardware(hw, name, X) for name in ("latency_ms", "energy_uj", "area_mm2"))
        metrics = {
            "accuracy": acc, "error": 1.0 - acc, "latency_ms": latency, "energy_uj": energy,
            "area_mm2": area, "edp": energy * latency,
            "params": layers.params.sum(1).astype(np.float64), "macs": layers.macs.sum(1).astype(np.float64),
        }
        F = np.column_stack([metrics[o] for o in p.objectives])
        G = constraint_values(metrics, p.constraints)
        cv = np.maximum(G, 0.0).sum(1)
        seconds = np.full(len(X), (time.perf_counter() - t0) / max(len(X), 1))
        return Evaluation(metrics=metrics, F=F, G=G, cv=cv, feasible=cv <= 0.0, seconds=seconds)


class ProxyAccuracy:
    """A cheap, deterministic accuracy stand-in from network size and bit widths.

    ``accuracy = 0.1 + 0.85 * q * s`` with ``s = 1 - exp(-macs / macs_scale)`` (capacity) and
    ``q`` the mean over block slots of ``1 - 2**-min(w_bits, a_bits)`` (quantization loss).
    Not a model of any dataset: for smoke tests, benchmarks and hardware-focused studies.
    """

    def __init__(self, problem: "Problem", *, macs_scale: float = 2e5) -> None:
        self.problem = problem
        self.macs_scale = float(macs_scale)

    def source(self) -> dict[str, Any]:
        return {"kind": "proxy", "macs_scale": self.macs_scale}

    def __call__(self, X: np.ndarray) -> np.ndarray:
        net = self.problem.network_arrays(X)
        macs = self.problem.workload(X).macs.sum(1).astype(np.float64)
        bits = np.minimum(net.w_bits, net.a_bits).astype(np.float64)
        active = net.layer_active
        q = ((1.0 - 2.0 ** -bits) * active).sum((1, 2)) / np.maximum(active.sum((1, 2)), 1)
        return 0.1 + 0.85 * q * (1.0 - np.exp(-macs / self.macs_scale))


def _numbers(value: Any) -> np.ndarray | None:
    """``value`` as a flat float64 array; None when it is no numbers (None, strings, booleans, a ragged
    list, a GPU tensor or one that requires grad)."""
    try:
        got = np.asarray(value)
    except (TypeError, ValueError, RuntimeError):
        return None
    return got.astype(np.float64).reshape(-1) if got.dtype.kind in "iuf" else None


def _one_line(value: Any, limit: int = 80) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


class SupernetAccuracy:
    """Supernet accuracy as a picklable function: the evaluator is built on first use in
    whichever process calls it (once per worker), from the problem and checkpoint path.

    ``threads``: the torch threads every process evaluates with (None: this process's default,
    ``OMP_NUM_THREADS`` or at most 2, fixed here). A thread count changes the order of float sums,
    so a few validation images flip; pinning it makes local, pool and Dask workers (whose
    launcher sets ``OMP_NUM_THREADS=1``) give the same accuracies, and a resume keeps its run's."""

    def __init__(self, problem: "Problem", checkpoint, *, seed: int = 0, threads: int | None = None) -> None:
        from evo_cosearch.supernet.runtime import default_threads

        self.problem = problem
        self.checkpoint = str(checkpoint)
        self.seed = int(seed)
        self.threads = int(threads) if threads is not None else default_threads()
        self._evaluator = None
        self._source: dict[str, Any] | None = None

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_evaluator": None}

    def source(self) -> dict[str, Any]:
        """What the accuracies come from, as a run records it: the checkpoint path, a hash of its
        bytes and the evaluation seed (a run resumed with another would mix two accuracy scales)."""
        if self._source is None:
            self._source = {"kind": "supernet", "supernet": str(Path(self.checkpoint).resolve()),
                            "sha256": file_sha256(self.checkpoint)[:16], "evaluation_seed": self.seed,
                            "threads": self.threads}
        return self._source

    def __call__(self, X: np.ndarray) -> np.ndarray:
        if self._evaluator is None:
            from evo_cosearch.supernet import AccuracyEvaluator
            self._evaluator = AccuracyEvaluator(self.problem, self.checkpoint, seed=self.seed, threads=self.threads)
        return np.asarray(self._evaluator.accuracy(X), dtype=np.float64)
