"""The README's example commands: each one parses, and what it writes goes under ``results/``
(git-ignored), so following the README from a checkout leaves the checkout clean."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from evo_cosearch.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ("evo-cosearch ", ".venv/bin/evo-cosearch ")
#: Parsed options that name where a command writes.
OUTPUTS = ("out", "export", "json", "output")


def readme_commands() -> list[list[str]]:
    """The ``evo-cosearch`` command lines of the README's ``bash`` and ``text`` blocks, as argv."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|text)\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            for program in PROGRAMS:
                if line.startswith(program):
                    commands.append(shlex.split(line[len(program):], comments=True))
    return commands


def test_the_readme_has_commands_to_check():
    assert {argv[0] for argv in readme_commands()} >= {"search", "plot", "select", "bench"}


@pytest.mark.parametrize("argv", readme_commands(), ids=" ".join)
def test_a_readme_command_parses_and_writes_under_results(argv):
    args = build_parser().parse_args(argv)
    for dest in OUTPUTS:
        path = getattr(args, dest, None)
        if path is not None and not path.isupper():  # a placeholder such as CKPT stands for the reader's own path
            assert Path(path).parts[0] == "results", f"{' '.join(argv)}: --{dest} {path} is not under results/"
