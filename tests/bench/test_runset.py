"""The common hypervolume box of a benchmark's runs, checked against pymoo's HV by hand."""

from __future__ import annotations

import numpy as np
import pytest
from pymoo.indicators.hv import HV

from evo_cosearch.bench.runset import front_box, quartiles
from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.plots.runs import RunData, hv_curve

# two runs of 2 generations (3 designs each), two minimised objectives
RUN_A = np.array([[1.0, 9.0], [4.0, 4.0], [9.0, 9.0],      # generation 0 ([9, 9] is dominated)
                  [2.0, 6.0], [6.0, 2.0], [3.0, 8.0]])     # generation 1
RUN_B = np.array([[5.0, 5.0], [8.0, 1.0], [20.0, 0.5],     # generation 0 ([20, 0.5] is infeasible)
                  [3.0, 3.0], [7.0, 7.0], [2.5, 9.5]])
FEAS_B = np.array([True, True, False, True, True, True])
GEN = np.array([0, 0, 0, 1, 1, 1])


def test_box_is_the_union_front_extremes_with_a_tenth_margin():
    ideal, ref = front_box([RUN_A, RUN_B[FEAS_B]])
    # union front: [1,9] [2,6] [3,3] [6,2] [8,1]  ([2.5, 9.5], [4,4], [5,5] ... are dominated)
    np.testing.assert_allclose(ideal, [1.0, 1.0])
    np.testing.assert_allclose(ref, [1.0 + 1.1 * 7.0, 1.0 + 1.1 * 8.0])


def test_curves_in_the_common_box_equal_pymoo_hv_of_the_raw_fronts_over_the_box_volume():
    ideal, ref = front_box([RUN_A, RUN_B[FEAS_B]])
    volume = np.prod(ref - ideal)
    raw_hv = HV(ref_point=ref)
    for F, feas in ((RUN_A, np.ones(6, bool)), (RUN_B, FEAS_B)):
        curve = hv_curve(RunData("r", "s", GEN, F, feas), ideal, ref)
        assert curve.n_evals.tolist() == [3, 6]
        expected = [raw_hv(F[feas & (GEN <= g)]) / volume for g in (0, 1)]
        np.testing.assert_allclose(curve.hypervolume, expected, rtol=1e-12)
    # the point beyond the reference ([20, 0.5]) would add volume if it were counted as feasible
    assert hv_curve(RunData("r", "s", GEN, RUN_B, np.ones(6, bool)), ideal, ref).hypervolume[0] == \
        pytest.approx(raw_hv(RUN_B[:2]) / volume)


def test_box_without_feasible_designs_is_an_input_error():
    with pytest.raises(InputError, match="no feasible design"):
        front_box([np.zeros((0, 2)), np.zeros((0, 2))])


def test_quartiles():
    q = quartiles([5.0, 1.0, 4.0, 2.0, 3.0])
    assert (q["median"], q["q25"], q["q75"], q["n"]) == (3.0, 2.0, 4.0, 5)
    assert q["values"] == [5.0, 1.0, 4.0, 2.0, 3.0]


