"""Throughput of the hardware path: genome decode + workload lowering + ``simulate``.

``bench_simulator`` samples N random joint designs of a problem's space (seeded), then times,
best and median over ``repeats``: (a) the whole path ``problem.workload(X)`` +
``problem.accelerator_arrays(X)`` + ``simulate(...)`` and (b) ``simulate`` alone, and writes
the figures as JSON to ``results/benchmarks/simulator.json`` (``simulator-<problem name>.json``
for another problem than the default, see :mod:`evo_cosearch.bench.output`).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from evo_cosearch.bench.output import DEFAULT_JSON, RESULTS_DIR, json_out_path, output_name, write_json
from evo_cosearch.hardware import HardwareMetrics, simulate
from evo_cosearch.problem import Problem, load_problem, ready_problem

__all__ = ["bench_simulator", "simulate_designs", "DEFAULT_PROBLEM", "RESULT_PATH"]

DEFAULT_PROBLEM = str(ready_problem("joint_fashion_mnist"))
RESULT_PATH = RESULTS_DIR / "simulator.json"  # the default problem's


def simulate_designs(problem: Problem, X: np.ndarray) -> HardwareMetrics:
    """Hardware metrics of the genomes ``X`` of ``problem`` (decode, lower, simulate)."""
    return simulate(problem.workload(X), problem.accelerator_arrays(X))


def _times_s(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - t0)
        del result  # the next repeat reuses the memory, as a search generation would
    return out


def bench_simulator(problem_path: str | Path = DEFAULT_PROBLEM, n_designs: int = 10_000, seed: int = 0,
                    repeats: int = 5, out_path: str | Path | None = DEFAULT_JSON, *,
                    out_dir: str | Path | None = RESULTS_DIR) -> dict[str, Any]:
    """Time the hardware path on ``n_designs`` random designs; write and return the figures.

    The JSON goes to ``out_path`` (None: no file), by default ``out_dir/simulator.json`` for the
    default problem and ``out_dir/simulator-<problem name>.json`` for another (``out_dir`` None: no file)."""
    problem = load_problem(problem_path)
    out = json_out_path(out_path, output_name("simulator", problem, DEFAULT_PROBLEM), out_dir)
    X = problem.space.sample(n_designs, np.random.default_rng(seed))
    simulate_designs(problem, X)  # warm-up: imports, caches, allocator
    full = _times_s(lambda: simulate_designs(problem, X), repeats)
    layers, acc = problem.workload(X), problem.accelerator_arrays(X)
    sim = _times_s(lambda: simulate(layers, acc), repeats)
    m = simulate(layers, acc)
    result = {
        "benchmark": "simulator",
        "problem": str(problem_path),
        "n_designs": int(n_designs),
        "n_layer_slots": int(layers.shape[1]),
        "seed": int(seed),
        "repeats": int(repeats),
        "designs_per_s": n_designs / min(full),
        "designs_per_s_median": n_designs / statistics.median(full),
        "seconds_best": min(full),
        "seconds_median": statistics.median(full),
        "simulate_designs_per_s": n_designs / min(sim),
        "simulate_designs_per_s_median": n_designs / statistics.median(sim),
        "simulate_seconds_best": min(sim),
        "checksum_latency_ms": float(np.sum(m.latency_ms)),
        "checksum_energy_uj": float(np.sum(m.energy_uj)),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
    }
    write_json(result, out)
    return result
