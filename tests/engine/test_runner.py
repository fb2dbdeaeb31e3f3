"""Run loop: determinism, archive-wide Pareto set, resume after SIGKILL, NSGA-III, infeasible runs."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from evo_cosearch.api import search
from evo_cosearch.archive import non_dominated, open_archive
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem, parse_problem

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "problems" / "demo_digits.yaml"


def run(out, problem=DEMO, **kw):
    p = problem if not isinstance(problem, (str, Path)) else load_problem(problem)
    kw.setdefault("accuracy_fn", ProxyAccuracy(p))
    arc = search(p, out=out, quiet=True, **{"pop": 12, "gens": 4, "seed": 3, **kw})
    arc.close()
    return out


def test_same_seed_same_archive_and_history(tmp_path, contents):
    a, b = run(tmp_path / "a"), run(tmp_path / "b")
    assert contents(a) == contents(b)
    c = run(tmp_path / "c", seed=4)
    assert contents(c)[0] != contents(a)[0]
    with open_archive(a) as arc:
        hist = arc.history()
        assert [h.generation for h in hist] == [0, 1, 2, 3]
        assert [h.n_evals for h in hist] == list(np.cumsum([12] * 4))  # offspring per generation = pop
        hv = [h.hypervolume for h in hist]
        assert all(x <= y + 1e-12 for x, y in zip(hv, hv[1:])) and hv[0] > 0
        assert arc.meta.status == "completed" and arc.meta.hv_ref is not None
        assert (a / "problem.yaml").read_text() == DEMO.read_text()


def test_a_resume_with_fewer_gens_than_done_is_refused(tmp_path, contents):
    a = run(tmp_path / "a")  # 4 generations
    before = contents(a)
    with pytest.raises(InputError, match=r"^gens=2: run .* already has 4 generations .*give gens=4 or more\)$"):
        run(a, gens=2)
    assert contents(a) == before
    archive = (a / "archive.sqlite").read_bytes()
    run(a)  # the same --gens again: nothing to do, and nothing changes, not even its end time or file header
    assert contents(a) == before
    assert (a / "archive.sqlite").read_bytes() == archive
    assert sorted(p.name for p in a.iterdir()) == ["archive.sqlite", "problem.yaml"]


def test_pareto_is_nondominated_feasible_of_whole_archive(tmp_path):
    text = DEMO.read_text().replace("constraints: {}", "constraints: {max_latency_ms: 0.01}")
    run(tmp_path / "r", parse_problem(text), gens=5)
    with open_archive(tmp_path / "r") as arc:
        table, pareto = arc.designs(), arc.pareto()
        assert not table.feasible.all() and table.feasible.any()
        feas = np.flatnonzero(table.feasible)
        F = table.F[feas]
        brute = [i for i in range(len(F)) if not np.any(np.all(F <= F[i], 1) & np.any(F < F[i], 1))]
        expected = {tuple(table.genome[feas[i]]) for i in brute}
        assert {tuple(g) for g in pareto.genome} == expected
        assert pareto.feasible.all() and len(set(map(tuple, pareto.genome))) == len(pareto)
        assert set(non_dominated(pareto.F)) == set(range(len(pareto)))
        # the archive, not the last population, is the truth: some Pareto designs may be gone from it
        rec = pareto.record(0)
        assert set(rec) >= {"id", "generation", "genome", "feasible", "objectives", "network", "accelerator"}
        design = arc.problem().design(rec["genome"])
        assert rec["network"] == json.loads(json.dumps(design.network.to_dict()))
        assert rec["accelerator"] == design.accelerator.to_dict()


def test_constraint_nobody_meets_completes_with_closest(tmp_path, capsys):
    text = DEMO.read_text().replace("constraints: {}", "constraints: {min_accuracy: 0.9999}")
    p = parse_problem(text)
    arc = search(p, out=tmp_path / "r", pop=8, gens=2, seed=0, accuracy_fn=ProxyAccuracy(p), progress=False)
    out = capsys.readouterr().out
    assert "0 feasible designs" in out and "closest design: id" in out
    assert arc.meta.status == "completed" and len(arc.pareto()) == 0 and len(arc.designs()) == 16
    assert arc.history()[-1].hypervolume == 0.0
    arc.close()


def test_nsga3_four_objectives_resumes_identically(tmp_path, contents):
    text = DEMO.read_text().replace("objectives: [error, latency_ms, energy_uj]",
                                    "objectives: [error, latency_ms, energy_uj, area_mm2]")
    text = text.replace("search: {pop: 24, gens: 10, seed: 0, mutation_prob: 0.067}",
                        "search: {pop: 15, gens: 4, seed: 1, algorithm: nsga3}")
    p = parse_problem(text)
    run(tmp_path / "full", p, pop=None, gens=None, seed=None)
    run(tmp_path / "part", p, pop=None, gens=2, seed=None)
    run(tmp_path / "part", p, pop=None, gens=4, seed=None)
    assert contents(tmp_path / "full") == contents(tmp_path / "part")


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from evo_cosearch.api import search
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem

    class SlowProxy(ProxyAccuracy):
        def __call__(self, X):
            time.sleep(0.25)
            return super().__call__(X)

    p = load_problem(sys.argv[1])
    search(p, out=sys.argv[2], pop=12, gens=8, seed=5, accuracy_fn=SlowProxy(p), quiet=True)
""")


