"""User-supplied paths: reading text files, and checking an output path, with one-line errors that name them."""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from evo_cosearch.errors import EvoCosearchError, InputError

__all__ = ["given_path", "read_text", "writable_path", "replace_atomically", "write_text_atomic", "missing_root", "remove_made_dirs",
           "file_sha256", "same_file", "spelling_free_path"]


def given_path(path: str | Path, what: str, error: type[EvoCosearchError] = InputError) -> Path:
    """``path`` as a :class:`Path`; an empty (or all-blank) one raises ``error`` naming ``what``,
    where ``Path("")`` would be the current folder."""
    if not str(path).strip():
        raise error(f"an empty path given for the {what}")
    return Path(path)


def read_text(path: str | Path, what: str, error: type[EvoCosearchError] = InputError) -> str:
    """The UTF-8 text of ``path``, without the byte-order mark that Excel's "CSV UTF-8" and
    Windows editors put first; a missing or unreadable file raises ``error`` naming it."""
    p = given_path(path, what, error)
    try:
        return p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{p}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{p}: cannot read {what} ({exc.__class__.__name__})") from None


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes; a missing or unreadable file is a one-line :class:`InputError`."""
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__})") from None


def same_file(a: str | Path | None, b: str | Path | None) -> bool:
    """Whether ``a`` and ``b`` name the same file however they are spelled (both None: no file)."""
    if a is None or b is None:
        return a is None and b is None
    if str(a) == str(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def spelling_free_path(path: str | Path) -> str:
    """``path`` as one string however it is spelled (``./data/x.npz``, ``data/x.npz``, absolute, through
    a link): the file's real path relative to the current folder's (absolute where there is no
    relative one)."""
    real = os.path.realpath(path)
    try:
        return os.path.relpath(real, os.path.realpath(os.curdir))
    except ValueError:  # another drive (Windows)
        return real


def writable_path(path: str | Path, what: str, *, directory: bool = False) -> Path:
    """``path`` as a :class:`Path` if a ``what`` file (a directory, with ``directory``) can be
    written there: its nearest existing ancestor is a directory that takes a file (tried);
    checked before any work whose result would be lost. An empty (or all-blank) path is refused,
    not taken for the current folder."""
    p = given_path(path, what)
    if p.is_dir() and not directory:
        raise InputError(f"{p}: is a directory, not {'an' if what[0] in 'aeiou' else 'a'} {what} file")
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


def replace_atomically(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Create ``path`` whole or not at all: ``write(tmp)`` fills a temporary file beside it, which
    then gets the permissions of the file it replaces (those an ordinary new file gets when there
    is none) and is renamed onto ``path``."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-")  # not the name: a long name would not fit
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _mode_for(p))  # mkstemp makes it 0600
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def _mode_for(path: Path) -> int:
    """The permission bits a rewrite of ``path`` keeps: its own, or a new file's under the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomic(path: str | Path, text: str, what: str) -> Path:
    """Write ``text`` to ``path`` with :func:`replace_atomically`; errors name ``path``, not the
    temporary file."""
    p = writable_path(path, what)
    try:
        return replace_atomically(p, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{p}: cannot write the {what} ({exc.strerror or exc.__class__.__name__})") from None


def missing_root(path: str | Path) -> Path | None:
    """The outermost of ``path`` and its parents that does not exist yet (None: ``path`` exists):
    what creating ``path`` with ``mkdir(parents=True)`` makes, for :func:`remove_made_dirs`."""
    p, root = Path(path).absolute(), None
    while not p.exists() and p != p.parent:
        p, root = p.parent, p
    return root


def remove_made_dirs(path: str | Path, root: Path | None) -> None:
    """Remove ``path`` and its parents up to ``root`` (from :func:`missing_root`) while they are
    empty: undo a ``mkdir(parents=True)`` that led nowhere, and nothing made by anyone else."""
    if root is None:
        return
    p = Path(path).absolute()
    while p.is_dir() and not any(p.iterdir()) and (p == root or root in p.parents):
        p.rmdir()
        p = p.parent
