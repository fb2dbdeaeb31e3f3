"""The project's one exception family; every message is one actionable line."""

from __future__ import annotations

__all__ = ["EvoCosearchError", "ProblemError", "GenomeError", "InputError", "DataError", "WorkerError", "OutputClosed"]


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
