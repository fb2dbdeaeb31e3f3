"""AccuracyEvaluator: range, cache by network genes, determinism, pickling by arguments."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from evo_cosearch.errors import InputError
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet import AccuracyEvaluator, load_supernet
from evo_cosearch.supernet.checkpoint import FORMAT


def test_accuracy_is_cached_by_network_genes(tiny_problem_path, tiny_ckpt):
    p = load_problem(tiny_problem_path)
    ev = AccuracyEvaluator(p, tiny_ckpt)
    X = p.space.sample(4, np.random.default_rng(0))
    acc = ev.accuracy(X)
    assert acc.shape == (4,) and np.all((acc >= 0) & (acc <= 1))
    n = ev.n_evaluated
    assert n == len({row.tobytes() for row in X[:, p.network_gene_mask]})
    Y = X.copy()
    hw = ~p.network_gene_mask
    Y[:, hw] = (Y[:, hw] + 1) % p.space.cardinalities[hw]  # other accelerators, same networks
    assert np.array_equal(ev.accuracy(Y), acc)
    assert ev.n_evaluated == n


def test_same_seed_same_accuracy_and_pickle_rebuilds(tiny_problem_path, tiny_ckpt):
    p = load_problem(tiny_problem_path)
    X = p.space.sample(3, np.random.default_rng(1))
    a = AccuracyEvaluator(p, tiny_ckpt, seed=0).accuracy(X)
    fresh = pickle.loads(pickle.dumps(AccuracyEvaluator(p, tiny_ckpt, seed=0)))
    assert np.array_equal(fresh.accuracy(X), a)
    assert fresh.n_evaluated == 3


def test_checkpoint_of_another_space_is_refused(tiny_problem_path, tiny_ckpt, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(tiny_problem_path.read_text().replace("width: [8, 16]", "width: [8, 12]"))
    with pytest.raises(InputError, match="different network"):
        load_supernet(load_problem(other), tiny_ckpt)
    with pytest.raises(InputError, match="not found"):
        load_supernet(load_problem(tiny_problem_path), tmp_path / "missing.pt")
    old = torch.load(tiny_ckpt, weights_only=True)
    old["meta"] = old["meta"].replace(f"\"format\": {FORMAT}", "\"format\": 1")
    torch.save(old, tmp_path / "old.pt")
    with pytest.raises(InputError, match="old.pt: supernet format 1 .*train it again"):
        load_supernet(load_problem(tiny_problem_path), tmp_path / "old.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="junk.pt"):
        load_supernet(load_problem(tiny_problem_path), tmp_path / "junk.pt")
