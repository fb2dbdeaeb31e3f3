"""The project's one exception family; every message is one actionable line.

A message that names a caller's argument names it with :func:`arg`: as a command-line flag
(``--workers 2``) while the CLI runs a command (:func:`cli_names`), else as the Python
parameter (``workers=2``), so the same check reads right from both entry points.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

__all__ = ["EvoCosearchError", "ProblemError", "GenomeError", "InputError", "DataError", "WorkerError", "OutputClosed",
           "arg", "as_called", "cli_names", "flag", "stopped"]

_CLI_NAMES: ContextVar[bool] = ContextVar("evo_cosearch_cli_names", default=False)
_NO_VALUE = object()


def arg(name: str, value: Any = _NO_VALUE) -> str:
    """How a message names the argument ``name`` (its Python parameter name, ``"dask_scheduler"``),
    with ``value`` when given: ``--dask-scheduler tcp://h:1`` under :func:`cli_names`, else
    ``dask_scheduler='tcp://h:1'``."""
    if _CLI_NAMES.get():
        return flag(name) if value is _NO_VALUE else f"{flag(name)} {value}"
    if value is _NO_VALUE:
        return name
    return f"{name}={os.fspath(value) if isinstance(value, os.PathLike) else value!r}"


def flag(name: str) -> str:
    """The command-line flag of the argument ``name`` (``min_neighbours``: ``--min-neighbours``)."""
    return "--" + name.replace("_", "-")


def as_called(cli: str, python: str) -> str:
    """``cli`` under :func:`cli_names`, else ``python``: a name that is not one argument spelled alike in
    both (``--by reward`` is ``Reward``, ``--jobs`` is ``workers``)."""
    return cli if _CLI_NAMES.get() else python


@contextmanager
def cli_names() -> Iterator[None]:
    """Within it, :func:`arg` names arguments as command-line flags (the CLI runs its commands in it)."""
    token = _CLI_NAMES.set(True)
    try:
        yield
    finally:
        _CLI_NAMES.reset(token)


class EvoCosearchError(Exception):
    """Base class. The CLI prints ``str(err)`` on one line and exits with code 2."""


class ProblemError(EvoCosearchError):
    """A problem file is malformed (unknown key, bad value list, ...)."""


class GenomeError(EvoCosearchError):
    """A genome has the wrong length or an index out of range."""


class InputError(EvoCosearchError):
    """A user-supplied input is invalid: a file (topology CSV, hardware JSON, ...), an option or
    argument, or what a user's function returned (``search(accuracy_fn=...)``)."""


class DataError(EvoCosearchError):
    """A dataset file is missing, corrupt or inconsistent."""


class WorkerError(EvoCosearchError):
    """A process or cluster that evaluates accuracies went away (the run keeps what it committed)."""


class OutputClosed(BrokenPipeError):
    """The reader of the output went away (``search ... 2>&1 | head``) and the command stopped, as on
    Ctrl-C; ``str()`` says what it kept. The CLI says so on stderr where it can and exits with 141
    (128 + SIGPIPE, a shell's code for a program a closed pipe ended)."""


def stopped(exc: BaseException, kept: str) -> BaseException:
    """The stop that ``exc`` is, saying ``kept`` (what the stopped command kept, how to go on): Ctrl-C
    (``KeyboardInterrupt``) stays one, the output's reader gone (``BrokenPipeError``) is :class:`OutputClosed`;
    any other exception is ``exc`` itself. Raise it ``from None``."""
    if isinstance(exc, KeyboardInterrupt):
        return KeyboardInterrupt(kept)
    if isinstance(exc, BrokenPipeError):
        return OutputClosed(kept)
    return exc
