"""Benchmark: joint search vs network-only (fixed baseline accelerator) vs accelerator-only
(fixed network), at equal budget, all scored with the joint problem's objectives. Joint search
runs three times: without the accelerator repair (``joint``, whatever the problem file sets),
with ``search.accelerator_repair: front`` (``joint_front``: each design's accelerator moved onto
its network's hardware front by a simulator sweep, :mod:`evo_cosearch.engine.accelerator_repair`)
and with ``min_energy_uj`` (``joint_min_energy``: each design on its network's least-energy
accelerator; only when energy is an objective).

The two restricted problems are derived from the joint one (:mod:`evo_cosearch.bench.restricted`);
every variant runs the same strategy (nsga2) with the same ``pop`` x ``gens`` and seeds, and
accuracy comes from the joint problem's one shared supernet (restricted genomes are mapped to
joint genomes). Reported:

* hypervolume of each run in one common box (the union of all variants' feasible fronts);
* energy and energy-delay product (EDP) *at equal accuracy*: for an accuracy threshold ``t``,
  the least energy (EDP) of a feasible design with accuracy >= ``t`` in a variant's archive.
  Thresholds: accuracies of network-only's Pareto front (all its seeds pooled) at the
  10/25/50/75/90th percentiles (each an accuracy some design attained), and the
  accelerator-only network's accuracy -- its archive holds one network, so it is compared at
  that accuracy only. Ratios network-only / joint (energy, target >= 2) and accelerator-only /
  joint (EDP, target >= 1.4), for each joint variant, both over the pooled archives (best of
  all seeds) and per seed (seed k against seed k, then the median);
* the two-step flow (:mod:`evo_cosearch.bench.two_step`): network-only's front networks, each
  on its best accelerator, at the same thresholds, as ratios two-step / joint (no target; above
  1 joint search is better).
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from evo_cosearch.archive import pareto_of
from evo_cosearch.bench.compare import DEFAULT_GENS, DEFAULT_POP, runs_dir as strategy_runs
from evo_cosearch.bench.defaults import (
    JOINT_NAME as NAME, JOINT_PROBLEM as DEFAULT_PROBLEM, JOINT_RESULT_PATH as RESULT_PATH, JOINT_RUNS_DIR as RUNS_DIR,
)
from evo_cosearch.bench.output import (
    DEFAULT_JSON, RUNS_ROOT, json_out_path, output_name, results_dir, write_json,
)
from evo_cosearch.bench.restricted import (
    BASELINE_ACCELERATOR, FIXED_LAYER, JointAccuracy, ToJoint, accelerator_only_problem, repair_problem,
    network_only_problem,
)
from evo_cosearch.bench.runset import (
    RunSpec, check_runs, check_seeds, hv_curves, quartiles, run_all, shared_accuracy,
)
from evo_cosearch.bench.two_step import sweep_info, two_step_at_accuracy
from evo_cosearch.errors import InputError
from evo_cosearch.files import writable_path
from evo_cosearch.problem import load_problem
from evo_cosearch.engine.settings import least_objective

__all__ = ["bench_joint", "min_at_accuracy", "front_accuracy_levels", "joint_markdown", "VARIANTS", "JOINTS",
           "NAME", "RUNS_DIR", "RESULT_PATH", "LEVELS", "TARGET_ENERGY_RATIO", "TARGET_EDP_RATIO"]

VARIANTS = ("joint", "joint_front", "joint_min_energy", "network_only", "accelerator_only")
#: The joint variants the others are compared with.
JOINTS = ("joint", "joint_front", "joint_min_energy")
#: ``search.accelerator_repair`` of each joint variant.
_REPAIRS = {"joint": "none", "joint_front": "front", "joint_min_energy": "min_energy_uj"}
#: Percentiles of network-only's front accuracies used as equal-accuracy thresholds.
LEVELS = (10, 25, 50, 75, 90)
TARGET_ENERGY_RATIO = 2.0   # network-only / joint energy at equal accuracy
TARGET_EDP_RATIO = 1.4      # accelerator-only / joint EDP at equal accuracy
_STRATEGY = "nsga2"


def min_at_accuracy(accuracy, values, feasible, thresholds) -> np.ndarray:
    """Per threshold ``t``: the least ``values`` over feasible designs with accuracy >= ``t``
    (NaN where there is none)."""
    feasible = np.asarray(feasible, dtype=bool)
    acc, v = np.asarray(accuracy, dtype=np.float64)[feasible], np.asarray(values, dtype=np.float64)[feasible]
    out = np.full(len(thresholds), np.nan)
    for k, t in enumerate(thresholds):
        ok = acc >= t
        if ok.any():
            out[k] = v[ok].min()
    return out


def front_accuracy_levels(accuracy_front, levels: Sequence[float] = LEVELS) -> np.ndarray:
    """Accuracies at the ``levels`` percentiles of a front's accuracies (attained values: 'lower')."""
    return np.percentile(np.asarray(accuracy_front, dtype=np.float64), levels, method="lower")


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((den > 0) & np.isfinite(num) & np.isfinite(den), num / den, np.nan)


