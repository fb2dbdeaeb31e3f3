"""User-supplied paths: reading text files, and checking an output path, with one-line errors that name them."""

from __future__ import annotations

import tempfile
from pathlib import Path

from evo_cosearch.errors import EvoCosearchError, InputError

__all__ = ["read_text", "writable_path"]


def read_text(path: str | Path, what: str, error: type[EvoCosearchError] = InputError) -> str:
    """The UTF-8 text of ``path``; a missing or unreadable file raises ``error`` naming it."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{p}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{p}: cannot read {what} ({exc.__class__.__name__})") from None


def writable_path(path: str | Path, what: str, *, directory: bool = False) -> Path:
    """``path`` as a :class:`Path` if a ``what`` file (a directory, with ``directory``) can be
    written there: its nearest existing ancestor is a directory that takes a file (tried);
    checked before any work whose result would be lost."""
    p = Path(path)
    if p.is_dir() and not directory:
        raise InputError(f"{p}: is a directory, not a {what} file")
    if p.exists() and not p.is_dir() and directory:
        raise InputError(f"{p}: is a file, not a directory for the {what}")
    parent = p if p.is_dir() else p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    try:
        if not parent.is_dir():
            raise OSError
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError:
        raise InputError(f"{p}: cannot write the {what} here ({parent} is not a writable directory)") from None
    return p
