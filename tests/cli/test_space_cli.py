"""``evo-cosearch space show``: genes and space size; the whole problem file is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evo_cosearch.cli import main
from evo_cosearch.problem import load_problem

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


def test_show_lists_every_gene_and_the_space_size(capsys):
    space = load_problem(DEMO).space
    assert main(["space", "show", "--problem", str(DEMO)]) == 0
    out = capsys.readouterr().out
    # genomes, not designs: a stage of depth 1 leaves its second slot's genes unused
    assert f"{space.n_var} genes, {space.size:.3e} genomes ({space.size} exactly; those differing only in the " \
           "block slots a stage depth leaves out are one design)" in out
    assert all(name in out for name in space.names)
    assert main(["space", "show", "--problem", str(DEMO), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["problem"] == "demo_digits" and shown["note"].endswith("are one design")
    assert {k: shown[k] for k in ("genes", "size")} == space.to_dict()
    fixed = Path(__file__).resolve().parents[2] / "problems" / "autoqkeras_digits.yaml"  # every depth fixed
    assert main(["space", "show", "--problem", str(fixed)]) == 0
    assert f"genomes ({load_problem(fixed).space.size} exactly)\n" in capsys.readouterr().out


@pytest.mark.parametrize("search, needle", [("{popp: 8}", "search.popp: unknown key"),
                                            ("{pop: eight}", "search.pop: 'eight' is not an integer"),
                                            ("{mutation_prob: 1.5}", "search.mutation_prob: 1.5 is not a probability"),
                                            ("{accelerator_repair: fronts}", "unknown accelerator_repair 'fronts'")])
def test_a_bad_search_section_is_an_error_here_too(search, needle, tmp_path, capsys):
    text = DEMO.read_text()
    start = text.index("\nsearch:")
    end = text.index("\n", start + 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text[:start] + f"\nsearch: {search}" + text[end:])
    assert main(["space", "show", "--problem", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and needle in err and len(err.strip().splitlines()) == 1


def test_an_empty_problem_path_is_named_as_such(capsys):
    # it said ".: cannot read problem file (IsADirectoryError)"
    assert main(["space", "show", "--problem", ""]) == 2
    assert capsys.readouterr().err == "error: an empty path given for the problem file\n"


def test_help_describes_every_option(capsys):
    # --format had no help
    import argparse

    from evo_cosearch.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["space"]
    show = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction)).choices["show"]
    assert [a.option_strings[0] for a in show._actions if a.option_strings and not a.help] == []
