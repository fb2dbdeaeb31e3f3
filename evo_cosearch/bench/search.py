"""Benchmark: search-engine overhead per generation beyond design evaluation.

Runs a real search (pymoo ask/tell, DEAP mutation, duplicate elimination, survival,
archive transaction, hypervolume) with the cheap :class:`~evo_cosearch.evaluate.ProxyAccuracy`
and the simulator, times every ``Evaluator.evaluate`` call, and reports the remainder per
generation. Target: <= 10 ms at pop 100.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path

from evo_cosearch.bench.defaults import SEARCH_PROBLEM as DEFAULT_PROBLEM
from evo_cosearch.bench.output import DEFAULT_JSON, RESULTS_DIR, json_out_path, output_name, write_json
from evo_cosearch.evaluate import Evaluator, ProxyAccuracy
from evo_cosearch.problem import load_problem
from evo_cosearch.engine.runner import run_search
from evo_cosearch.engine.settings import search_settings

__all__ = ["search_overhead", "DEFAULT_PROBLEM", "TARGET_MS"]

TARGET_MS = 10.0


class _TimedEvaluator(Evaluator):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seconds = self.cpu_seconds = 0.0

    def evaluate(self, X):
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return super().evaluate(X)
        finally:
            self.seconds += time.perf_counter() - t0
            self.cpu_seconds += time.process_time() - c0


def _timed_run(prob, settings) -> tuple[float, float, float, float, int, int]:
    ev = _TimedEvaluator(prob, ProxyAccuracy(prob))
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), time.process_time()
        summary = run_search(prob, ev, Path(tmp) / "run", settings, progress=False)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return wall, ev.seconds, cpu, ev.cpu_seconds, summary.generations, summary.n_designs


def search_overhead(*, problem: str | Path = DEFAULT_PROBLEM, pop: int = 100, gens: int = 21, seed: int = 0,
                    out: str | Path | None = DEFAULT_JSON, out_dir: str | Path | None = RESULTS_DIR) -> dict:
    """Engine time per generation beyond evaluation, written as JSON to ``out`` (None: no file), by
    default ``out_dir/search_overhead.json`` for the default problem and ``search_overhead-<problem
    name>.json`` for another (``out_dir`` None: no file).

    Differential: (wall - evaluation) of a ``gens``-generation run minus that of a
    1-generation run (archive creation, setup, final summary), over ``gens - 1``; the same in
    process CPU time too (steadier on a shared machine; ``load_average_1min`` is recorded).
    """
    prob = load_problem(problem)
    out = json_out_path(out, output_name("search_overhead", prob, DEFAULT_PROBLEM), out_dir)
    wall1, eval1, cpu1, cpu_eval1, _, _ = _timed_run(prob, search_settings(prob, pop=pop, gens=1, seed=seed))
    wall, eval_s, cpu, cpu_eval, n_gen, n_designs = _timed_run(prob, search_settings(prob, pop=pop, gens=gens,
                                                                                   seed=seed))
    per_gen = ((wall - eval_s) - (wall1 - eval1)) / max(n_gen - 1, 1)
    per_gen_cpu = ((cpu - cpu_eval) - (cpu1 - cpu_eval1)) / max(n_gen - 1, 1)
    result = {
        "benchmark": "search_overhead", "problem": prob.name, "pop": pop, "generations": n_gen,
        "designs": n_designs, "wall_s": round(wall, 4), "evaluation_s": round(eval_s, 4),
        "fixed_s": round(wall1 - eval1, 4),
        "overhead_ms_per_generation": round(1e3 * per_gen, 3),
        "overhead_cpu_ms_per_generation": round(1e3 * per_gen_cpu, 3),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "evaluation_ms_per_generation": round(1e3 * eval_s / n_gen, 3),
        "target_ms": TARGET_MS, "machine": platform.machine(), "python": platform.python_version(),
    }
    result["meets_target"] = result["overhead_ms_per_generation"] <= TARGET_MS
    write_json(result, out)
    return result


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(search_overhead(), indent=2))
