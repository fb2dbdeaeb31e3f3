"""CPU runtime settings for PyTorch on small shared machines: threads and the allocator.

glibc's default allocator returns large freed blocks to the OS (mmap/trim), so every batch
page-faults its activations in again. Raising the mmap and trim thresholds keeps them in
the heap; measured by ``bench_supernet_eval_speed``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import torch

__all__ = ["configure_torch"]

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_configured = False


def configure_torch(*, threads: int | None = None, tune_malloc: bool = True) -> None:
    """At most 2 threads (or ``threads``); tune glibc malloc once per process."""
    global _configured
    n = threads if threads is not None else min(2, os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    if tune_malloc and not _configured:
        _tune_glibc_malloc()
    _configured = True


def _tune_glibc_malloc() -> None:
    name = ctypes.util.find_library("c")
    if not name:
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's maximum on 64-bit
    mallopt(_M_TRIM_THRESHOLD, (1 << 31) - 1)
    mallopt(_M_TOP_PAD, 64 << 20)
