"""User-supplied paths: reading text files, and checking an output path, with one-line errors that name them."""

from __future__ import annotations

import os
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


def writable_path(path: str | Path, what: str) -> Path:
    """``path`` as a :class:`Path` if a ``what`` file can be written there (its nearest existing
    ancestor is a writable directory); checked before any work whose result would be lost."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a {what} file")
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{p}: cannot write a {what} here ({parent} is not a writable directory)")
    return p
