"""A search space as text: its size, one line per gene, or its JSON form."""

from __future__ import annotations

import json
from pathlib import Path

from evo_cosearch.problem import load_problem
from evo_cosearch.space import show_space

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


def test_the_table_is_the_size_then_one_line_per_gene_in_genome_order():
    p = load_problem(PROBLEMS / "demo_digits.yaml")
    lines = show_space(p.space, p.network, name=p.name).split("\n")
    assert lines[0] == (f"problem demo_digits: {p.space.n_var} genes, {p.space.size:.3e} genomes ({p.space.size} "
                        "exactly; those differing only in the block slots a stage depth leaves out are one design)")
    assert len(lines) == 1 + p.space.n_var
    width = max(map(len, p.space.names))
    for i, (line, gene) in enumerate(zip(lines[1:], p.space.genes)):
        assert line.split()[:4] == [str(i), gene.name, gene.kind, str(gene.cardinality)]
        assert line.startswith(f"{i:>3}  {gene.name:<{width}}  ") and line.endswith(f"  {list(gene.values)}")


def test_a_space_of_fixed_depths_has_no_unused_slots_and_json_is_its_dict():
    p = load_problem(PROBLEMS / "autoqkeras_digits.yaml")  # every stage depth fixed
    assert show_space(p.space, p.network, name=p.name).split("\n")[0].endswith(f"genomes ({p.space.size} exactly)")
    assert json.loads(show_space(p.space, p.network, name=p.name, fmt="json")) == {
        "problem": "autoqkeras_digits", **p.space.to_dict(), "note": None}


def test_the_json_names_the_problem_and_says_what_the_table_says_of_genomes_and_designs():
    # it had the genes and the size only
    p = load_problem(PROBLEMS / "demo_digits.yaml")
    assert json.loads(show_space(p.space, p.network, name=p.name, fmt="json")) == {
        "problem": "demo_digits", **p.space.to_dict(),
        "note": "genomes differing only in the block slots a stage depth leaves out are one design"}