def test_resume_after_sigkill_equals_uninterrupted_run(tmp_path, contents):
    script = tmp_path / "slow_search.py"
    script.write_text(KILL_SCRIPT)
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, str(script), str(DEMO), str(killed)], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (killed / "archive.sqlite").exists():
                with open_archive(killed) as arc:  # a reader while the search runs
                    if len(arc.history()) >= 3:
                        break
            time.sleep(0.05)
        assert proc.poll() is None, "the search ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    with open_archive(killed) as arc:
        done = len(arc.history())
        assert arc.meta.status == "running" and 3 <= done < 8
        assert set(arc.designs().generation) == set(range(done))  # nothing half-written
    run(killed, pop=12, gens=8, seed=5)
    run(tmp_path / "straight", pop=12, gens=8, seed=5)
    assert contents(killed) == contents(tmp_path / "straight")
    with open_archive(killed) as a, open_archive(tmp_path / "straight") as b:
        assert a.meta.status == "completed"
        np.testing.assert_array_equal(a.pareto().id, b.pareto().id)
        np.testing.assert_array_equal(a.pareto().F, b.pareto().F)
    for run_dir in (killed, tmp_path / "straight"):  # finished: no WAL, shared memory or lock file left
        assert sorted(p.name for p in run_dir.iterdir()) == ["archive.sqlite", "problem.yaml"]


def test_workers_give_the_serial_result(tmp_path, contents):
    run(tmp_path / "serial", gens=3)
    run(tmp_path / "pool", gens=3, workers=2)
    assert contents(tmp_path / "serial") == contents(tmp_path / "pool")


def test_dask_cluster_gives_the_serial_result(tmp_path, contents):
    distributed = pytest.importorskip("distributed")
    run(tmp_path / "serial", gens=3)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp://",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1")
        run(tmp_path / "dask", gens=3, dask_scheduler=cluster.scheduler_address)
    assert contents(tmp_path / "serial") == contents(tmp_path / "dask")