def _json(a) -> list[float | None]:
    return [None if not np.isfinite(x) else float(x) for x in np.asarray(a, dtype=np.float64).reshape(-1)]


def _plain(value: Any) -> Any:
    """``value`` as JSON gives it back (tuples become lists)."""
    return json.loads(json.dumps(value))


def _nanmedian(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    ok = np.isfinite(a).any(axis=0)
    out = np.full(a.shape[1], np.nan)
    out[ok] = np.nanmedian(a[:, ok], axis=0)
    return out


def _pool(results, variant: str):
    """Accuracy, energy, EDP and feasibility of all of a variant's runs together."""
    tables = [r.designs for r in results if r.label == variant]
    cat = lambda key: np.concatenate([t.metrics[key] for t in tables])  # noqa: E731
    return cat("accuracy"), cat("energy_uj"), cat("edp"), np.concatenate([t.feasible for t in tables])


def _present(results, variants: Sequence[str] = VARIANTS) -> list[str]:
    return [v for v in variants if any(r.label == v for r in results)]


def equal_accuracy(results, seeds: Sequence[int], thresholds: np.ndarray) -> dict[str, Any]:
    """Least energy and EDP per variant at each accuracy threshold (pooled and per seed) and the
    ratios network-only / J and accelerator-only / J for each joint variant J."""
    pooled: dict[str, dict[str, np.ndarray]] = {"energy_uj": {}, "edp": {}}
    per_seed: dict[str, dict[str, np.ndarray]] = {"energy_uj": {}, "edp": {}}
    variants = _present(results)
    for variant in variants:
        acc, energy, edp, feas = _pool(results, variant)
        pooled["energy_uj"][variant] = min_at_accuracy(acc, energy, feas, thresholds)
        pooled["edp"][variant] = min_at_accuracy(acc, edp, feas, thresholds)
        runs = {r.seed: r.designs for r in results if r.label == variant}
        for metric in ("energy_uj", "edp"):
            per_seed[metric][variant] = np.array([
                min_at_accuracy(runs[s].metrics["accuracy"], runs[s].metrics[metric], runs[s].feasible, thresholds)
                for s in seeds])
    out: dict[str, Any] = {"thresholds": _json(thresholds), "pooled": {}, "per_seed": {}, "ratios": {}}
    for metric in ("energy_uj", "edp"):
        out["pooled"][metric] = {v: _json(pooled[metric][v]) for v in variants}
        out["per_seed"][metric] = {v: {str(s): _json(row) for s, row in zip(seeds, per_seed[metric][v])}
                                   for v in variants}
        for j in _present(results, JOINTS):
            for other in ("network_only", "accelerator_only"):
                seedwise = _ratio(per_seed[metric][other], per_seed[metric][j])
                out["ratios"][f"{metric}_{other}_over_{j}"] = {
                    "pooled": _json(_ratio(pooled[metric][other], pooled[metric][j])),
                    "per_seed": {str(s): _json(row) for s, row in zip(seeds, seedwise)},
                    "per_seed_median": _json(_nanmedian(seedwise))}
    return out


def _specs(joint, seeds, out_dir: Path, accuracy_fn, reuse_dir: Path) -> tuple[list[RunSpec], dict[str, Any]]:
    net_only, acc_only = network_only_problem(joint), accelerator_only_problem(joint)
    joints = {v: repair_problem(joint, rule) for v, rule in _REPAIRS.items()
              if least_objective(rule) in (None, *joint.objectives)}
    problems = {**{v: (p, accuracy_fn) for v, p in joints.items()},
                "network_only": (net_only, JointAccuracy(accuracy_fn, ToJoint(joint, net_only))),
                "accelerator_only": (acc_only, JointAccuracy(accuracy_fn, ToJoint(joint, acc_only)))}
    # the joint variant is `bench strategies`' nsga2 search of this problem: reuse its run when it is there
    specs = [RunSpec(label=v, seed=s, run_dir=out_dir / f"{v}-s{s}", problem=p, strategy=_STRATEGY, accuracy_fn=f,
                     reuse=reuse_dir / f"{_STRATEGY}-s{s}" if v == "joint" else None)
             for v, (p, f) in problems.items() for s in seeds]
    fixed_net = acc_only.network.spec(acc_only.space, np.zeros(acc_only.space.n_var, dtype=np.int64))
    fixed_acc = net_only.accelerator.spec(net_only.space, np.zeros(net_only.space.n_var, dtype=np.int64))
    variants = {
        **{v: {"problem_name": p.name, "searched": "network, per-layer bits and accelerator",
               "rule": f"search.accelerator_repair: {_REPAIRS[v]} ({_RULES[_REPAIRS[v]]})"}
           for v, p in joints.items()},
        "network_only": {"problem_name": net_only.name, "searched": "network and per-layer bits",
                         "fixed_accelerator": _plain(fixed_acc.to_dict()), "rule": (
                             f"baseline {BASELINE_ACCELERATOR} clipped to the problem's value lists (nearest)")},
        "accelerator_only": {"problem_name": acc_only.name, "searched": "accelerator",
                             "fixed_network": _plain(fixed_net.to_dict()), "rule": (
                                 f"every block {FIXED_LAYER} (nearest allowed values); stem width and each "
                                 "stage's depth and width the middle of their value lists")},
    }
    return specs, variants


_RULES = {"none": "plain NSGA-II on the joint genome",
          "front": "each design's accelerator moved onto its network's hardware front by a simulator sweep "
                   "before evaluation, a random one at least as good in every hardware objective",
          "min_energy_uj": "each design's accelerator replaced by its network's least-energy feasible accelerator "
                           "(a simulator sweep) before evaluation"}


def _thresholds(results) -> tuple[np.ndarray, np.ndarray]:
    """Network-only's front accuracies at :data:`LEVELS` (all seeds pooled), and the accuracy of
    the accelerator-only network (empty if it has no feasible design)."""
    front = [pareto_of(r.designs).metrics["accuracy"] for r in results if r.label == "network_only"]
    levels = front_accuracy_levels(np.concatenate(front)) if sum(map(len, front)) else np.zeros(0)
    acc, _, _, feasible = _pool(results, "accelerator_only")
    return levels, np.unique(acc[feasible])[:1]


def _check_joint(joint) -> None:
    """Refuse a problem with nothing to search on one side (its network or accelerator fixed)."""
    mask = joint.network_gene_mask
    cards = joint.space.cardinalities
    for side, genes in (("network", mask), ("accelerator", ~mask)):
        if not np.any(cards[genes] > 1):
            raise InputError(f"{joint.source}: the {side} is fixed (one value per gene), not a joint "
                             "network + accelerator problem")


def bench_joint(problem: str | Path = DEFAULT_PROBLEM, *, seeds: Sequence[int] = (0, 1, 2, 3, 4),
                pop: int = DEFAULT_POP, gens: int = DEFAULT_GENS, supernet: str | Path | None = None,
                data: str | None = None, proxy_accuracy: bool = False, out_dir: str | Path | None = None,
                out: str | Path | None = DEFAULT_JSON, progress: bool = True) -> dict[str, Any]:
    """Run (or reuse) joint, network-only and accelerator-only searches; compare; JSON to ``out``.

    Left out, the runs go to :data:`RUNS_DIR` and the JSON to :data:`RESULT_PATH` (into ``out_dir``
    when that is given), for another
    problem than the default with ``-<problem name>`` after ``joint_vs_separate``, and with
    ``proxy_accuracy`` under ``joint_vs_separate_proxy``; ``out=None`` writes no JSON. The joint
    variant reuses ``bench strategies``' nsga2 run of the same problem, seed and accuracy source in
    its default run folder (:func:`~evo_cosearch.bench.compare.runs_dir`) when it is there."""
    check_seeds(seeds)
    joint = load_problem(problem).with_data(data, strict=True)
    name = output_name(NAME, joint, DEFAULT_PROBLEM, proxy=proxy_accuracy)
    results = results_dir(out_dir)
    out_dir = RUNS_ROOT / name if out_dir is None else out_dir
    writable_path(out_dir, "run directories", directory=True)
    out = json_out_path(out, name, results)
    t0 = time.perf_counter()
    _check_joint(joint)
    reuse_dir = strategy_runs(joint, proxy=proxy_accuracy)
    check_runs(_specs(joint, list(seeds), Path(out_dir), None, reuse_dir)[0], pop=pop, gens=gens,
               proxy=proxy_accuracy, supernet=supernet, problem=joint)
    accuracy_fn, accuracy_info = shared_accuracy(joint, supernet=supernet, proxy=proxy_accuracy, progress=progress)
    specs, variants = _specs(joint, list(seeds), Path(out_dir), accuracy_fn, reuse_dir)
    results = run_all(specs, pop=pop, gens=gens, progress=progress)
    ideal, ref, curves = hv_curves(results)
    present = _present(results)
    hv = {v: quartiles([float(c.hypervolume[-1]) for r, c in zip(results, curves) if r.label == v])
          for v in present}
    for v in present:
        hv[v]["seeds"] = [r.seed for r in results if r.label == v]

    levels, fixed_accuracy = _thresholds(results)
    thresholds = np.concatenate([levels, fixed_accuracy])
    eq = equal_accuracy(results, list(seeds), thresholds)
    eq["two_step"] = _two_step(results, joint, list(seeds), thresholds, eq)
    eq["threshold_source"] = [f"network_only front p{lv}" for lv in LEVELS[:len(levels)]] + \
        ["accelerator_only network"] * len(fixed_accuracy)
    variants["accelerator_only"]["accuracy"] = _json(fixed_accuracy)[0] if len(fixed_accuracy) else None
    variants["accelerator_only"]["accuracy_note"] = (
        "accelerator-only searches one fixed network, so its only accuracy is this one; 'equal accuracy' "
        "against it compares at this accuracy (the last threshold)")
    result: dict[str, Any] = {
        "benchmark": "joint_vs_separate", "problem": str(problem), "problem_name": joint.name,
        "objectives": list(joint.objectives), "constraints": dict(joint.constraints), "strategy": _STRATEGY,
        "budget": {"pop": pop, "gens": gens, "designs": pop * gens}, "seeds": list(seeds),
        "accuracy": accuracy_info, "variants": variants,
        "runs": {v: [{"seed": r.seed, "run_dir": str(r.run_dir), "n_designs": len(r.designs),
                      "n_feasible": int(r.designs.feasible.sum()), "n_evals": c.n_evals.tolist(),
                      "hypervolume": [float(x) for x in c.hypervolume], "seconds": round(r.seconds, 2)}
                     for r, c in zip(results, curves) if r.label == v] for v in present},
        "hv_reference": {"ideal": ideal.tolist(), "ref": ref.tolist(), "method": (
            "union of every run's feasible designs (all variants) -> its non-dominated front; ideal = front "
            "minimum, ref = ideal + 1.1 * (front maximum - ideal)")},
        "final_hypervolume": hv, "equal_accuracy": eq, "headline": _headline(eq, len(levels)),
        "wall_s": round(time.perf_counter() - t0, 1), "machine": platform.machine(), "cpus": os.cpu_count(),
        "json": None if out is None else str(out),
    }
    write_json(result, out)
    return result


def _two_step(results, joint, seeds: list[int], thresholds: np.ndarray, eq: dict[str, Any]) -> dict[str, Any]:
    """The network-only runs' front networks, each on its best accelerator (:mod:`.two_step`), at
    the same thresholds; ratios two-step / joint (above 1: joint search is better)."""
    got = two_step_at_accuracy(results, joint, ToJoint(joint, network_only_problem(joint)), seeds, thresholds)
    out: dict[str, Any] = {"method": sweep_info(joint), "per_seed": {}, "pooled": {}, "ratios": {}}
    for metric, values in got.items():
        out["per_seed"][metric] = {str(s): _json(row) for s, row in zip(seeds, values)}
        pooled = np.array([np.nan if np.isnan(col).all() else np.nanmin(col) for col in values.T])
        out["pooled"][metric] = _json(pooled)
        for j in _present(results, JOINTS):
            joint_seed = np.array([[np.nan if x is None else x for x in eq["per_seed"][metric][j][str(s)]]
                                   for s in seeds])
            joint_pooled = np.array([np.nan if x is None else x for x in eq["pooled"][metric][j]])
            seedwise = _ratio(values, joint_seed)
            out["ratios"][f"{metric}_two_step_over_{j}"] = {
                "pooled": _json(_ratio(pooled, joint_pooled)),
                "per_seed": {str(s): _json(row) for s, row in zip(seeds, seedwise)},
                "per_seed_median": _json(_nanmedian(seedwise))}
    return out


def _headline(eq: dict[str, Any], n_levels: int) -> dict[str, Any]:
    """The two target comparisons for each joint variant J: energy network-only / J at network-only's
    levels, EDP accelerator-only / J at the accelerator-only network's accuracy; and two-step / J."""
    r, r2 = eq["ratios"], eq["two_step"]["ratios"]
    has_ao = len(eq["thresholds"]) > n_levels
    out: dict[str, Any] = {}
    for j in JOINTS:
        if f"energy_uj_network_only_over_{j}" not in r:
            continue
        energy = [x for x in r[f"energy_uj_network_only_over_{j}"]["per_seed_median"][:n_levels] if x is not None]
        energy_pooled = [x for x in r[f"energy_uj_network_only_over_{j}"]["pooled"][:n_levels] if x is not None]
        edp = r[f"edp_accelerator_only_over_{j}"]["per_seed_median"][n_levels] if has_ao else None
        edp_pooled = r[f"edp_accelerator_only_over_{j}"]["pooled"][n_levels] if has_ao else None
        two = r2[f"energy_uj_two_step_over_{j}"]
        out[f"energy_network_only_over_{j}"] = {
            "per_seed_median_by_level": energy, "pooled_by_level": energy_pooled,
            "min": min(energy) if energy else None, "max": max(energy) if energy else None,
            "target": TARGET_ENERGY_RATIO,
            "meets_target_at_all_levels": bool(energy) and min(energy) >= TARGET_ENERGY_RATIO,
            "meets_target_at_some_level": bool(energy) and max(energy) >= TARGET_ENERGY_RATIO}
        out[f"edp_accelerator_only_over_{j}"] = {
            "per_seed_median": edp, "pooled": edp_pooled, "target": TARGET_EDP_RATIO,
            "meets_target": edp is not None and edp >= TARGET_EDP_RATIO}
        out[f"energy_two_step_over_{j}"] = {
            "per_seed_median_by_level": two["per_seed_median"][:n_levels], "pooled_by_level": two["pooled"][:n_levels],
            "note": f"network-only's front networks, each on its best accelerator; above 1: {j} is better"}
    return out


def _fmt(x: float | None, digits: int = 4) -> str:
    return "–" if x is None else f"{x:.{digits}g}"


def joint_markdown(result: dict[str, Any]) -> str:
    """Hypervolume and equal-accuracy tables as markdown."""
    b, eq = result["budget"], result["equal_accuracy"]
    lines = [f"Joint vs separate search, {result['problem_name']}, {result['strategy']} "
             f"{b['pop']} x {b['gens']} = {b['designs']} designs per run, seeds {result['seeds']}:", "",
             "| variant | runs | HV median | IQR (q25–q75) |", "|---|---:|---:|---:|"]
    for v, q in result["final_hypervolume"].items():
        lines.append(f"| {v} | {q['n']} | {q['median']:.4f} | {q['q25']:.4f}–{q['q75']:.4f} |")
    p, r = eq["pooled"], eq["ratios"]
    variants = list(p["energy_uj"])
    joints = [j for j in JOINTS if j in variants]
    tables = (("energy_uj", "energy µJ", "network_only"), ("edp", "EDP µJ·ms", "accelerator_only"))
    for metric, title, other in tables:
        lines += ["", f"At equal accuracy, {title} (least of a feasible design with accuracy >= threshold; all seeds "
                      "pooled; ratio in brackets: per-seed median):", "",
                  "| accuracy >= | from | " + " | ".join(variants) + " | "
                  + " | ".join(f"{other}/{j}" for j in joints) + " |",
                  "|---:|---|" + "---:|" * (len(variants) + len(joints))]
        for k, t in enumerate(eq["thresholds"]):
            ratios = [r[f"{metric}_{other}_over_{j}"] for j in joints]
            lines.append(f"| {100 * t:.2f} % | {eq['threshold_source'][k]} | "
                         + " | ".join(_fmt(p[metric][v][k]) for v in variants) + " | "
                         + " | ".join(f"{_fmt(x['pooled'][k], 3)} ({_fmt(x['per_seed_median'][k], 3)})"
                                      for x in ratios) + " |")
    h = result["headline"]
    acc = result["variants"]["accelerator_only"]["accuracy"]
    lines.append("")
    for j in joints:
        he, hd = h[f"energy_network_only_over_{j}"], h[f"edp_accelerator_only_over_{j}"]
        lines += [f"Energy network-only / {j} (per-seed median) over network-only's front levels: "
                  f"{_fmt(he['min'], 3)}–{_fmt(he['max'], 3)}x (target >= {he['target']}x).",
                  f"Energy two-step (network-only's front networks, each on its best accelerator) / {j}, per-seed "
                  "median by level: " + ", ".join(_fmt(x, 3) for x in h[f"energy_two_step_over_{j}"]
                                                   ["per_seed_median_by_level"]) + f" (above 1: {j} is better).",
                  f"EDP accelerator-only / {j} at the fixed network's accuracy "
                  f"({'–' if acc is None else f'{100 * acc:.2f} %'}): {_fmt(hd['per_seed_median'], 3)}x per-seed "
                  f"median, {_fmt(hd['pooled'], 3)}x pooled (target >= {hd['target']}x)."]
    return "\n".join(lines)
