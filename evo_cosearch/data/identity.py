"""What identifies the data a dataset section reads: its name, the options that shape its splits
and a fingerprint of the files its reader reads -- the same file compares equal however its path
is spelled, and another file, or the same path with other contents, does not; a file the reader
never reads (a README beside the IDX files, CIFAR-10's ``batches.meta``) is no part of it.

A supernet checkpoint records this next to its training settings, so that a command can refuse a
supernet trained on other data than its own.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from evo_cosearch.data.load import dataset_files, dataset_path
from evo_cosearch.files import file_sha256
from evo_cosearch.problem import dataset_options

__all__ = ["data_identity", "data_mismatch"]

#: Hex digits of a fingerprint kept (as a run keeps of its supernet's hash).
DIGEST_CHARS = 16


def data_identity(cfg: Any) -> dict[str, Any]:
    """``{name, path, options, sha256}`` of a :class:`~evo_cosearch.problem.DatasetConfig`:
    ``path`` absolute (for messages only), ``options`` with their defaults and only those that
    apply to it, ``sha256`` of the file's bytes (a folder's: of the names and bytes of the files
    its reader reads, :func:`~evo_cosearch.data.load.dataset_files`). The embedded digits read no
    file: path and sha256 are None. A missing file, or a folder its reader cannot read, is a
    :class:`DataError`."""
    options = dataset_options(cfg.options)
    if cfg.name == "digits":
        return {"name": cfg.name, "path": None, "options": options, "sha256": None}
    del options["test_fraction"]  # the dataset's own test split is used
    path = dataset_path(cfg)
    return {"name": cfg.name, "path": str(path.resolve()), "options": options,
            "sha256": _fingerprint(path, dataset_files(cfg.name, path))}


def data_mismatch(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[str, str] | None:
    """``recorded`` and ``current`` (:func:`data_identity`) described for a message ("dataset mnist
    (/a/mnist.npz, sha256 ...)", with the options where those differ) when they are other data;
    None when they are the same (whatever their paths)."""
    if all(recorded.get(k) == current.get(k) for k in ("name", "sha256", "options")):
        return None
    with_options = recorded.get("options") != current.get("options")
    return _describe(recorded, with_options), _describe(current, with_options)


def _describe(identity: Mapping[str, Any], with_options: bool) -> str:
    where = "embedded" if identity.get("path") is None else f"{identity['path']}, sha256 {identity.get('sha256')}"
    options = "".join(f", {k} {v}" for k, v in sorted(dict(identity.get("options") or {}).items()))
    return f"dataset {identity.get('name')} ({where}{options if with_options else ''})"


def _fingerprint(root: Path, files: list[Path]) -> str:
    """The fingerprint of dataset file ``root`` (``files`` is ``[root]``) or of ``files`` in folder
    ``root`` (their names and bytes, in sorted order), hashed once per process while they keep their
    inode, size and modification time."""
    stats = tuple((f.relative_to(root).as_posix(), *_stat(f)) for f in sorted(files))
    return _digest(str(root.resolve()), stats)


def _stat(f: Path) -> tuple[int, int, int]:
    st = f.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


@lru_cache(maxsize=32)
def _digest(path: str, stats: tuple[tuple[str, int, int, int], ...]) -> str:
    root = Path(path)
    if root.is_file():
        return file_sha256(root)[:DIGEST_CHARS]
    h = hashlib.sha256()
    for name, *_ in stats:
        h.update(f"{name}\0{file_sha256(root / name)}\0".encode())
    return h.hexdigest()[:DIGEST_CHARS]
