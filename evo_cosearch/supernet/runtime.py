"""CPU runtime settings for PyTorch on small shared machines: threads, allocator, determinism.

glibc's default allocator returns large freed blocks to the OS (mmap/trim), so every batch
page-faults its activations in again. Raising the mmap and trim thresholds keeps them in
the heap; measured by ``bench_supernet_eval_speed``.

``torch.use_deterministic_algorithms(True)`` also fills every new uninitialised tensor with
NaN (a debugging aid, ``torch.utils.deterministic.fill_uninitialized_memory``); that was 18%
of a supernet training step on CPU. Results never depend on it, so it is switched off.

PyTorch's OpenMP runtime (libgomp) spins while its threads wait for each other. When other
processes keep a core of a 2-core machine busy, two spinning threads made a supernet training
step 10x slower than one thread (9.9 s vs 0.94 s, Fashion-MNIST, batch 128). libgomp reads
``OMP_WAIT_POLICY`` only when ``import torch`` loads it, so :func:`training_threads` uses 2
threads only when the process was started with ``OMP_WAIT_POLICY=PASSIVE`` (then 2 threads
were 1.3x faster than one), else 1. The choice depends only on the environment, so a run
stays reproducible.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

import torch

from evo_cosearch.errors import InputError, arg

__all__ = ["configure_torch", "env_threads", "training_threads", "default_threads", "training_device"]

_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_configured = False


def default_threads() -> int:
    """``OMP_NUM_THREADS`` when set, else at most 2 (the CPU count)."""
    return env_threads() or min(2, os.cpu_count() or 1)


def configure_torch(*, threads: int | None = None, tune_malloc: bool = True) -> None:
    """``threads`` threads, else :func:`default_threads`; no NaN-filling of new tensors; tune
    glibc malloc once."""
    global _configured
    n = threads if threads is not None else default_threads()
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    torch.utils.deterministic.fill_uninitialized_memory = False
    if tune_malloc and not _configured:
        _tune_glibc_malloc()
    _configured = True


def env_threads() -> int | None:
    """``OMP_NUM_THREADS`` as a positive int, or None when unset or not one.

    Two processes of 2 spinning threads each on 2 cores ran 6-9x slower than alone; a user who
    runs several at once limits each with ``OMP_NUM_THREADS=1``, as for any PyTorch program.
    """
    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def training_threads() -> int:
    """Threads for training: 2 (at most the CPU count and ``OMP_NUM_THREADS``) with
    ``OMP_WAIT_POLICY=PASSIVE``, else 1."""
    passive = os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"
    return min(2, os.cpu_count() or 1, env_threads() or 2) if passive else 1


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


def training_device(device: "str | torch.device | None") -> torch.device:
    """``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, a :class:`torch.device`; None: the CPU) as a
    device this torch can train on, else one line naming it. On CUDA it also asks cuBLAS for the
    fixed workspace that deterministic kernels need (``CUBLAS_WORKSPACE_CONFIG``, unless already
    set), as training asks for those kernels on every device. A GPU rounds otherwise than the CPU,
    so its figures are close to, not the same as, a CPU training's of the same seed."""
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise InputError(f"{arg('device', device)}: not a device (cpu, cuda, cuda:N)") from None
    if dev.type == "cpu":
        return dev
    if dev.type != "cuda":
        raise InputError(f"{arg('device', device)}: only cpu and cuda are supported")
    if not torch.cuda.is_available():
        raise InputError(f"{arg('device', device)}: this torch ({torch.__version__}) sees no CUDA device; use cpu")
    if dev.index is not None and dev.index >= torch.cuda.device_count():
        raise InputError(f"{arg('device', device)}: this machine has {torch.cuda.device_count()} CUDA device(s)")
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return dev
