"""Search settings: defaults, problem section, overrides and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from evo_cosearch.errors import InputError, ProblemError
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.engine.settings import search_settings

DEMO = (Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml").read_text()


def problem_with(search: str):
    return parse_problem(DEMO.replace("search: {pop: 24, gens: 10, seed: 0, mutation_prob: 0.067}",
                                      f"search: {search}"))


def test_problem_section_then_overrides():
    s = search_settings(problem_with("{pop: 12, gens: 3, seed: 4, crossover: two_point, mutation_prob: 0.2}"))
    assert (s.pop, s.gens, s.seed, s.crossover, s.mutation_prob, s.strategy) == (12, 3, 4, "two_point", 0.2, "nsga2")
    s = search_settings(problem_with("{pop: 12}"), pop=30, gens=None, seed=9)
    assert (s.pop, s.gens, s.seed) == (30, 10, 9)


@pytest.mark.parametrize("section, where", [
    ("{popsize: 10}", "search.popsize"),
    ("{pop: 0}", "search.pop"),
    ("{seed: 18446744073709551616}", "search.seed"),
    ("{gens: two}", "search.gens"),
    ("{crossover_prob: 1.5}", "search.crossover_prob"),
    ("{strategy: annealing}", "search.strategy"),
    ("{algorithm: moead}", "search.algorithm"),
    ("{reward: {target_latency_ms: .inf}}", "search.reward.target_latency_ms: inf is not a finite positive number"),
    ("{reward: {target_area_mm2: .inf}}", "search.reward.target_area_mm2: inf is not a finite positive number"),
    ("{reward: {target_latency_ms: .nan}}", "search.reward.target_latency_ms: nan is not a finite positive number"),
])
def test_bad_settings_name_the_key(section, where):
    with pytest.raises(ProblemError, match=where.replace(".", r"\.")) as info:
        search_settings(problem_with(section))
    assert "\n" not in str(info.value)


def test_the_files_section_is_checked_even_where_overridden_and_a_bad_override_names_its_flag(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(DEMO.replace("search: {pop: 24,", "search: {pop: abc,"))
    with pytest.raises(ProblemError, match=r"p\.yaml: search\.pop: 'abc'"):
        search_settings(load_problem(path), pop=12)
    with pytest.raises(InputError, match="^gens: 0 is not an integer >= 1$"):
        search_settings(problem_with("{pop: 12}"), gens=0)
    with pytest.raises(InputError, match=r"^seed: 18446744073709551616 is not below 2\*\*64 "):
        search_settings(problem_with("{pop: 12}"), seed=2 ** 64)
    assert search_settings(problem_with("{pop: 12}"), seed=2 ** 64 - 1).seed == 2 ** 64 - 1


def test_the_pymoo_free_names_are_those_of_the_strategies_and_crossovers():
    from evo_cosearch.engine.operators import CROSSOVERS
    from evo_cosearch.engine.settings import CROSSOVER_NAMES, STRATEGY_NAMES
    from evo_cosearch.engine.strategies import STRATEGIES

    assert (tuple(STRATEGIES), tuple(CROSSOVERS)) == (STRATEGY_NAMES, CROSSOVER_NAMES)
