"""Command line: ``evo-cosearch <command>``. Thin: parse, call one function, print.

Each command lives in its own module with ``register(subparsers)``; the module's
handler receives the parsed ``argparse.Namespace`` and returns an exit code.
Project errors (:class:`~evo_cosearch.errors.EvoCosearchError`) and file-system errors
(``OSError``: a path that cannot be read or written) become one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path
from typing import Sequence

from evo_cosearch import __version__
from evo_cosearch.errors import EvoCosearchError, OutputClosed, cli_names

__all__ = ["main", "build_parser", "problem_help"]

#: Command modules (``evo_cosearch.cli.<name>``), in --help order. A module missing
#: from the installed package is skipped, so the list may name work in progress.
COMMAND_MODULES = ("space", "simulate", "supernet", "search", "export", "plot", "select", "refine",
                   "bench", "demo")


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # A word that starts with '-' and a digit is a value, not an unknown option: `--genome -1,0,...`,
        # `--by weights -1,1,1`. Before Python 3.14 argparse took only a plain negative number ("-1",
        # "-0.5") so; this is the matcher it uses from 3.14 on (CPython gh-124823).
        self._negative_number_matcher = re.compile(r"-\.?\d")

    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention)
        self.exit(2, f"{self.prog}: error: {message}\n")


def problem_help(default: str | Path | None = None, what: str = "problem file (YAML)") -> str:
    """The help of a ``--problem`` option: ``what``, or a ready problem named without a folder
    (:func:`evo_cosearch.problem.problem_file`), and the default's name when it is a ready one."""
    from evo_cosearch.problem import ready_problem_names

    text = f"{what}, or a ready problem by name: {', '.join(ready_problem_names())}"
    return text if default is None else f"{text} (default {Path(default).stem})"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="evo-cosearch",
                     description="Joint Pareto search of a neural network, its quantization and its accelerator.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"evo_cosearch.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"evo_cosearch.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with cli_names():  # messages name arguments as this command's flags
            return int(args.handler(args) or 0)
    except EvoCosearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # a search says what it kept
        print(f"interrupted: {exc}" if str(exc) else "interrupted", file=sys.stderr)
        return 130
    except OutputClosed as exc:  # a command whose output's reader went away: stopped as on Ctrl-C
        _closed_output(f"stopped, its output was closed: {exc}")
        return 141
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        _closed_output(None)
        return 0
    except OSError as exc:  # a path that cannot be read or written (a file as a folder, no permission)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2


def _closed_output(message: str | None) -> None:
    """Say ``message`` on stderr if it is still open, and leave nothing for Python to flush at exit
    into a closed pipe (it would print "Exception ignored ... BrokenPipeError")."""
    import os

    if message is not None:
        try:
            print(message, file=sys.stderr, flush=True)
        except OSError:
            pass
    for stream in {sys.stdout, sys.stderr} & {sys.__stdout__, sys.__stderr__} - {None}:  # the process's own
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError):
            pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
