"""``evo-cosearch bench``: every benchmark is listed and documents its options."""

from __future__ import annotations

import argparse

import pytest

from evo_cosearch.cli import build_parser

BENCHMARKS = ["simulator", "supernet-speed", "supernet-train", "supernet-ranking", "search-overhead", "strategies",
              "joint", "autoqkeras"]


def _benchmarks() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    bench = sub.choices["bench"]
    return next(a for a in bench._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_benchmark_is_a_subcommand():
    assert list(_benchmarks()) == BENCHMARKS


@pytest.mark.parametrize("name", BENCHMARKS)
def test_help_describes_every_option(name):
    bare = [a.option_strings[0] for a in _benchmarks()[name]._actions if a.option_strings and not a.help]
    assert bare == []
