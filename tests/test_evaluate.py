"""Evaluator: F/G/cv from metrics, accuracy asked once per unseen network, real simulator path."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import CONSTRAINT_ORDER, Evaluator, ProxyAccuracy, constraint_values
from evo_cosearch.problem import load_problem, parse_problem

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "problems" / "demo_digits.yaml"


def fake_simulate(layers, acc):
    """A transparent stand-in: metrics are simple functions of the accelerator genes."""
    return SimpleNamespace(latency_ms=acc.pes_x + 0.5, energy_uj=acc.simd_units / 16.0, area_mm2=acc.pes_y * 2.0)


class CountingAccuracy:
    def __init__(self, problem):
        self.proxy = ProxyAccuracy(problem)
        self.seen: list[np.ndarray] = []

    def __call__(self, X):
        self.seen.append(np.array(X))
        return self.proxy(X)


def with_constraints(text: str, constraints: str, objectives: str = "[error, edp, area_mm2, macs]") -> str:
    text = text.replace("constraints: {}", f"constraints: {constraints}")
    return text.replace("objectives: [error, latency_ms, energy_uj]", f"objectives: {objectives}")


def test_objectives_constraints_and_violation():
    text = with_constraints(DEMO.read_text(), "{min_accuracy: 0.5, max_latency_ms: 4.0, max_area_mm2: 9.0}")
    p = parse_problem(text)
    X = p.space.sample(64, np.random.default_rng(1))
    ev = Evaluator(p, ProxyAccuracy(p), simulate_fn=fake_simulate).evaluate(X)
    acc_arr = p.accelerator_arrays(X)
    m = ev.metrics
    np.testing.assert_allclose(m["latency_ms"], acc_arr.pes_x + 0.5)
    np.testing.assert_allclose(m["edp"], m["energy_uj"] * m["latency_ms"])
    np.testing.assert_allclose(m["error"], 1.0 - m["accuracy"])
    la = p.workload(X)
    np.testing.assert_array_equal(m["macs"], la.macs.sum(1))
    np.testing.assert_array_equal(m["params"], la.params.sum(1))
    np.testing.assert_array_equal(ev.F, np.column_stack([m["error"], m["edp"], m["area_mm2"], m["macs"]]))
    # G columns follow CONSTRAINT_ORDER: latency, area, accuracy
    expected_G = np.column_stack([m["latency_ms"] / 4.0 - 1, m["area_mm2"] / 9.0 - 1, 0.5 - m["accuracy"]])
    np.testing.assert_allclose(ev.G, expected_G)
    np.testing.assert_allclose(ev.cv, np.maximum(expected_G, 0).sum(1))
    np.testing.assert_array_equal(ev.feasible, (expected_G <= 0).all(1))
    assert ev.feasible.any() and not ev.feasible.all()
    assert ev.seconds.shape == (64,) and np.all(ev.seconds >= 0)


def test_constraint_order_is_fixed_whatever_the_file_order():
    metrics = {"accuracy": np.array([0.9]), "latency_ms": np.array([2.0]), "area_mm2": np.array([1.0]),
               "energy_uj": np.array([3.0])}
    G = constraint_values(metrics, {"min_accuracy": 0.95, "max_energy_uj": 6.0, "max_latency_ms": 1.0})
    np.testing.assert_allclose(G, [[1.0, -0.5, 0.05]])
    assert CONSTRAINT_ORDER == ("max_latency_ms", "max_area_mm2", "max_energy_uj", "min_accuracy")
    assert constraint_values(metrics, {}).shape == (1, 0)


def test_accuracy_asked_once_per_unseen_network():
    p = load_problem(DEMO)
    rng = np.random.default_rng(2)
    X = p.space.sample(20, rng)
    acc_genes = ~p.network_gene_mask
    Y = X.copy()
    Y[:, acc_genes] = p.space.sample(20, rng)[:, acc_genes]  # same networks, other accelerators
    fn = CountingAccuracy(p)
    ev = Evaluator(p, fn, simulate_fn=fake_simulate)
    a = ev.evaluate(np.vstack([X, X[:5]])).metrics["accuracy"]
    assert len(fn.seen) == 1 and len(fn.seen[0]) == len(np.unique(X[:, p.network_gene_mask], axis=0))
    b = ev.evaluate(Y).metrics["accuracy"]
    assert len(fn.seen) == 1  # every network already known
    np.testing.assert_array_equal(a[:20], b)
    np.testing.assert_array_equal(a[20:], a[:5])
    fresh = Evaluator(p, CountingAccuracy(p), simulate_fn=fake_simulate)
    fresh.remember(X, a[:20])
    np.testing.assert_array_equal(fresh.accuracy(Y), a[:20])
    assert fresh.accuracy_fn.seen == []


def test_proxy_depends_only_on_network_genes():
    p = load_problem(DEMO)
    rng = np.random.default_rng(3)
    X = p.space.sample(50, rng)
    Y = X.copy()
    Y[:, ~p.network_gene_mask] = p.space.sample(50, rng)[:, ~p.network_gene_mask]
    a = ProxyAccuracy(p)(X)
    np.testing.assert_array_equal(a, ProxyAccuracy(p)(Y))
    assert np.all((a > 0) & (a < 1)) and np.ptp(a) > 0.05


def test_real_simulator_path():
    p = load_problem(DEMO)
    X = p.space.sample(16, np.random.default_rng(4))
    ev = Evaluator(p, ProxyAccuracy(p)).evaluate(X)
    assert ev.F.shape == (16, 3) and ev.G.shape == (16, 0)
    for name in ("latency_ms", "energy_uj", "area_mm2", "edp"):
        assert np.all(np.isfinite(ev.metrics[name])) and np.all(ev.metrics[name] > 0), name
    assert ev.feasible.all()


def one_value(X):
    return np.zeros(1)


def not_numbers(X):
    return ["high"] * len(X)


@pytest.mark.parametrize("fn, said", [
    (one_value, r"returned 1 values for 8 genomes"),
    (not_numbers, r"returned \['high', 'high', .*\], not an array of numbers"),
    (lambda X: None, "returned None, not an array of numbers")])
def test_an_accuracy_function_that_returns_no_accuracy_per_genome_is_a_one_line_input_error(fn, said):
    p = load_problem(DEMO)
    ev = Evaluator(p, fn, simulate_fn=fake_simulate)
    with pytest.raises(InputError, match=rf"^accuracy_fn \S*{fn.__qualname__.replace('<', '.').replace('>', '.')} "
                                         rf"{said}; return one accuracy per row of X, shape \(8,\)$"):
        ev.evaluate(p.space.sample(8, np.random.default_rng(5)))
    assert ev.n_cached == 0
    named = Evaluator(p, fn, simulate_fn=fake_simulate, accuracy_name="mine.f")  # the user's, inside a wrapper
    with pytest.raises(InputError, match=r"^accuracy_fn mine\.f returned"):
        named.evaluate(p.space.sample(8, np.random.default_rng(5)))


def test_supernet_accuracy_pickles_without_its_evaluator():
    import pickle

    from evo_cosearch.evaluate import SupernetAccuracy
    p = load_problem(DEMO)
    fn = SupernetAccuracy(p, "ckpt.pt", seed=3)
    fn._evaluator = object()  # a loaded model stays in its process
    copy = pickle.loads(pickle.dumps(fn))
    assert copy._evaluator is None and copy.checkpoint == "ckpt.pt" and copy.seed == 3
    assert copy.problem.space.n_var == p.space.n_var


@pytest.mark.parametrize("value", [97.0, -0.1, np.nan])
def test_accuracy_that_is_not_a_fraction_is_refused_not_archived(value, tmp_path):
    from evo_cosearch.api import search

    p = load_problem(DEMO)
    ev = Evaluator(p, lambda X: np.full(len(X), value), simulate_fn=fake_simulate)
    with pytest.raises(InputError, match=rf"^accuracy_fn \S*<lambda> returned {value} for genome \[[0-9, ]+\] "
                                         r"\(3 of 3 not a fraction in \[0, 1\]; write 0.9 for 90%\)$"):
        ev.evaluate(p.space.sample(3, np.random.default_rng(0)))
    assert ev.n_cached == 0
    with pytest.raises(InputError, match="not a fraction"):
        search(p, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=lambda X: np.full(len(X), value), quiet=True)
    assert not (tmp_path / "run").exists()  # nothing half-made


class Percentages:
    """The proxy's accuracies, as fractions until call ``from_call`` (1 = the first), then in %."""

    def __init__(self, problem, from_call=None):
        self.proxy, self.from_call, self.calls = ProxyAccuracy(problem), from_call, 0

    def source(self):
        return {"kind": "custom", "function": "Percentages"}

    def __call__(self, X):
        self.calls += 1
        return self.proxy(X) * (100 if self.from_call is not None and self.calls >= self.from_call else 1)


