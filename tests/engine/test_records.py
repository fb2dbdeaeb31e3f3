"""Archive JSON of decoded designs: the fast, cached formatting equals the specs' own ``to_dict``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.problem import load_problem
from evo_cosearch.engine.records import DesignJson, accelerator_json, network_json

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"


@pytest.mark.parametrize("name", ["demo_digits", "joint_fashion_mnist", "accelerator_only_fashion_mnist"])
def test_design_json_equals_spec_dicts(name):
    p = load_problem(PROBLEMS / f"{name}.yaml")
    rng = np.random.default_rng(3)
    X = rng.integers(p.space.xl, p.space.xu + 1, size=(60, p.space.n_var))
    X = np.vstack([X, X[:20]])  # repeats: served from the caches
    dj = DesignJson(p)
    first = dj(X[:30])
    nets, accs = dj(X)
    assert (nets[:30], accs[:30]) == first
    for i in range(len(X)):
        d = p.design(X[i])
        assert json.loads(nets[i]) == json.loads(json.dumps(d.network.to_dict()))
        assert accs[i] == json.dumps(d.accelerator.to_dict())
    assert nets == network_json(p, X)
    assert accs == accelerator_json(p, X)


def test_design_json_cache_is_bounded(monkeypatch):
    p = load_problem(PROBLEMS / "demo_digits.yaml")
    monkeypatch.setattr(DesignJson, "_MAX_CACHED", 5)
    dj = DesignJson(p)
    X = np.random.default_rng(0).integers(p.space.xl, p.space.xu + 1, size=(40, p.space.n_var))
    for lo in range(0, 40, 8):
        nets, _ = dj(X[lo:lo + 8])
        assert nets == network_json(p, X[lo:lo + 8])
    assert all(len(c) <= 5 + 8 for c in dj._stages)
