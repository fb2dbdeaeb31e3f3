"""Messages name a caller's arguments as the entry point spells them: flags from the CLI, parameters from Python."""

from __future__ import annotations

from pathlib import Path

from evo_cosearch.errors import arg, cli_names


def test_arg_names_a_parameter_from_python_and_a_flag_under_the_cli():
    assert (arg("workers"), arg("workers", 2), arg("dask_scheduler", "tcp://h:1")) == (
        "workers", "workers=2", "dask_scheduler='tcp://h:1'")
    assert arg("supernet", Path("a/b.pt")) == "supernet='a/b.pt'"
    with cli_names():
        assert (arg("workers"), arg("workers", 2), arg("dask_scheduler", "tcp://h:1")) == (
            "--workers", "--workers 2", "--dask-scheduler tcp://h:1")
        assert arg("supernet", Path("a/b.pt")) == "--supernet a/b.pt"
    assert arg("workers", 2) == "workers=2"  # only within
