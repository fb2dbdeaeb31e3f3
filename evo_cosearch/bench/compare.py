"""Benchmark: search strategies head to head (nsga2, random, reinforce) on one problem and budget.

Every strategy runs the same problem with the same budget (``pop`` designs per generation x
``gens`` generations) for each seed, all scored by one shared accuracy source (one trained
supernet, see :mod:`evo_cosearch.bench.runset`). Each run's hypervolume after each generation
is taken in one common normalised box (the union of all runs' feasible fronts). Reported:
per-strategy, per-seed curves; the final hypervolume's median and interquartile range; the
two-sided Mann-Whitney U test (the Wilcoxon rank-sum test for unpaired samples) of nsga2's
final hypervolumes against each other strategy's; and the fraction of the budget after which
nsga2's median curve reaches random search's final median (target <= 30 %).
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from evo_cosearch.bench.defaults import (
    STRATEGIES_FIGURE_PATH as FIGURE_PATH, STRATEGIES_GENS as DEFAULT_GENS, STRATEGIES_NAME as NAME,
    STRATEGIES_POP as DEFAULT_POP, STRATEGIES_PROBLEM as DEFAULT_PROBLEM, STRATEGIES_RESULT_PATH as RESULT_PATH,
    STRATEGIES_RUNS_DIR as RUNS_DIR,
)
from evo_cosearch.bench.output import (
    DEFAULT_FIGURE, DEFAULT_JSON, RUNS_ROOT, figure_path, json_out_path, output_name, results_dir,
    write_json,
)
from evo_cosearch.bench.runset import (
    RunSpec, check_runs, check_seeds, check_strategies, hv_curves, quartiles, run_all, shared_accuracy,
)
from evo_cosearch.files import writable_path
from evo_cosearch.problem import load_problem

__all__ = ["bench_strategies", "budget_fraction", "rank_sum", "runs_dir", "strategies_markdown", "DEFAULT_PROBLEM",
           "DEFAULT_STRATEGIES", "DEFAULT_POP", "DEFAULT_GENS", "RUNS_DIR", "RESULT_PATH", "FIGURE_PATH",
           "TARGET_FRACTION"]

DEFAULT_STRATEGIES = ("nsga2", "random", "reinforce")
#: Labels ``--strategies`` takes besides the strategies: a strategy with other ``search:`` settings.
VARIANTS = {"reinforce_ppo": ("reinforce", {"controller": {"update": "ppo"}})}
#: nsga2 should reach random search's final median hypervolume within this fraction of the budget.
TARGET_FRACTION = 0.30
_MAIN, _BASELINE = "nsga2", "random"
_RANK_SUM = "Mann-Whitney U (Wilcoxon rank-sum), two-sided, unpaired"
#: Why a rank-sum p-value is missing (JSON null; the table prints it).
_NO_TEST = "n/a (needs ≥ 2 seeds)"


def budget_fraction(curves, target_hv: float, budget: int) -> dict[str, Any]:
    """First evaluation count at which the median of ``curves`` (step functions over
    evaluations, :func:`evo_cosearch.plots.runs.median_band`) reaches ``target_hv``, and it
    as a fraction of ``budget``; ``None`` for both when it never does."""
    from evo_cosearch.plots.runs import median_band

    grid = np.unique(np.concatenate([c.n_evals for c in curves]))
    med, _, _ = median_band(curves, grid)
    hit = np.flatnonzero(med >= target_hv)
    designs = None if len(hit) == 0 else int(grid[hit[0]])
    return {"target_hv": float(target_hv), "designs": designs,
            "fraction": None if designs is None else designs / budget}


def rank_sum(a: Sequence[float], b: Sequence[float]) -> dict[str, Any]:
    """Two-sided Mann-Whitney U test (Wilcoxon rank-sum, unpaired) of samples ``a`` and ``b``.

    Exact distribution when both samples have at most 8 values and no ties, else the normal
    approximation with tie and continuity correction (scipy.stats.mannwhitneyu). With fewer than
    2 values on a side, ``U`` and ``p_value`` are None: the test says nothing there (scipy gives
    p = 1 for 1 vs 1, which would read as "no difference")."""
    from scipy.stats import mannwhitneyu

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if min(len(a), len(b)) < 2:
        return {"test": _RANK_SUM, "method": None, "U": None, "p_value": None, "n": [len(a), len(b)],
                "note": _NO_TEST}
    both = np.concatenate([a, b])
    method = "exact" if max(len(a), len(b)) <= 8 and len(np.unique(both)) == len(both) else "asymptotic"
    res = mannwhitneyu(a, b, alternative="two-sided", method=method)
    return {"test": _RANK_SUM, "method": method, "U": float(res.statistic), "p_value": float(res.pvalue),
            "n": [len(a), len(b)]}


def _specs(problem, strategies, seeds, out_dir: Path, accuracy_fn) -> list[RunSpec]:
    return [RunSpec(label=s, seed=seed, run_dir=out_dir / f"{s}-s{seed}", problem=_problem(problem, s),
                    strategy=_strategy(s), accuracy_fn=accuracy_fn) for s in strategies for seed in seeds]


def _strategy(label: str) -> str:
    """The strategy a label runs: itself, or a variant's."""
    return VARIANTS[label][0] if label in VARIANTS else label


