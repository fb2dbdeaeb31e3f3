"""Supernet training: seeded determinism, per-epoch resume, config validation, caching."""

from __future__ import annotations

import pytest
import torch

import evo_cosearch.supernet.train as train_mod

from evo_cosearch.errors import ProblemError
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet import (
    EvaluationConfig, SupernetConfig, ensure_supernet, problem_splits, supernet_meta, train_supernet,
)
from evo_cosearch.supernet.checkpoint import load_checkpoint


def _train(problem, out, epochs, seed=0):
    cfg = SupernetConfig.from_section(problem.supernet, epochs=epochs)
    return train_supernet(problem.network, problem_splits(problem), cfg, out,
                          meta=supernet_meta(problem, epochs=epochs, seed=seed), seed=seed, progress=False)


def test_same_seed_same_checkpoint_and_resume_equals_straight_run(tiny_problem_path, tmp_path, monkeypatch):
    p = load_problem(tiny_problem_path)
    _train(p, tmp_path / "a.pt", epochs=2)
    a = load_checkpoint(tmp_path / "a.pt")["model"]
    _train(p, tmp_path / "b.pt", epochs=2)
    b_partial = tmp_path / "b_partial.pt"
    # a run killed right after its first checkpoint; rerunning continues from it
    real_save = train_mod.save_atomic

    def save_then_die(obj, path):
        real_save(obj, path)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(train_mod, "save_atomic", save_then_die)
        with pytest.raises(KeyboardInterrupt):
            _train(p, b_partial, epochs=2)
    assert load_checkpoint(b_partial)["epoch"] == 1
    _train(p, b_partial, epochs=2)
    resumed = load_checkpoint(b_partial)["model"]
    for k in a:
        assert torch.equal(a[k], resumed[k]), k
    b = load_checkpoint(tmp_path / "b.pt")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_unknown_or_bad_supernet_keys_are_named():
    with pytest.raises(ProblemError, match=r"supernet\.epoch"):
        SupernetConfig.from_section({"epoch": 3})
    with pytest.raises(ProblemError, match=r"supernet\.batch_size"):
        SupernetConfig.from_section({"batch_size": 0})
    with pytest.raises(ProblemError, match=r"supernet\.distill"):
        SupernetConfig.from_section({"distill": 2})
    assert SupernetConfig.from_section({"lr": 0.1}, epochs=7).epochs == 7
    assert SupernetConfig.from_section({"max_train_images": None}).max_train_images is None
    assert EvaluationConfig.from_section({"val_images": None}).val_images is None
    with pytest.raises(ProblemError, match=r"evaluation\.recal_images"):
        EvaluationConfig.from_section({"recal_images": None})


def test_ensure_supernet_reuses_its_cache(tiny_problem_path, tiny_ckpt):
    p = load_problem(tiny_problem_path)
    mtime = tiny_ckpt.stat().st_mtime_ns
    again = ensure_supernet(p, cache_dir=tiny_ckpt.parent, progress=False)
    assert again == tiny_ckpt and again.stat().st_mtime_ns == mtime
    assert p.name in tiny_ckpt.name


def test_training_threads_follow_the_openmp_wait_policy(monkeypatch):
    from evo_cosearch.supernet.runtime import training_threads

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert training_threads() == 1  # spinning OpenMP threads: one thread
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    assert 1 <= training_threads() <= 2