def test_an_accuracy_function_going_wrong_mid_run_leaves_the_completed_generations_whole(tmp_path):
    from evo_cosearch.api import search
    from evo_cosearch.archive import open_archive

    p = load_problem(DEMO)
    run = tmp_path / "run"
    with pytest.raises(InputError, match=r"^accuracy_fn \S*Percentages returned [0-9.]+ for genome \[[0-9, ]+\] "
                                         r"\(\d+ of \d+ not a fraction in \[0, 1\]; write 0.9 for 90%\)$"):
        search(p, out=run, pop=6, gens=4, seed=0, accuracy_fn=Percentages(p, from_call=3), quiet=True)
    with open_archive(run) as arc:  # the third generation's designs are nowhere: neither archived nor half-written
        d = arc.designs()
        assert arc.meta.status == "failed" and len(arc.history()) == 2 and len(d) == 12
        assert sorted(set(d.generation.tolist())) == [0, 1] and np.all(d.metrics["accuracy"] <= 1)
    with search(p, out=run, accuracy_fn=Percentages(p), quiet=True) as arc:  # and the run resumes from them
        assert arc.meta.status == "completed" and len(arc.history()) == 4 and len(arc.designs()) == 24


def _nan_latency(layers, acc):
    return SimpleNamespace(latency_ms=np.full(acc.n, np.nan), energy_uj=np.ones(acc.n), area_mm2=np.ones(acc.n))