def test_a_dask_cluster_without_workers_or_gone_mid_run_is_a_one_line_error(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import evo_cosearch.engine.parallel as parallel
    from evo_cosearch.errors import WorkerError

    with pytest.raises(InputError, match="^workers=2 with dask_scheduler: give one"):
        run(tmp_path / "both", workers=2, dask_scheduler="tcp://127.0.0.1:1")
    monkeypatch.setattr(parallel, "WORKER_WAIT_S", 1)
    kw = dict(threads_per_worker=1, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None)
    with distributed.LocalCluster(n_workers=0, **kw) as cluster:
        with pytest.raises(WorkerError, match="connected, but no worker joined it within 1 s"):
            run(tmp_path / "none", dask_scheduler=cluster.scheduler_address)
    assert not (tmp_path / "none").exists()

    problem = load_problem(DEMO)
    X = problem.space.sample(4, np.random.default_rng(0))
    cluster = distributed.LocalCluster(n_workers=1, **kw)
    acc = parallel.DaskAccuracy(ProxyAccuracy(problem), cluster.scheduler_address)
    assert len(acc(X)) == 4
    cluster.close()  # the cluster goes away between two generations
    with pytest.raises(WorkerError, match="the cluster stopped evaluating .* run the same command again") as err:
        acc(X)
    assert "\n" not in str(err.value)
    acc.close()


def test_real_supernet_end_to_end_serial_equals_workers(tmp_path, monkeypatch, contents):
    """The product path: supernet trained and cached under results/supernets, then evaluated
    in-process and on two worker processes with identical results (tiny settings)."""
    monkeypatch.chdir(tmp_path)
    cfg = yaml.safe_load(DEMO.read_text())
    cfg.update(supernet={"epochs": 1, "max_train_images": 128}, evaluation={"recal_images": 32, "val_images": 64})
    p = parse_problem(yaml.safe_dump(cfg))
    with search(p, out="serial", pop=4, gens=1, seed=0, quiet=True) as arc:
        acc = arc.designs().metrics["accuracy"]
        assert len(acc) == 4 and np.all((acc >= 0) & (acc <= 1)) and arc.meta.status == "completed"
    assert len(list((tmp_path / "results" / "supernets").glob("*.pt"))) == 1
    with search(p, out="pool", pop=4, gens=1, seed=0, quiet=True, workers=2) as arc:
        np.testing.assert_array_equal(arc.designs().metrics["accuracy"], acc)
    assert contents(tmp_path / "serial") == contents(tmp_path / "pool")


def test_a_new_run_that_fails_before_its_first_generation_leaves_nothing(tmp_path):
    def broken(genomes):
        raise RuntimeError("accuracy failed")

    out = tmp_path / "new" / "run"
    with pytest.raises(RuntimeError, match="accuracy failed"):
        run(out, accuracy_fn=broken)
    assert not out.exists() and not (tmp_path / "new").exists()  # the folders it made are gone
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "keep.txt").write_text("x")
    with pytest.raises(RuntimeError, match="accuracy failed"):
        run(tmp_path / "new" / "a" / "b" / "run", accuracy_fn=broken)
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["keep.txt"]  # only what this run made
    run(out)  # the corrected command starts a fresh run, not a refused resume
    with open_archive(out) as arc:
        assert arc.meta.status == "completed" and len(arc.designs()) == 48

    calls = []

    def fails_later(genomes):
        calls.append(len(genomes))
        if len(calls) > 1:
            raise RuntimeError("accuracy failed")
        return ProxyAccuracy(load_problem(DEMO))(genomes)

    later = tmp_path / "later"
    with pytest.raises(RuntimeError):
        run(later, accuracy_fn=fails_later)
    with open_archive(later) as arc:  # a committed generation stays, and the run can be resumed
        assert arc.meta.status == "failed" and len(arc.designs()) == 12


class _DiesInAWorker:
    """An accuracy function whose worker process dies, as one killed or out of memory does."""

    def __call__(self, genomes):
        os._exit(7)


def test_a_worker_process_that_dies_is_a_one_line_error(tmp_path):
    from evo_cosearch.errors import WorkerError

    with pytest.raises(WorkerError, match=r"^workers=2: a worker process died .* run the same command again"):
        run(tmp_path / "w", accuracy_fn=_DiesInAWorker(), workers=2)
    assert not (tmp_path / "w").exists()  # nothing committed: nothing left


class _InPercent:
    """An accuracy function that answers in percent (95.0, not 0.95)."""

    def __call__(self, genomes):
        return np.full(len(genomes), 95.0)


def test_a_bad_accuracy_from_the_workers_names_the_users_function_not_the_pool(tmp_path):
    with pytest.raises(InputError, match=r"^accuracy_fn \S*_InPercent returned 95.0 for genome \[[0-9, ]+\] "
                                         r"\(12 of 12 not a fraction in \[0, 1\]; write 0.9 for 90%\)$"):
        run(tmp_path / "w", accuracy_fn=_InPercent(), workers=1)
    assert not (tmp_path / "w").exists()  # nothing committed: nothing left