def _problem(problem, label: str):
    """The problem a strategy label searches: ``problem``, or a variant's derived from it."""
    from evo_cosearch.bench.restricted import search_variant_problem

    return search_variant_problem(problem, label, VARIANTS[label][1]) if label in VARIANTS else problem


def runs_dir(problem, *, proxy: bool = False) -> Path:
    """Where ``bench strategies`` of ``problem`` puts its runs by default: :data:`RUNS_DIR` for the
    default problem, ``results/runs/strategies-<problem name>`` for another (``bench joint`` reuses
    the nsga2 runs there); ``strategies_proxy`` for ``strategies`` when scored by the accuracy proxy."""
    return RUNS_ROOT / output_name(NAME, problem, DEFAULT_PROBLEM, proxy=proxy)


def bench_strategies(problem: str | Path = DEFAULT_PROBLEM, *, strategies: Sequence[str] = DEFAULT_STRATEGIES,
                     seeds: Sequence[int] = (0, 1, 2, 3, 4), pop: int = DEFAULT_POP, gens: int = DEFAULT_GENS,
                     supernet: str | Path | None = None, data: str | None = None, proxy_accuracy: bool = False,
                     out_dir: str | Path | None = None, out: str | Path | None = DEFAULT_JSON,
                     figure: str | Path | None = DEFAULT_FIGURE, progress: bool = True) -> dict[str, Any]:
    """Run (or reuse) every strategy x seed, compare their hypervolumes; JSON to ``out``.
    ``strategies`` may also name a label of :data:`VARIANTS` (``reinforce_ppo``: the ``reinforce``
    strategy with ``search.controller.update: ppo``), which runs its strategy on a problem derived
    with those settings.

    Left out, the runs go to :func:`runs_dir`, the JSON and the figure to :data:`RESULT_PATH` and
    :data:`FIGURE_PATH` (into ``out_dir`` when that is given), for another problem than the default
    with ``-<problem name>`` after ``strategies``, and with ``proxy_accuracy`` under
    ``strategies_proxy``; ``out=None`` writes no JSON, ``figure=None`` draws no figure."""
    check_strategies(strategies, tuple(VARIANTS))
    check_seeds(seeds)
    prob = load_problem(problem).with_data(data, strict=True)
    name = output_name(NAME, prob, DEFAULT_PROBLEM, proxy=proxy_accuracy)
    results = results_dir(out_dir)
    out_dir = runs_dir(prob, proxy=proxy_accuracy) if out_dir is None else out_dir
    writable_path(out_dir, "run directories", directory=True)
    figure = figure_path(results / f"{name}_hv.png" if figure is DEFAULT_FIGURE else figure)
    out = json_out_path(out, name, results, not_over={"hypervolume figure": figure})
    check_runs(_specs(prob, strategies, seeds, Path(out_dir), None), pop=pop, gens=gens, proxy=proxy_accuracy,
               supernet=supernet)
    t0 = time.perf_counter()
    accuracy_fn, accuracy_info = shared_accuracy(prob, supernet=supernet, proxy=proxy_accuracy, progress=progress)
    results = run_all(_specs(prob, strategies, seeds, Path(out_dir), accuracy_fn), pop=pop, gens=gens,
                      progress=progress)
    ideal, ref, curves = hv_curves(results)
    budget = pop * gens

    by_strategy: dict[str, list] = {s: [] for s in strategies}
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in strategies}
    for r, c in zip(results, curves):
        by_strategy[r.label].append(c)
        runs[r.label].append({
            "seed": r.seed, "run_dir": str(r.run_dir), "n_designs": len(r.designs),
            "n_feasible": int(r.designs.feasible.sum()), "n_evals": c.n_evals.tolist(),
            "hypervolume": [float(v) for v in c.hypervolume], "final_hypervolume": float(c.hypervolume[-1]),
            "seconds": round(r.seconds, 2)})
    final = {s: quartiles([run["final_hypervolume"] for run in runs[s]]) for s in strategies}
    result: dict[str, Any] = {
        "benchmark": "strategies", "problem": str(problem), "problem_name": prob.name,
        "objectives": list(prob.objectives), "constraints": dict(prob.constraints),
        "budget": {"pop": pop, "gens": gens, "designs": budget}, "strategies": list(strategies),
        "seeds": list(seeds), "accuracy": accuracy_info, "accelerator_repair": _repairs(prob, strategies),
        "hv_reference": {"ideal": ideal.tolist(), "ref": ref.tolist(), "method": (
            "union of every run's feasible designs -> its non-dominated front; ideal = front minimum, "
            "ref = ideal + 1.1 * (front maximum - ideal); hypervolume of (f - ideal) / (ref - ideal) "
            "against (1, ..., 1)")},
        "runs": runs, "median_curves": _median_curves(by_strategy), "final_hypervolume": final,
    }
    result.update(_verdict(final, by_strategy, budget))
    result.update({"wall_s": round(time.perf_counter() - t0, 1), "machine": platform.machine(),
                   "cpus": os.cpu_count()})
    if figure is not None:
        result["figure"] = str(_figure(by_strategy, result, figure))
    result["json"] = None if out is None else str(out)
    write_json(result, out)
    return result


