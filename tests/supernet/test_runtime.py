"""Thread settings: OMP_NUM_THREADS is respected (several processes on one small machine)."""

from __future__ import annotations

import os

import pytest
import torch

from evo_cosearch.supernet.runtime import configure_torch, env_threads, training_threads


@pytest.fixture
def restore_threads():
    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


@pytest.mark.parametrize("raw, expected", [("1", 1), (" 3 ", 3), ("", None), ("0", None), ("two", None)])
def test_env_threads(monkeypatch, raw, expected):
    monkeypatch.setenv("OMP_NUM_THREADS", raw)
    assert env_threads() == expected


def test_configure_torch_uses_omp_num_threads_unless_told(monkeypatch, restore_threads):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    configure_torch()
    assert torch.get_num_threads() == 1
    configure_torch(threads=2)
    assert torch.get_num_threads() == 2
    monkeypatch.delenv("OMP_NUM_THREADS")
    configure_torch(threads=1)
    configure_torch()
    assert torch.get_num_threads() == min(2, os.cpu_count() or 1)


def test_training_threads(monkeypatch):
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    assert training_threads() == 1
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert training_threads() == 1
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert training_threads() == min(2, os.cpu_count() or 1)


@pytest.mark.parametrize("given", [None, "cpu", torch.device("cpu")])
def test_training_device_defaults_to_and_accepts_the_cpu(given):
    from evo_cosearch.supernet.runtime import training_device

    assert training_device(given) == torch.device("cpu")


@pytest.mark.parametrize("given, says", [("gpu", "not a device"), ("cuda:x", "not a device"), (3.5, "not a device"),
                                         ("meta", "only cpu and cuda"), ("mps", "only cpu and cuda")])
def test_training_device_refuses_what_it_cannot_train_on_in_one_line(given, says):
    from evo_cosearch.errors import InputError
    from evo_cosearch.supernet.runtime import training_device

    with pytest.raises(InputError, match=f"device={given!r}: {says}") as info:
        training_device(given)
    assert "\n" not in str(info.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA device")
def test_training_device_refuses_cuda_on_a_machine_without_one():
    from evo_cosearch.errors import InputError
    from evo_cosearch.supernet.runtime import training_device

    with pytest.raises(InputError, match=r"device='cuda:0': this torch \(.*\) sees no CUDA device; use cpu"):
        training_device("cuda:0")
