"""The shared argument parser: a value that starts with '-' and a digit (``--genome -1,0``) is a value;
``--version``; the help of every ``--problem`` option."""

from __future__ import annotations

from pathlib import Path

import pytest

from evo_cosearch.cli import main

GENOME = "-1," + ",".join(["0"] * 44)  # demo_digits has 45 genes; index -1 is out of range


@pytest.mark.parametrize("argv", [
    ["simulate", "--problem", "demo_digits", "--genome", GENOME],
    ["evaluate", "--problem", "demo_digits", "--supernet", "missing.pt", "--genome", GENOME],
    ["train-child", "--problem", "demo_digits", "--epochs", "1", "--genome", GENOME],
])
def test_a_genome_that_starts_with_a_minus_reaches_the_genome_check(argv, capsys):
    assert main(argv) == 2  # not argparse's "expected one argument"
    err = capsys.readouterr().err
    assert err == "error: genome position 0 (stem.width): index -1 is out of range 0..1\n"


def test_an_unknown_option_is_still_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--problem", "demo_digits", "--genome", "0", "-x1"])
    assert exc.value.code == 2 and "unrecognized arguments: -x1" in capsys.readouterr().err


def test_version_prints_the_package_version(capsys):
    import evo_cosearch

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == f"evo-cosearch {evo_cosearch.__version__}\n"


def _commands(parser, prefix=()):
    """(command words, parser) of every command and subcommand below ``parser``."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*prefix, name), sub
                yield from _commands(sub, (*prefix, name))


def test_every_problem_option_says_a_ready_problem_can_be_named():
    from evo_cosearch.cli import build_parser
    from evo_cosearch.problem import ready_problem_names

    names = ready_problem_names()
    seen = []
    for words, sub in _commands(build_parser()):
        (option,) = [a for a in sub._actions if "--problem" in a.option_strings] or [None]
        if option is None:
            continue
        seen.append(" ".join(words))
        assert "a ready problem by name: " + ", ".join(names) in option.help, words
        if option.default is not None:  # the bench defaults: a ready problem, named as such (not its path)
            assert option.help.endswith(f"(default {Path(option.default).stem})") and "/" not in option.help, words
    assert {"search", "space show", "simulate", "train-supernet", "bench simulator", "bench autoqkeras"} <= set(seen)


def test_a_problem_help_with_a_condition_keeps_the_alternatives_together():
    # simulate's read "problem file (YAML); with --genome, or a ready problem by name: ...": the ready
    # problem looked like an alternative to --genome
    from evo_cosearch.cli import build_parser

    (sub,) = [sub for words, sub in _commands(build_parser()) if words == ("simulate",)]
    (option,) = [a for a in sub._actions if "--problem" in a.option_strings]
    assert option.help.startswith("problem file (YAML), or a ready problem by name: ")
    assert option.help.endswith("; with --genome")


def test_every_option_of_every_command_has_a_help_text():
    # select's filters (--max-latency-ms, --max-energy-uj, --max-area-mm2) and --format had none
    import argparse

    from evo_cosearch.cli import build_parser

    bare = [(" ".join(words), a.option_strings[0]) for words, sub in _commands(build_parser()) for a in sub._actions
            if a.option_strings and not isinstance(a, argparse._HelpAction) and not a.help]
    assert bare == []
