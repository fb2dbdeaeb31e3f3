"""Operators: DEAP mutation (bounds, probability, determinism), crossover, duplicate elimination."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from pymoo.core.population import Population

from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.engine.operators import (
    DeapMutation, GenomeDuplicateElimination, make_crossover, python_random_state, set_python_random_state,
)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "problems" / "demo_digits.yaml"


def mutate(space, X, *, prob_var, seed=0, np_seed=0, eta=3.0):
    mut = DeapMutation(space, prob_var=prob_var, seed=seed, eta=eta)
    pop = Population.new("X", X.copy())
    return mut.do(None, pop, random_state=np.random.default_rng(np_seed)).get("X")


def test_mutation_stays_in_bounds_and_fixed_genes_stay():
    text = DEMO.read_text().replace("mac_bits: [4, 8, 16]", "mac_bits: [8]")
    space = parse_problem(text).space
    fixed = space.index_of("mac_bits")
    X = space.sample(300, np.random.default_rng(0))
    Y = mutate(space, X, prob_var=1.0, eta=0.5)
    assert Y.dtype == np.int64 and Y.shape == X.shape
    assert np.all(Y >= 0) and np.all(Y <= space.xu)
    np.testing.assert_array_equal(Y[:, fixed], 0)
    changed = (Y != X).mean(0)
    free = space.cardinalities > 1
    assert np.all(changed[free] > 0.1)  # every free gene does move under prob 1
    # both ends of an ordinal range are reachable
    w = space.index_of("pes_x")
    assert set(np.unique(Y[:, w])) == set(range(space.genes[w].cardinality))


def test_probability_zero_changes_nothing():
    space = load_problem(DEMO).space
    X = space.sample(100, np.random.default_rng(1))
    np.testing.assert_array_equal(mutate(space, X, prob_var=0.0), X)


def test_per_gene_probability_is_respected():
    space = load_problem(DEMO).space
    X = space.sample(400, np.random.default_rng(2))
    Y = mutate(space, X, prob_var=0.1, eta=0.5)
    rate = (Y != X).mean()
    assert 0.03 < rate < 0.1  # at most prob_var (a mutation may land on the same index)


def test_seeded_deap_is_deterministic_and_leaves_global_random_alone():
    space = load_problem(DEMO).space
    X = space.sample(60, np.random.default_rng(3))
    random.seed(1234)
    before = random.getstate()
    a = mutate(space, X, prob_var=0.3, seed=7)
    assert random.getstate() == before
    b = mutate(space, X, prob_var=0.3, seed=7)
    c = mutate(space, X, prob_var=0.3, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_python_random_state_round_trips_through_json_types():
    import json
    r = random.Random(5)
    r.random()
    state = json.loads(json.dumps(python_random_state(r)))
    s = random.Random(0)
    set_python_random_state(s, state)
    assert [r.random() for _ in range(5)] == [s.random() for _ in range(5)]


def test_crossover_children_take_each_gene_from_a_parent():
    space = load_problem(DEMO).space
    rng = np.random.default_rng(4)
    for name in ("uniform", "two_point"):
        P = space.sample(2 * 30, rng).reshape(2, 30, space.n_var)
        cx = make_crossover(name, prob=1.0)
        C = cx._do(None, P, random_state=np.random.default_rng(5))
        assert C.shape == P.shape
        from_a, from_b = C == P[0][None], C == P[1][None]
        assert np.all(from_a | from_b)


def test_duplicates_by_genome():
    X = np.array([[0, 1, 2], [0, 1, 2], [1, 1, 1], [2, 2, 2]])
    other = Population.new("X", np.array([[2, 2, 2]]))
    kept = GenomeDuplicateElimination().do(Population.new("X", X), other)
    np.testing.assert_array_equal(kept.get("X"), [[0, 1, 2], [1, 1, 1]])
