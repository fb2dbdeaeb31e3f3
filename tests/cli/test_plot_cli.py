"""``evo-cosearch plot``: writes the figures, prints their paths, refuses bad runs in one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from evo_cosearch.api import search  # noqa: E402
from evo_cosearch.cli import main  # noqa: E402
from evo_cosearch.evaluate import ProxyAccuracy  # noqa: E402
from evo_cosearch.problem import load_problem  # noqa: E402

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    problem = load_problem(DEMO)
    out = tmp_path_factory.mktemp("plotcli") / "run"
    search(problem, out=out, pop=8, gens=3, seed=0, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    return out


def test_plot_writes_into_run_plots_by_default(run_dir, capsys):
    assert main(["plot", str(run_dir)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"12 files in {run_dir / 'plots'}"
    assert (run_dir / "plots" / "front_error_vs_latency_ms.png").is_file()
    assert (run_dir / "plots" / "hypervolume.svg").is_file()
    assert all(Path(line).is_file() for line in out[1:])


def test_plot_of_a_missing_run_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "nope"), "--out", str(tmp_path / "figs")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no run archive" in err and err.count("\n") == 1
    assert not (tmp_path / "figs").exists()


def test_plot_of_a_run_and_its_copy_is_one_line_and_exit_2(run_dir, tmp_path, capsys):
    shutil.copytree(run_dir, tmp_path / "copy")  # `cp -r RUN RUN2`: it would count twice in every median
    assert main(["plot", str(run_dir), str(tmp_path / "copy"), "--out", str(tmp_path / "figs")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: plot: {tmp_path / 'copy'} is a copy of the run {run_dir} ('run', started ")
    assert err.endswith("give each run once\n") and err.count("\n") == 1
    assert not (tmp_path / "figs").exists()


def test_plot_of_several_runs_writes_under_results_by_default(run_dir, tmp_path, monkeypatch, capsys):
    problem = load_problem(DEMO)
    other = tmp_path / "other"
    search(problem, out=other, pop=8, gens=2, seed=1, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    monkeypatch.chdir(tmp_path)  # not ./plots: in a checkout that is a folder git does not ignore
    assert main(["plot", str(run_dir), str(other)]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(" files in results/plots")
    assert (tmp_path / "results" / "plots" / "compare_hypervolume.svg").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other", "results"]


def test_plot_out_empty_is_one_line_and_exit_2(run_dir, capsys):
    before = sorted(p.name for p in run_dir.iterdir())
    assert main(["plot", str(run_dir), "--out", ""]) == 2  # it wrote into RUN/plots, as without --out
    assert capsys.readouterr().err == "error: an empty path given for the figures\n"
    assert sorted(p.name for p in run_dir.iterdir()) == before


def test_plot_says_which_figures_of_feasible_designs_it_left_out(tmp_path, capsys):
    # the attainment surfaces (and a run's parallel coordinates) were left out unsaid
    problem = load_problem(DEMO)
    problem = type(problem)(**{**problem.__dict__, "constraints": {"max_latency_ms": 1.0e-9}})
    for seed in (0, 1):
        search(problem, out=tmp_path / f"s{seed}", pop=8, gens=2, seed=seed, accuracy_fn=ProxyAccuracy(problem),
               quiet=True).close()
    out = tmp_path / "figs"
    assert main(["plot", str(tmp_path / "s0"), str(tmp_path / "s1"), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert printed.err.splitlines() == [f"{out / 's0' / 'parallel_coordinates'}: not drawn, s0 has no feasible design",
                                        f"{out / 's1' / 'parallel_coordinates'}: not drawn, s1 has no feasible design",
                                        f"{out / 'compare_eaf_*'}: attainment surfaces not drawn, no run has a "
                                        "feasible design"]
    assert not list(out.glob("compare_eaf_*")) and (out / "compare_hypervolume.png").is_file()