def test_an_accuracy_function_the_workers_cannot_get_is_a_one_line_error(tmp_path):
    with pytest.raises(InputError, match=r"^workers=2: the accuracy function cannot be pickled .* not a lambda"):
        run(tmp_path / "lambda", accuracy_fn=lambda X: np.full(len(X), 0.5), workers=2)
    with pytest.raises(InputError, match=r"^dask_scheduler: the accuracy function cannot be pickled"):
        run(tmp_path / "lambda", accuracy_fn=lambda X: np.full(len(X), 0.5), dask_scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "lambda").exists()
    # a function of `python -c`'s __main__ pickles by name, but spawned workers cannot import it
    script = textwrap.dedent(f"""
        import numpy as np
        import evo_cosearch as ec
        def acc(X):
            return np.full(len(X), 0.5)
        ec.search({str(DEMO)!r}, out="run", pop=4, gens=1, accuracy_fn=acc, workers=2, quiet=True)
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 1 and last.startswith("evo_cosearch.errors.InputError: a worker process cannot load "
                                                    "the accuracy function"), proc.stderr
    assert not (tmp_path / "run").exists()


def test_a_dask_scheduler_that_is_not_an_address_is_refused_at_once(tmp_path):
    # refused before connecting (Dask itself would wait 20 s, then fail with "cannot connect")
    with pytest.raises(InputError, match=r"^dask_scheduler='notanaddress': not a scheduler address"):
        run(tmp_path / "d", dask_scheduler="notanaddress")
    assert not (tmp_path / "d").exists()


def test_progress_in_a_log_file_is_one_line_per_generation(tmp_path, capsys):
    p = load_problem(DEMO)
    search(p, out=tmp_path / "logged", pop=4, gens=3, accuracy_fn=ProxyAccuracy(p)).close()
    err = capsys.readouterr().err.splitlines()  # stderr is not a terminal here, as in a log file
    lines = [line for line in err if line.startswith("logged: generation")]
    assert [line.split()[2] for line in lines] == ["1/3", "2/3", "3/3"] and "hv=" in lines[-1]
    assert not any("resuming" in line for line in err)
    search(p, out=tmp_path / "logged", pop=4, gens=5, accuracy_fn=ProxyAccuracy(p)).close()
    err = capsys.readouterr().err.splitlines()  # a resume says so before its first new generation ends
    assert err[0] == f"resuming {tmp_path / 'logged'} from generation 4 of 5 (3 completed)"
    assert [line.split()[2] for line in err[1:] if line.startswith("logged: generation")] == ["4/5", "5/5"]
    search(p, out=tmp_path / "logged", pop=4, gens=5, accuracy_fn=ProxyAccuracy(p)).close()
    assert not any("resuming" in line for line in capsys.readouterr().err.splitlines())  # nothing left to do


class _Terminal(io.StringIO):
    def isatty(self):
        return True


class _SlowProxy(ProxyAccuracy):
    """The proxy, slow enough that the bar draws every generation (tqdm redraws at most every 0.1 s)."""

    def __call__(self, X):
        time.sleep(0.15)
        return super().__call__(X)


def test_the_progress_bar_shows_each_generations_own_statistics(tmp_path, monkeypatch):
    # the statistics used to be set after the bar drew a generation: each showed the one before
    monkeypatch.setattr(sys, "stderr", _Terminal())
    p = load_problem(DEMO)
    search(p, out=tmp_path / "bar", pop=4, gens=3, accuracy_fn=_SlowProxy(p), quiet=False).close()
    shown = {}
    for frame in re.split(r"[\r\n]", sys.stderr.getvalue()):
        step = re.search(r" (\d)/3 ", frame)
        if step:
            hv = re.search(r"hv=([0-9.]+)", frame)
            shown.setdefault(int(step.group(1)), set()).add(hv and hv.group(1))
    with open_archive(tmp_path / "bar") as arc:
        want = {g + 1: {f"{h.hypervolume:.4f}"} for g, h in enumerate(arc.history())}
    assert shown == {0: {None}, **want}


class _SupernetLike(ProxyAccuracy):
    """The proxy's accuracies, recorded as a supernet's (no training in a test)."""

    def source(self):
        return {"kind": "supernet", "supernet": "/x/supernet.pt", "sha256": "0123456789abcdef",
                "evaluation_seed": 0, "threads": 1}


def test_a_resume_with_another_evaluation_section_is_refused(tmp_path):
    # other recalibration or validation images put a supernet's accuracies on another scale
    cfg = yaml.safe_load(DEMO.read_text())
    p = parse_problem(yaml.safe_dump(cfg))
    run(tmp_path / "r", p, gens=2, accuracy_fn=_SupernetLike(p))
    cfg["evaluation"]["val_images"] = 100
    other = parse_problem(yaml.safe_dump(cfg))
    with pytest.raises(InputError, match=r"r: run's supernet accuracies used evaluation.val_images=null, not 100; "
                                         r"resume it with its own problem file \(.*problem.yaml\)"):
        run(tmp_path / "r", other, gens=3, accuracy_fn=_SupernetLike(other))
    with open_archive(tmp_path / "r") as arc:
        assert len(arc.history()) == 2 and arc.meta.status == "completed"  # untouched
    run(tmp_path / "r", p, gens=3, accuracy_fn=_SupernetLike(p))  # the run's own section resumes
    run(tmp_path / "proxy", p, gens=2)
    run(tmp_path / "proxy", other, gens=3)  # the proxy reads no images


@pytest.mark.parametrize("strategy", ["random", "reinforce"])
def test_a_strategy_resumes_whatever_the_settings_it_does_not_use(tmp_path, contents, strategy):
    """`search.mutation_prob` tuned for nsga2 made every random and reinforce run refuse to resume."""
    cfg = yaml.safe_load(DEMO.read_text())
    cfg["search"].update(mutation_prob=0.2, crossover_prob=0.5, algorithm="nsga3")
    tuned = parse_problem(yaml.safe_dump(cfg))
    whole = run(tmp_path / "whole", strategy=strategy, gens=3)
    resumed = run(tmp_path / "resumed", strategy=strategy, gens=2)
    run(resumed, tuned, strategy=strategy, gens=3)
    assert contents(resumed) == contents(whole)
    with pytest.raises(InputError, match=r"run was made with algorithm='nsga2', not 'nsga3'"):
        run(run(tmp_path / "nsga2", gens=2), tuned, gens=3)  # nsga2 uses them


def _slower(layers, accelerators):
    """The built-in hardware model with twice its latency: another hardware model."""
    from evo_cosearch.hardware import simulate
    hw = simulate(layers, accelerators)
    return dataclasses.replace(hw, latency_ms=hw.latency_ms * 2)


def _slowest(layers, accelerators):
    hw = _slower(layers, accelerators)
    return dataclasses.replace(hw, latency_ms=hw.latency_ms * 2)


def test_a_run_records_its_simulate_fn_and_refuses_a_resume_with_another(tmp_path, contents):
    from evo_cosearch.hardware import simulate

    custom, builtin = tmp_path / "custom", tmp_path / "builtin"
    run(custom, gens=1, simulate_fn=_slower)
    run(builtin, gens=1)
    with open_archive(custom) as a, open_archive(builtin) as b:
        assert a.meta.simulator_source["kind"] == "custom" and a.meta.simulator_source["code"]
        assert a.meta.simulator_source["function"].endswith("test_runner._slower")
        assert b.meta.simulator_source == {"kind": "builtin"}
    before = contents(custom)
    name = re.escape(f"{_slower.__module__}._slower")
    for other, said in ((None, rf"came from simulate_fn {name}, not the built-in simulator \("),
                        (simulate, rf"came from simulate_fn {name}, not the built-in simulator \("),
                        (_slowest, rf"came from simulate_fn {name}, not simulate_fn \S+_slowest;")):
        with pytest.raises(InputError, match=rf"^{re.escape(str(custom))}: run's hardware metrics {said}.* use another "
                                             r"out directory, or resume it the way it was made$"):
            run(custom, gens=2, simulate_fn=other)
        assert contents(custom) == before  # nothing written
    with pytest.raises(InputError, match=rf"came from the built-in simulator \(evo_cosearch.hardware.simulate\), "
                                         rf"not simulate_fn {name}"):
        run(builtin, gens=2, simulate_fn=_slower)
    # a function edited since (here: another lambda of the same name) is another hardware model too
    lambdas = [lambda layers, accelerators: _slower(layers, accelerators),
               lambda layers, accelerators: _slowest(layers, accelerators)]
    run(tmp_path / "lambda", gens=1, simulate_fn=lambdas[0])
    with pytest.raises(InputError, match=r"came from another simulate_fn \S+<lambda>: its code differs"):
        run(tmp_path / "lambda", gens=2, simulate_fn=lambdas[1])
    run(custom, gens=2, simulate_fn=_slower)  # the run's own model resumes it, and so does the built-in one's
    run(builtin, gens=2, simulate_fn=simulate)
    with open_archive(custom) as a, open_archive(builtin) as b:
        assert len(a.history()) == len(b.history()) == 2
    # a run made before runs recorded their hardware model: nothing to compare, and nothing recorded since
    import sqlite3
    with sqlite3.connect(builtin / "archive.sqlite") as db:
        db.execute("DELETE FROM meta WHERE key = 'simulator_source'")
    db.close()
    run(builtin, gens=3, simulate_fn=_slower)
    with open_archive(builtin) as b:
        assert b.meta.simulator_source is None and len(b.history()) == 3