def _repairs(problem, strategies: Sequence[str]) -> dict[str, str]:
    """``search.accelerator_repair`` each strategy runs with (the problem file's for nsga2, ``none``
    for the others)."""
    from evo_cosearch.engine.settings import search_settings

    return {s: search_settings(_problem(problem, s), strategy=_strategy(s)).accelerator_repair for s in strategies}


def _median_curves(by_strategy) -> dict[str, dict[str, list[float]]]:
    from evo_cosearch.plots.runs import median_band

    out = {}
    for s, curves in by_strategy.items():
        grid = np.unique(np.concatenate([c.n_evals for c in curves]))
        med, q25, q75 = median_band(curves, grid)
        out[s] = {"n_evals": grid.tolist(), "median": med.tolist(), "q25": q25.tolist(), "q75": q75.tolist()}
    return out


def _verdict(final, by_strategy, budget: int) -> dict[str, Any]:
    """nsga2 vs the others: rank-sum tests, best median, and the budget fraction to reach random."""
    out: dict[str, Any] = {}
    if _MAIN not in final:
        return out
    main = final[_MAIN]["values"]
    out["rank_sum_vs_nsga2"] = {s: rank_sum(main, final[s]["values"]) for s in final if s != _MAIN}
    best = max(final, key=lambda s: final[s]["median"])
    others = [s for s in final if s != _MAIN]  # nsga2 alone is compared with nothing: null, not true
    out["nsga2_best"] = bool(all(final[_MAIN]["median"] > final[s]["median"] for s in others)) if others else None
    out["best_median_strategy"] = best
    if _BASELINE in final:
        reach = budget_fraction(by_strategy[_MAIN], final[_BASELINE]["median"], budget)
        reach["target_fraction"] = TARGET_FRACTION
        reach["meets_target"] = reach["fraction"] is not None and reach["fraction"] <= TARGET_FRACTION
        reach["definition"] = ("first designs-evaluated count at which nsga2's median hypervolume curve "
                               "(over seeds) is >= random's median final hypervolume, / budget")
        out["nsga2_reaches_random_final"] = reach
    return out


def _figure(by_strategy, result: dict[str, Any], path: Path) -> Path:
    from evo_cosearch.plots.runs import hv_compare_figure
    from evo_cosearch.plots.style import plt

    b = result["budget"]
    fig = hv_compare_figure(by_strategy, title=f"{result['problem_name']}, {b['pop']} x {b['gens']} designs: "
                                               "median and IQR over seeds")
    reach = result.get("nsga2_reaches_random_final")
    if reach is not None:
        ax = fig.axes[0]
        ax.axhline(reach["target_hv"], color="0.4", ls=":", lw=1.0, label="random: final median")
        if reach["designs"] is not None:
            ax.axvline(reach["designs"], color="0.4", ls="--", lw=1.0,
                       label=f"nsga2 reaches it: {100 * reach['fraction']:.0f} % of budget")
        ax.legend(fontsize=8, loc="lower right")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def _p_text(test: dict[str, Any] | None) -> str:
    """A rank-sum test's p-value for the table: '–' for nsga2 itself, :data:`_NO_TEST` when not available."""
    if test is None:
        return "–"
    return _NO_TEST if test["p_value"] is None else f"{test['p_value']:.4g}"


def strategies_markdown(result: dict[str, Any]) -> str:
    """The final-hypervolume table (and the budget-fraction line) as markdown."""
    b = result["budget"]
    lines = [f"Final hypervolume, {result['problem_name']}, {b['pop']} x {b['gens']} = {b['designs']} designs "
             f"per run, common normalisation:", "",
             "| strategy | runs | HV median | IQR (q25–q75) | p vs nsga2 (Mann–Whitney U, two-sided) |",
             "|---|---:|---:|---:|---:|"]
    tests = result.get("rank_sum_vs_nsga2", {})
    for s, q in result["final_hypervolume"].items():
        lines.append(f"| {s} | {q['n']} | {q['median']:.4f} | {q['q25']:.4f}–{q['q75']:.4f} | "
                     f"{_p_text(tests.get(s))} |")
    repaired = {s: r for s, r in result.get("accelerator_repair", {}).items() if r != "none"}
    if repaired:
        lines += ["", "With the problem file's accelerator repair: " + ", ".join(
            f"{s} (search.accelerator_repair: {r})" for s, r in repaired.items()) + "; the others without it."]
    reach = result.get("nsga2_reaches_random_final")
    if reach is not None:
        lines.append("")
        if reach["designs"] is None:
            lines.append(f"nsga2's median curve never reaches random's final median HV ({reach['target_hv']:.4f}).")
        else:
            lines.append(f"nsga2's median curve reaches random's final median HV ({reach['target_hv']:.4f}) after "
                         f"{reach['designs']} designs = {100 * reach['fraction']:.0f} % of the budget "
                         f"(target <= {100 * reach['target_fraction']:.0f} %).")
    return "\n".join(lines)
