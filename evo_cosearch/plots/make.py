"""``make_plots``: read run archives (read-only) and write every figure as PNG and SVG.

One run: pairwise fronts, a 3-D front (3+ objectives), parallel coordinates of its Pareto
set, hypervolume vs evaluations -- written into ``out_dir``. Several runs: each run's
figures in ``out_dir/<run name>/``, plus ``compare_hypervolume`` (median and IQR per
strategy) and ``compare_eaf_<y>_vs_<x>`` attainment surfaces for every objective pair; a
strategy's runs of another problem or other search settings are compared as a group of their own.
A figure of feasible designs (parallel coordinates, attainment surfaces) is left out, and said to
be, where there are none.
All archives are read and checked before the first file is written.

Fronts, Pareto sets, hypervolumes and attainment surfaces are of the search's own designs, as
the search's per-generation figures are: designs that ``refine`` added (their accuracy measured
after training) are drawn on the front figures as markers of their own, and nowhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from evo_cosearch.archive import DesignTable, GenerationStat, RunMeta, hv_points, open_archive, pareto_of
from evo_cosearch.errors import InputError
from evo_cosearch.files import writable_path
from evo_cosearch.plots.fronts import front_3d_figure, pair_axes, pair_figure, parallel_figure
from evo_cosearch.plots.runs import (
    HVCurve, RunData, common_hv_box, eaf_figure, hv_compare_figure, hv_curve, hv_figure,
)
from evo_cosearch.plots.style import count, display, label, log_scale, save
from evo_cosearch.provenance import simulator_mismatch, source_mismatch

__all__ = ["make_plots", "LoadedRun", "load_run", "main_genes", "group_names", "run_hv_curve"]


@dataclass(frozen=True)
class LoadedRun:
    """Everything the figures need from one archive, read once."""

    path: Path
    meta: RunMeta
    designs: DesignTable        # the search's designs
    refined: DesignTable        # the designs `refine` added
    pareto: DesignTable         # of the search's designs
    history: tuple[GenerationStat, ...]
    gene_names: tuple[str, ...]
    gene_values: np.ndarray     # (P, K) values of the main genes over the Pareto set

    @property
    def data(self) -> RunData:
        d = self.designs
        return RunData(self.meta.run, self.meta.strategy, d.generation, d.F, d.feasible)


def main_genes(names: Sequence[str], cardinalities: Sequence[int]) -> list[int]:
    """Positions of the genes shown in parallel coordinates: the stage-level and accelerator
    genes (names with at most one dot, e.g. ``s2.width``, ``pes_x``) that can vary; the
    per-layer genes (``s2.l1.kernel``) are too many to read."""
    return [i for i, (n, c) in enumerate(zip(names, cardinalities)) if n.count(".") <= 1 and c > 1]


def load_run(run_dir: str | Path) -> LoadedRun:
    with open_archive(run_dir) as arc:
        table = arc.require_designs()
        designs, refined = table.take(np.flatnonzero(table.searched)), table.take(np.flatnonzero(~table.searched))
        pareto = pareto_of(designs)
        space = arc.problem().space
        idx = main_genes(space.names, space.cardinalities)
        values = np.column_stack([space.column(pareto.genome, space.names[i]) for i in idx]) \
            if idx and len(pareto) else np.zeros((len(pareto), 0))
        return LoadedRun(Path(run_dir), arc.meta, designs, refined, pareto, tuple(arc.history()),
                         tuple(space.names[i] for i in idx), values.astype(np.float64))


def make_plots(run_dirs: Sequence[str | Path], out_dir: str | Path, *,
               note: Callable[[str], None] | None = None) -> list[Path]:
    """Render every figure of ``run_dirs`` into ``out_dir``; return the written paths. ``note`` is
    told, in one line each, of the figures left out (those of feasible designs, where there are none)."""
    note = note or _unsaid
    if not run_dirs:
        raise InputError("plot: give at least one run directory")
    seen: dict[Path, str | Path] = {}
    for d in run_dirs:  # the same run twice would count twice in every median and band
        key = Path(d).resolve()
        key = key.parent if key.is_file() else key  # RUN/archive.sqlite is RUN
        if key in seen:
            raise InputError(f"plot: {d} is the run {seen[key]} again; give each run once")
        seen[key] = d
    runs = [load_run(d) for d in run_dirs]
    first: dict[tuple, str | Path] = {}
    for d, r in zip(run_dirs, runs):  # a copy of a run (cp -r) is the same run under another path
        other = first.setdefault(r.meta.identity, d)
        if other is not d:
            raise InputError(f"plot: {d} is a copy of the run {other} ({r.meta.run!r}, started {r.meta.started}); "
                             "give each run once")
    out = writable_path(out_dir, "figures", directory=True)  # an empty path is an error, not the current folder
    names = _unique_names([r.meta.run or r.path.name for r in runs]) if len(runs) > 1 else []
    for d in (out / name for name in names):  # every output folder, before the first figure
        writable_path(d, "figures", directory=True)
    objectives = runs[0].meta.objectives
    for r in runs[1:]:
        if r.meta.objectives != objectives:
            raise InputError(f"{r.path}: objectives {list(r.meta.objectives)} differ from "
                             f"{runs[0].path}'s {list(objectives)}; only runs of one problem can be overlaid")
        why = source_mismatch(runs[0].meta.accuracy_source, r.meta.accuracy_source)
        if why:  # their accuracies are on different scales: medians and bands would mix them
            raise InputError(f"{r.path}: {why.replace('run was', f'{runs[0].path} was')}; only runs scored "
                             "the same way can be overlaid")
        why = simulator_mismatch(runs[0].meta.simulator_source, r.meta.simulator_source)
        if why:  # so are their hardware metrics
            raise InputError(f"{r.path}: {why.replace('run', str(runs[0].path), 1)}; only runs simulated the same "
                             "way can be overlaid")
    if len(runs) == 1:
        return run_figures(runs[0], out, note=note)
    paths: list[Path] = []
    for r, name in zip(runs, names):
        paths += run_figures(r, out / name, note=note)
    return paths + compare_figures(runs, out, note=note)


def _unsaid(line: str) -> None:
    """A ``note`` that says nothing."""


def run_figures(run: LoadedRun, out: Path, *, note: Callable[[str], None] = _unsaid) -> list[Path]:
    """The figures of one run; ``note`` is told of a figure left out."""
    meta, d, p = run.meta, run.designs, run.pareto
    refined = dict(refined_F=run.refined.F, refined_feasible=run.refined.feasible)
    obj = meta.objectives
    tag = f"{meta.run} ({meta.strategy}, seed {meta.seed})"
    paths: list[Path] = []
    for x, y in pair_axes(obj):
        fig = pair_figure(obj, x, y, d.F, d.feasible, p.F, meta.constraints,
                          title=f"{label(obj[y])} vs {label(obj[x])} -- {tag}", **refined)
        paths += save(fig, out, f"front_{obj[y]}_vs_{obj[x]}")
    if len(obj) >= 3:
        paths += save(front_3d_figure(obj, d.F, d.feasible, p.F, title=f"Pareto front -- {tag}", **refined), out,
                      "front_3d")
    if len(p):
        names = [*obj, *run.gene_names]
        labels = [label(o) for o in obj] + list(run.gene_names)
        values = np.column_stack([display(o, p.F[:, k]) for k, o in enumerate(obj)] + [run.gene_values])
        logs = [log_scale(o, p.F[:, k]) for k, o in enumerate(obj)] + [False] * len(run.gene_names)
        fig = parallel_figure(names, labels, values, display(obj[0], p.F[:, 0]), label(obj[0]), log_axes=logs,
                              title=f"Pareto set ({count(len(p), 'design')}): objectives and main genes -- {tag}")
        paths += save(fig, out, "parallel_coordinates")
    else:
        note(f"{out / 'parallel_coordinates'}: not drawn, {meta.run} has no feasible design")
    curve = run_hv_curve(run)
    none = "" if d.feasible.any() else " (no feasible design: 0)"  # a flat 0 is not a search that found nothing better
    paths += save(hv_figure(curve, title=f"hypervolume vs evaluations{none} -- {tag}"), out, "hypervolume")
    return paths


def run_hv_curve(run: LoadedRun) -> HVCurve:
    """The run's hypervolume after each generation: its stored history, else recomputed on the
    normalisation the search stores (its first generation's designs, :func:`~evo_cosearch.archive.hv_points`),
    so that 1 is the first generation's ideal point either way (it was the whole run's)."""
    if run.history:
        return HVCurve(np.array([h.n_evals for h in run.history]), np.array([h.hypervolume for h in run.history]))
    d = run.designs
    return hv_curve(run.data, *hv_points(d.F[d.generation == d.generation.min()]))


def compare_figures(runs: Sequence[LoadedRun], out: Path, *, note: Callable[[str], None] = _unsaid) -> list[Path]:
    """Hypervolume median/IQR per strategy and attainment surfaces for every objective pair (a
    strategy's runs of another problem or other search settings are a group of their own: :func:`group_names`);
    ``note`` is told when the attainment surfaces are left out."""
    data = [replace(r.data, strategy=g) for r, g in zip(runs, group_names([r.meta for r in runs]))]
    ideal, ref = common_hv_box(data)
    curves: dict[str, list[HVCurve]] = {}
    for r in data:
        curves.setdefault(r.strategy, []).append(hv_curve(r, ideal, ref))
    paths = save(hv_compare_figure(curves), out, "compare_hypervolume")
    obj = runs[0].meta.objectives
    if not any(r.feasible.any() for r in data):
        note(f"{out / 'compare_eaf_*'}: attainment surfaces not drawn, no run has a feasible design")
        return paths
    for x, y in pair_axes(obj):
        paths += save(eaf_figure((obj[x], obj[y]), _pair_fronts(data, x, y)), out, f"compare_eaf_{obj[y]}_vs_{obj[x]}")
    return paths


def group_names(metas: Sequence[RunMeta]) -> list[str]:
    """The group of each run in the comparisons: the runs of one strategy, problem and search settings
    (seeds and generation counts aside) are one group, named by the strategy and by what sets it apart
    from the strategy's other groups: ``nsga2``, or ``nsga2 (joint_fashion_mnist, accelerator_repair=front)``
    beside ``nsga2 (network_only_fashion_mnist, accelerator_repair=none)``."""
    # settings every run recorded (a run made before a setting existed is not set apart by it)
    keys = sorted(set.intersection(*(set(m.settings) for m in metas)) - {"seed", "gens", "strategy"})

    def traits(m: RunMeta) -> list[str]:  # the problem (its hash too, where two versions share a name), the settings
        versions = {x.fingerprint for x in metas if x.problem_name == m.problem_name}
        problem = m.problem_name if len(versions) == 1 else f"{m.problem_name} {m.fingerprint[:8]}"
        return [problem, *(f"{k}={_text(m.settings.get(k))}" for k in keys)]

    every = [traits(m) for m in metas]
    names = []
    for m, mine in zip(metas, every):
        peers = [t for x, t in zip(metas, every) if x.strategy == m.strategy]
        differ = [trait for j, trait in enumerate(mine) if len({t[j] for t in peers}) > 1]
        names.append(f"{m.strategy} ({', '.join(differ)})" if differ else m.strategy)
    return names


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _pair_fronts(data: Sequence[RunData], x: int, y: int) -> Mapping[str, list[np.ndarray]]:
    groups: dict[str, list[np.ndarray]] = {}
    for r in data:
        groups.setdefault(r.strategy, []).append(r.F[r.feasible][:, [x, y]])
    return groups


def _unique_names(names: Sequence[str]) -> list[str]:
    """One folder name per run: letters, digits, ``-``, ``_`` and ``.`` only, no leading dot (so
    never ``..``, nor hidden), each different from the others."""
    used: set[str] = set()
    out = []
    for n in names:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(n)).lstrip(".") or "run"
        name, k = safe, 1
        while name in used:
            k += 1
            name = f"{safe}_{k}"
        used.add(name)
        out.append(name)
    return out