@pytest.mark.parametrize("fn, said", [
    (_nan_latency, r"returned latency_ms nan for genome \[[0-9, ]+\] \(8 of 8 not a finite number >= 0\)"),
    (lambda layers, acc: SimpleNamespace(latency_ms=np.ones(acc.n), energy_uj=-np.ones(acc.n), area_mm2=np.ones(acc.n)),
     r"returned energy_uj -1.0 for genome \[[0-9, ]+\] \(8 of 8 not a finite number >= 0\)"),
    (lambda layers, acc: SimpleNamespace(latency_ms=np.ones(1), energy_uj=np.ones(acc.n), area_mm2=np.ones(acc.n)),
     r"returned 1 latency_ms values for 8 designs; return one per design, shape \(8,\)"),
    (lambda layers, acc: SimpleNamespace(latency_ms="fast", energy_uj=np.ones(acc.n), area_mm2=np.ones(acc.n)),
     r"returned latency_ms 'fast', not an array of numbers; return one per design, shape \(8,\)"),
    (lambda layers, acc: SimpleNamespace(latency_ms=np.ones(acc.n)),
     r"returned namespace\(latency_ms=.*\), which has no attribute energy_uj; return an object with latency_ms, "
     r"energy_uj and area_mm2, one value per design each \(as evo_cosearch.hardware.simulate's HardwareMetrics\)"),
    (lambda layers, acc: {"latency_ms": np.ones(acc.n)}, r"returned \{'latency_ms': .*\}, which has no attribute "
                                                          r"latency_ms; return an object with latency_ms, .*"),
    (lambda layers, acc: None, r"returned None, which has no attribute latency_ms; return an object with .*"),
])
def test_a_simulate_fn_that_returns_no_metric_per_design_is_a_one_line_input_error(fn, said):
    p = load_problem(DEMO)
    with pytest.raises(InputError, match=rf"^simulate_fn \S+{fn.__name__.replace('<', '.').replace('>', '.')} "
                                         rf"{said}$"):
        Evaluator(p, ProxyAccuracy(p), simulate_fn=fn).evaluate(p.space.sample(8, np.random.default_rng(5)))


def test_a_search_with_a_bad_simulate_fn_leaves_nothing(tmp_path):
    from evo_cosearch.api import search

    p = load_problem(DEMO)
    with pytest.raises(InputError, match=r"^simulate_fn \S+_nan_latency returned latency_ms nan"):
        search(p, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(p), simulate_fn=_nan_latency,
               quiet=True)
    assert not (tmp_path / "run").exists()  # not 'NOT NULL constraint failed', nor half a run