def test_a_run_of_the_same_search_elsewhere_is_reused_and_another_search_is_not(tmp_path):
    from pathlib import Path

    from evo_cosearch.bench.runset import RunSpec, run_all
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem

    problem = load_problem(Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml")
    acc = ProxyAccuracy(problem)

    def spec(run_dir, reuse=None):
        return RunSpec(label="nsga2", seed=0, run_dir=tmp_path / run_dir, problem=problem, strategy="nsga2",
                       accuracy_fn=acc, reuse=None if reuse is None else tmp_path / reuse)

    [first] = run_all([spec("elsewhere")], pop=6, gens=2, progress=False)
    [reused] = run_all([spec("mine", reuse="elsewhere")], pop=6, gens=2, progress=False)
    assert reused.run_dir == tmp_path / "elsewhere" and not (tmp_path / "mine").exists()
    assert reused.designs.genome.tolist() == first.designs.genome.tolist()
    [own] = run_all([spec("mine", reuse="elsewhere")], pop=4, gens=2, progress=False)  # another budget
    assert own.run_dir == tmp_path / "mine" and len(own.designs) == 8


class _Shifted:
    """The proxy accuracy moved by ``delta``, claiming to come from supernet file ``sha``."""

    def __init__(self, problem, delta=0.0, sha=None):
        from evo_cosearch.evaluate import ProxyAccuracy

        self.proxy, self.delta, self.sha = ProxyAccuracy(problem), delta, sha
        if sha is None:
            self.source = None

    def __call__(self, X):
        return self.proxy(X) + self.delta

    def source(self):
        return {"supernet": f"{self.sha}.pt", "sha256": self.sha}


def _runs(tmp_path, accuracy_fn, out="run"):
    from pathlib import Path

    from evo_cosearch.bench.runset import RunSpec, run_all
    from evo_cosearch.problem import load_problem

    problem = load_problem(Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml")
    spec = RunSpec(label="nsga2", seed=0, run_dir=tmp_path / out, problem=problem, strategy="nsga2",
                   accuracy_fn=accuracy_fn(problem))
    return run_all([spec], pop=6, gens=2, progress=False)


def test_a_run_without_a_recorded_supernet_is_reused_within_a_validation_image_or_so(tmp_path):
    _runs(tmp_path, lambda p: _Shifted(p))
    _runs(tmp_path, lambda p: _Shifted(p, delta=0.001))  # another thread count: one image in 1000 moves
    with pytest.raises(InputError, match="not this benchmark's"):
        _runs(tmp_path, lambda p: _Shifted(p, delta=0.02))


def test_a_run_with_a_recorded_supernet_is_reused_by_its_file_hash(tmp_path):
    _runs(tmp_path, lambda p: _Shifted(p, sha="aaa"))
    _runs(tmp_path, lambda p: _Shifted(p, sha="aaa", delta=0.02))  # same file: not re-scored
    with pytest.raises(InputError, match="sha256 aaa.*sha256 bbb"):
        _runs(tmp_path, lambda p: _Shifted(p, sha="bbb"))


def _edited_copy(tmp_path, old="epochs: 20", new="epochs: 2"):
    """demo_digits copied and edited, keeping its name: (another supernet section)."""
    from pathlib import Path

    from evo_cosearch.problem import load_problem

    text = (Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml").read_text()
    copy = tmp_path / "copy.yaml"
    copy.write_text(text.replace(old, new))
    return load_problem(copy)


def test_a_run_another_supernet_scored_is_refused_before_the_supernet_is_made(tmp_path, monkeypatch):
    """A copy of a problem, edited but keeping its name:, shares the default run folders: its benchmark
    trained its own supernet (minutes to hours) and only then refused the original's runs."""
    from evo_cosearch.bench.runset import RunSpec, check_runs
    from evo_cosearch.evaluate import file_sha256

    monkeypatch.chdir(tmp_path)  # the cached supernets are results/supernets/*
    ckpt = tmp_path / "original.pt"
    ckpt.write_bytes(b"a supernet")
    sha = file_sha256(ckpt)[:16]
    [run] = _runs(tmp_path, lambda p: _Shifted(p, sha=sha))
    copy = _edited_copy(tmp_path)

    def spec(problem):
        return RunSpec("nsga2", 0, run.run_dir, problem, "nsga2", None)
    with pytest.raises(InputError, match=(
            r"run: run was scored by supernet \w+\.pt \(sha256 \w+\), not supernet results/supernets/demo_digits-\w+"
            r"\.pt \(to be trained\), the cached one of .*copy\.yaml; it is a run of another problem named "
            r"'demo_digits' \(its file: .*run/problem\.yaml\); give .*copy\.yaml a name: of its own, or use another "
            r"out_dir$")):
        check_runs([spec(copy)], pop=6, gens=2, proxy=False)
    check_runs([spec(copy)], pop=6, gens=2, proxy=False, supernet=ckpt)  # the run's own supernet
    check_runs([spec(copy)], pop=6, gens=2)  # not a supernet-scored benchmark: not checked
    other = tmp_path / "other.pt"
    other.write_bytes(b"another supernet")
    edited = spec(_edited_copy(tmp_path, new="epochs: 20"))  # the run's own problem, another supernet
    with pytest.raises(InputError, match=r"not supernet .*other\.pt; use another out_root directory, or supernet "
                                         "with the run's checkpoint$"):  # the caller's parameters, from Python
        check_runs([edited], pop=6, gens=2, proxy=False, supernet=other, out_arg="out_root")
    with cli_names(), pytest.raises(InputError, match=r"not supernet .*other\.pt; use another --out directory, or "
                                                      "--supernet with the run's checkpoint$"):  # the CLI's flags
        check_runs([edited], pop=6, gens=2, proxy=False, supernet=other, out_arg="out_root")
    assert not (tmp_path / "results").exists()  # nothing trained, nothing written


def _half_the_latency(layers, accelerators):
    """Another hardware model than the built-in one a benchmark simulates with."""
    from evo_cosearch.hardware import simulate

    hw = simulate(layers, accelerators)
    hw.latency_ms[...] *= 0.5
    return hw


def test_a_run_of_another_hardware_model_is_refused_up_front_and_not_reused(tmp_path):
    """A run a user's ``simulate_fn`` made passed the checks before the shared accuracy source was made
    (and as a ``reuse`` folder), then the benchmark's search refused it."""
    from pathlib import Path

    from evo_cosearch.api import search
    from evo_cosearch.bench.runset import RunSpec, check_runs, run_all
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem

    problem = load_problem(Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml")
    acc = ProxyAccuracy(problem)
    search(problem, out=tmp_path / "elsewhere", pop=6, gens=2, seed=0, strategy="nsga2", accuracy_fn=acc,
           simulate_fn=_half_the_latency, quiet=True, progress=False).close()

    def spec(run_dir, reuse=None):
        return RunSpec(label="nsga2", seed=0, run_dir=tmp_path / run_dir, problem=problem, strategy="nsga2",
                       accuracy_fn=acc, reuse=None if reuse is None else tmp_path / reuse)

    with pytest.raises(InputError, match=r"elsewhere: run's hardware metrics came from simulate_fn \S+"
                                         r"_half_the_latency, not the built-in simulator"):
        check_runs([spec("elsewhere")], pop=6, gens=2)
    [own] = run_all([spec("mine", reuse="elsewhere")], pop=6, gens=2, progress=False)
    assert own.run_dir == tmp_path / "mine"


def test_a_closed_output_stops_the_benchmark_after_the_run_it_finished(tmp_path, monkeypatch):
    """``bench strategies ... 2>&1 | head``: the line of a finished run meets a closed pipe. The benchmark
    ended quietly with exit code 0; now it stops as a search does (OutputClosed: exit 141), keeping the run."""
    import io
    import sys
    from pathlib import Path

    from evo_cosearch.bench.runset import RunSpec, run_all
    from evo_cosearch.errors import OutputClosed
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem

    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    problem = load_problem(Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml")
    specs = [RunSpec(label=s, seed=0, run_dir=tmp_path / s, problem=problem, strategy=s,
                     accuracy_fn=ProxyAccuracy(problem)) for s in ("nsga2", "random")]
    monkeypatch.setattr(sys, "stderr", Closed())
    with pytest.raises(OutputClosed) as stop:
        run_all(specs, pop=4, gens=1, progress=True)
    assert str(stop.value) == (f"1 of 2 runs done, the last in {tmp_path / 'nsga2'}: run the same command again to "
                               "reuse them")
    assert (tmp_path / "nsga2" / "archive.sqlite").exists() and not (tmp_path / "random").exists()


def test_checks_name_the_argument_from_python_and_the_flag_from_the_command_line():
    # they named the command line's flags to Python callers (bench_strategies(seeds=...)) too
    from evo_cosearch.bench.runset import check_seeds, check_strategies, shared_accuracy
    from evo_cosearch.errors import cli_names
    from evo_cosearch.problem import load_problem

    calls = [(lambda: check_seeds([1, 1]), "seeds: give distinct seeds", "--seeds: give distinct seeds"),
             (lambda: check_strategies(["annealing"]), "strategies: unknown strategy 'annealing'",
              "--strategies: unknown strategy 'annealing'"),
             (lambda: shared_accuracy(load_problem("demo_digits"), supernet="s.pt", proxy=True),
              "proxy_accuracy and supernet exclude each other", "--proxy-accuracy and --supernet exclude each other")]
    for call, python, cli in calls:
        with pytest.raises(InputError, match=f"^{python}"):
            call()
        with cli_names(), pytest.raises(InputError, match=f"^{cli}"):
            call()


def test_a_run_elsewhere_is_reused_only_when_the_shared_source_reproduces_its_accuracies(tmp_path):
    """A run of the same search that another accuracy source scored is not reused, and not refused: the
    spec's own directory is run (no message: the other run is another benchmark's)."""
    from pathlib import Path

    from evo_cosearch.bench.runset import RunSpec, run_all
    from evo_cosearch.problem import load_problem

    problem = load_problem(Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml")

    def spec(run_dir, accuracy_fn, reuse=None):
        return RunSpec(label="nsga2", seed=0, run_dir=tmp_path / run_dir, problem=problem, strategy="nsga2",
                       accuracy_fn=accuracy_fn, reuse=None if reuse is None else tmp_path / reuse)

    run_all([spec("elsewhere", _Shifted(problem))], pop=6, gens=2, progress=False)
    [near] = run_all([spec("near", _Shifted(problem, delta=0.001), reuse="elsewhere")], pop=6, gens=2,
                     progress=False)  # within a validation image or so: reused
    assert near.run_dir == tmp_path / "elsewhere" and not (tmp_path / "near").exists()
    [own] = run_all([spec("mine", _Shifted(problem, delta=0.02), reuse="elsewhere")], pop=6, gens=2, progress=False)
    assert own.run_dir == tmp_path / "mine" and len(own.designs) == 12
    assert np.allclose(own.designs.metrics["accuracy"], _Shifted(problem, delta=0.02)(own.designs.genome))
