"""Reading user-supplied text files with one-line, file-naming errors."""

from __future__ import annotations

from pathlib import Path

from evo_cosearch.errors import EvoCosearchError, InputError

__all__ = ["read_text"]


def read_text(path: str | Path, what: str, error: type[EvoCosearchError] = InputError) -> str:
    """The UTF-8 text of ``path``; a missing or unreadable file raises ``error`` naming it."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{p}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{p}: cannot read {what} ({exc.__class__.__name__})") from None
