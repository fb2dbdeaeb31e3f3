"""Shared fixtures of the benchmark tests."""

from __future__ import annotations

import pytest

from evo_cosearch.bench import runset
from evo_cosearch.evaluate import ProxyAccuracy


@pytest.fixture
def stand_in_supernet(monkeypatch):
    """``bench strategies`` and ``bench joint`` without ``--proxy-accuracy``, scored by a stand-in for
    the problem's supernet (no training in a test): accuracies that are not the proxy's. With
    ``--proxy-accuracy``, the proxy as ever."""
    def shared_accuracy(problem, *, supernet=None, proxy=False, progress=True):
        if proxy:
            return runset.shared_accuracy(problem, supernet=supernet, proxy=proxy, progress=progress)
        proxy_fn = ProxyAccuracy(problem)

        def stand_in(genomes):
            return 0.9 * proxy_fn(genomes)
        return stand_in, {"source": "stand-in"}
    monkeypatch.setattr("evo_cosearch.bench.compare.shared_accuracy", shared_accuracy)
    monkeypatch.setattr("evo_cosearch.bench.joint.shared_accuracy", shared_accuracy)
