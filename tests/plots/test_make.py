"""make_plots on small real archives: every figure is written as PNG and SVG, and nothing on error."""

from __future__ import annotations

import dataclasses
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from evo_cosearch.api import search  # noqa: E402
from evo_cosearch.archive import open_archive  # noqa: E402
from evo_cosearch.errors import InputError  # noqa: E402
from evo_cosearch.evaluate import ProxyAccuracy  # noqa: E402
from evo_cosearch.plots import eaf_figure, hv_compare_figure, load_run, main_genes, make_plots  # noqa: E402
from evo_cosearch.plots.make import _unique_names, group_names  # noqa: E402
from evo_cosearch.plots.runs import HVCurve  # noqa: E402
from evo_cosearch.plots.style import plt  # noqa: E402
from evo_cosearch.problem import parse_problem  # noqa: E402

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _problem(objectives="[error, latency_ms, energy_uj]"):
    text = DEMO.read_text().replace("constraints: {}", "constraints: {max_latency_ms: 0.05, min_accuracy: 0.5}")
    text = text.replace("objectives: [error, latency_ms, energy_uj]", f"objectives: {objectives}")
    return parse_problem(text, source="demo_test.yaml")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    problem = _problem()
    dirs = []
    for seed in (0, 1, 2):
        out = base / f"seed{seed}"
        search(problem, out=out, pop=8, gens=3, seed=seed, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
        dirs.append(out)
    two = _problem("[error, area_mm2]")
    out = base / "two"
    search(two, out=out, pop=8, gens=3, seed=0, accuracy_fn=ProxyAccuracy(two), quiet=True).close()
    return dirs, out


def _check_files(paths):
    for p in paths:
        assert p.is_file() and p.stat().st_size > 1000, p
        if p.suffix == ".png":
            assert p.read_bytes()[:8] == PNG_MAGIC
        else:
            assert ET.parse(p).getroot().tag.endswith("svg")


def test_one_run_gets_every_figure(runs, tmp_path):
    paths = make_plots([runs[0][0]], tmp_path / "one")
    names = sorted(p.name for p in paths)
    stems = {"front_error_vs_latency_ms", "front_error_vs_energy_uj", "front_energy_uj_vs_latency_ms",
             "front_3d", "parallel_coordinates", "hypervolume"}
    assert names == sorted(f"{s}.{e}" for s in stems for e in ("png", "svg"))
    _check_files(paths)
    again = make_plots([runs[0][0]], tmp_path / "again")  # the same run, the same bytes (SVG: no date, fixed ids)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_a_run_without_feasible_designs_says_so_on_its_hypervolume(tmp_path):
    problem = parse_problem(DEMO.read_text().replace("constraints: {}", "constraints: {max_latency_ms: 1.0e-9}"))
    search(problem, out=tmp_path / "run", pop=8, gens=2, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    make_plots([tmp_path / "run"], tmp_path / "plots")
    assert "hypervolume vs evaluations (no feasible design: 0)" in (tmp_path / "plots" / "hypervolume.svg").read_text()


def test_two_objectives_have_no_3d_front(runs, tmp_path):
    names = {p.stem for p in make_plots([runs[1]], tmp_path / "two")}
    assert names == {"front_error_vs_area_mm2", "parallel_coordinates", "hypervolume"}


def test_several_runs_are_overlaid(runs, tmp_path):
    paths = make_plots(runs[0], tmp_path / "many")
    top = {p.name for p in paths if p.parent == tmp_path / "many"}
    assert {"compare_hypervolume.png", "compare_hypervolume.svg"} <= top
    assert {"compare_eaf_error_vs_latency_ms.png", "compare_eaf_error_vs_energy_uj.svg",
            "compare_eaf_energy_uj_vs_latency_ms.png"} <= top
    assert {p.parent.name for p in paths if p.parent != tmp_path / "many"} == {"seed0", "seed1", "seed2"}
    _check_files([p for p in paths if p.name.startswith("compare")])


def test_refined_designs_are_marked_and_kept_out_of_fronts_and_comparisons(runs, tmp_path, add_refined):
    """As the search's own per-generation figures: a refined design (trained further, its accuracy on
    another scale) is no evaluation of the search, so no hypervolume, attainment surface or Pareto set has it."""
    seed0, seed1, _ = runs[0]
    refined = tmp_path / "refined" / "seed0"
    shutil.copytree(seed0, refined)
    add_refined(refined)
    with_refined = make_plots([refined, seed1], tmp_path / "with")
    without = make_plots([seed0, seed1], tmp_path / "without")
    compare = [p.relative_to(tmp_path / "with") for p in with_refined if p.name.startswith("compare")]
    assert compare and all((tmp_path / "with" / p).read_bytes() == (tmp_path / "without" / p).read_bytes()
                           for p in compare)
    assert len(without) == len(with_refined)
    fig_paths = make_plots([refined], tmp_path / "one")
    svg = (tmp_path / "one" / "front_error_vs_latency_ms.svg").read_text()
    assert "refined (1)" in svg and "refined (1)" in (tmp_path / "one" / "front_3d.svg").read_text()
    assert "refined" not in (tmp_path / "without" / "seed0" / "front_error_vs_latency_ms.svg").read_text()
    assert len(fig_paths) == len(make_plots([seed0], tmp_path / "one_plain"))
    loaded = load_run(refined)
    assert len(loaded.refined) == 1 and len(loaded.designs) == len(load_run(seed0).designs)
    assert np.array_equal(loaded.pareto.id, load_run(seed0).pareto.id)


def test_a_strategys_runs_of_another_problem_are_a_group_of_their_own(runs, tmp_path):
    """Joint and network-only NSGA-II runs (one objective set) are two curves, not one median of both."""
    seed0, seed1, _ = runs[0]
    other = parse_problem(_problem().text.replace("name: demo_digits", "name: other_space"), source="other.yaml")
    search(other, out=tmp_path / "other", pop=8, gens=2, seed=0, accuracy_fn=ProxyAccuracy(other), quiet=True).close()
    make_plots([seed0, seed1, tmp_path / "other"], tmp_path / "cmp")
    svg = (tmp_path / "cmp" / "compare_hypervolume.svg").read_text()
    assert "nsga2 (demo_digits) (median of 2)" in svg and "nsga2 (other_space) (median of 1)" in svg
    eaf = (tmp_path / "cmp" / "compare_eaf_error_vs_latency_ms.svg").read_text()
    assert "nsga2 (demo_digits): median" in eaf and "nsga2 (other_space): median" in eaf


def test_group_names_say_what_sets_a_strategys_groups_apart(runs):
    with open_archive(runs[0][0]) as arc:
        m = arc.meta
    repaired = dataclasses.replace(m, settings={**m.settings, "accelerator_repair": "front"})
    edited = dataclasses.replace(m, fingerprint="f" * 16)  # another version of the problem, the same name
    other_seed = dataclasses.replace(m, seed=5, settings={**m.settings, "seed": 5, "gens": 9})
    rand = dataclasses.replace(m, strategy="random", settings={**m.settings, "strategy": "random"})
    assert group_names([m, other_seed, rand]) == ["nsga2", "nsga2", "random"]
    assert group_names([m, repaired, rand]) == ["nsga2 (accelerator_repair=none)", "nsga2 (accelerator_repair=front)",
                                                "random"]
    older = dataclasses.replace(m, settings={k: v for k, v in m.settings.items() if k != "accelerator_repair"})
    assert group_names([m, older]) == ["nsga2", "nsga2"]  # made before runs recorded the setting
    assert group_names([m, edited]) == [f"nsga2 (demo_digits {m.fingerprint[:8]})", "nsga2 (demo_digits ffffffff)"]


def test_runs_of_different_objectives_are_refused_before_writing(runs, tmp_path):
    with pytest.raises(InputError, match="objectives"):
        make_plots([runs[0][0], runs[1]], tmp_path / "bad")
    with pytest.raises(InputError, match="no run archive"):
        make_plots([runs[0][0], tmp_path / "missing"], tmp_path / "bad")
    same = Path(runs[0][0]).parent / ".." / Path(runs[0][0]).parent.name / Path(runs[0][0]).name
    with pytest.raises(InputError, match=f"plot: {same} is the run {runs[0][0]} again; give each run once"):
        make_plots([runs[0][0], runs[0][1], same], tmp_path / "bad")
    with pytest.raises(InputError, match="again; give each run once"):
        make_plots([runs[0][0], Path(runs[0][0]) / "archive.sqlite"], tmp_path / "bad")
    copy = tmp_path / "copy"  # another path, the same run: it would count twice as well
    shutil.copytree(runs[0][1], copy)
    with pytest.raises(InputError, match=f"plot: {copy} is a copy of the run {runs[0][1]} \\('seed1', started "):
        make_plots([runs[0][0], runs[0][1], copy], tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "seed1").write_text("x")  # where the second run's figures would go
    with pytest.raises(InputError, match="half/seed1: is a file, not a directory for the figures"):
        make_plots(runs[0], tmp_path / "half")
    assert sorted(p.name for p in (tmp_path / "half").iterdir()) == ["seed1"]  # nothing written


def test_runs_scored_by_different_accuracy_sources_are_refused(runs, tmp_path):
    problem = _problem()

    def halved(genomes):
        return ProxyAccuracy(problem)(genomes) * 0.5

    other = tmp_path / "custom"
    search(problem, out=other, pop=8, gens=2, seed=3, accuracy_fn=halved, quiet=True).close()
    with pytest.raises(InputError, match="seed0 was scored by the proxy accuracy, not accuracy function .*halved; "
                                         "only runs scored the same way can be overlaid"):
        make_plots([runs[0][0], other], tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def _slower(layers, accelerators):
    from evo_cosearch.hardware import simulate
    hw = simulate(layers, accelerators)
    return dataclasses.replace(hw, latency_ms=hw.latency_ms * 2)


def test_runs_simulated_by_different_hardware_models_are_refused(runs, tmp_path):
    problem = _problem()
    other = tmp_path / "slower"
    search(problem, out=other, pop=8, gens=2, seed=3, accuracy_fn=ProxyAccuracy(problem), simulate_fn=_slower,
           quiet=True).close()
    with pytest.raises(InputError, match=rf"^{other}: {runs[0][0]}'s hardware metrics came from the built-in "
                                         r"simulator \(evo_cosearch.hardware.simulate\), not simulate_fn \S+_slower; "
                                         r"only runs simulated the same way can be overlaid$"):
        make_plots([runs[0][0], other], tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_strategies_get_one_band_and_one_surface_each():
    a = [HVCurve(np.array([8, 16]), np.array([0.1, 0.2])), HVCurve(np.array([8, 16]), np.array([0.2, 0.3]))]
    b = [HVCurve(np.array([8, 16]), np.array([0.05, 0.1]))]
    fig = hv_compare_figure({"nsga2": a, "random": b})
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["nsga2 (median of 2)",
                                                                          "random (median of 1)"]
    # the final values (the benchmark table's) are drawn, not only the vertical step up to them
    marks = [line for line in fig.axes[0].get_lines() if line.get_marker() == "o"]
    assert [(line.get_xdata().tolist(), line.get_ydata().tolist()) for line in marks] == [([16], [0.25]),
                                                                                        ([16], [0.1])]
    plt.close(fig)
    P = np.array([[0.1, 2.0], [0.2, 1.0]])
    fig = eaf_figure(("error", "latency_ms"), {"nsga2": [P, P + 0.05], "random": [P + 0.1]})
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("nsga2: median") for t in texts) and any(t.startswith("random:") for t in texts)
    plt.close(fig)
    fig = eaf_figure(("error", "latency_ms"), {"nsga2": [P, np.zeros((0, 2))], "random": [P + 0.1]})
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["nsga2: median (50 %, 2 runs, 1 without feasible designs)",  # no worst: no run attains it
                     "random: median (50 %, 1 run)"]  # one run's worst is its median: one line, not two
    assert len(fig.axes[0].get_lines()) == 2
    plt.close(fig)
    fig = eaf_figure(("error", "latency_ms"), {"nsga2": [P], "random": [np.zeros((0, 2))] * 2})
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[-1] == "random: no feasible design in 2 runs"  # not left out of the comparison unsaid
    plt.close(fig)


def test_main_genes_are_stage_and_accelerator_genes():
    names = ["stem.width", "s1.depth", "s1.l1.kernel", "pes_x", "mac_bits"]
    assert main_genes(names, [2, 2, 3, 5, 1]) == [0, 1, 3]


def test_run_folder_names_stay_inside_the_output_and_are_distinct():
    assert _unique_names(["..", ".", ".hidden", "a/b", "", "x", "x", "x_2"]) == [
        "run", "run_2", "hidden", "a_b", "run_3", "x", "x_2", "x_2_2"]


def test_a_run_without_stored_history_gets_the_curve_its_history_would_hold(runs):
    # the fallback was normalised over the whole run, while the figure says "1 = first generation's ideal point"
    from evo_cosearch.plots.make import run_hv_curve

    run = load_run(runs[0][0])
    stored = run_hv_curve(run)
    assert len(run.history) == 3 and stored.hypervolume[-1] > 0
    again = run_hv_curve(dataclasses.replace(run, history=()))
    np.testing.assert_array_equal(again.n_evals, stored.n_evals)
    np.testing.assert_allclose(again.hypervolume, stored.hypervolume, rtol=1e-12)
