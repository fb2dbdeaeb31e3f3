"""Joint training: a large lambda removes channels and MACs, lambda = 0 keeps (almost) all."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from evo_cosearch.errors import InputError
from evo_cosearch.problem import load_problem
from evo_cosearch.refine import RefineSettings, cost_terms, mask_child, prunable_blocks, refined_workload, train_masked
from evo_cosearch.space.spec import LayerSpec, NetworkSpec, StageSpec
from evo_cosearch.supernet import build_child, count_macs, problem_splits
from evo_cosearch.workload import spec_workload

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"

SPEC = NetworkSpec(in_channels=1, in_size=8, num_classes=10, stem_width=8, stem_stride=1, edge_bits=8, stages=(
    StageSpec(1, 8, 1, (LayerSpec(3, 3, "mbconv", 8, 8),)),
    StageSpec(1, 16, 2, (LayerSpec(3, 3, "fused_mbconv", 8, 8),)),
    StageSpec(1, 16, 2, (LayerSpec(3, 1, "mbconv", 8, 8),)),
))


@pytest.fixture(scope="module")
def splits():
    s = problem_splits(load_problem(DEMO))
    return replace(s, train_x=s.train_x[:256], train_y=s.train_y[:256])


def _train(splits, lam: float):
    masked = mask_child(build_child(SPEC, seed=0), SPEC, generator=torch.Generator().manual_seed(1))
    settings = RefineSettings(epochs=3, lam=lam, batch_size=32, mask_lr=0.2)
    history = train_masked(masked, cost_terms(SPEC), splits, settings, seed=0)
    hidden = {k: int(v.numel()) for k, v in masked.kept(0.5).items()}
    return masked, history, hidden


def test_large_lambda_removes_channels_and_macs(splits):
    masked, history, hidden = _train(splits, lam=20.0)
    full = {p.name: p.hidden for p in prunable_blocks(SPEC)}
    assert sum(hidden.values()) < 0.8 * sum(full.values())
    assert history[-1].cost < history[0].cost < 1.0
    pruned = masked.prune(0.5)
    macs = count_macs(pruned, (1, 8, 8))
    assert macs == int(refined_workload(SPEC, hidden).macs.sum()) < int(spec_workload(SPEC).macs.sum())


def test_zero_lambda_keeps_almost_every_channel(splits):
    _, history, hidden = _train(splits, lam=0.0)
    full = sum(p.hidden for p in prunable_blocks(SPEC))
    assert sum(hidden.values()) >= 0.95 * full
    assert history[-1].task_loss < history[0].task_loss  # it still learns the task


def test_training_is_deterministic(splits):
    a, b = _train(splits, lam=5.0), _train(splits, lam=5.0)
    assert a[2] == b[2] and a[1] == b[1]


def test_training_does_not_depend_on_omp_num_threads(splits, monkeypatch):
    """Trained with the project's training threads (as a supernet or a child), not OMP_NUM_THREADS."""
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    results = []
    for threads in ("1", "2"):
        monkeypatch.setenv("OMP_NUM_THREADS", threads)
        results.append(_train(splits, lam=5.0))
    assert results[0][1] == results[1][1] and results[0][2] == results[1][2]


def test_a_diverging_training_is_an_error(splits):
    with pytest.raises(InputError, match=r"^lam=1e\+308: the loss became nan in epoch 1; the training diverged"):
        _train(splits, lam=1e308)


def test_bad_settings_are_named_as_the_caller_spelled_them():
    from evo_cosearch.errors import cli_names

    for settings, python, cli in ((RefineSettings(epochs=0), "epochs: 0 must be >= 1", "--epochs: 0 must be >= 1"),
                                  (RefineSettings(init_keep=1.0), "init_keep: 1.0 must be in (0, 1)",
                                   "--init-keep: 1.0 must be in (0, 1)")):
        with pytest.raises(InputError, match=rf"^{re.escape(python)}$"):
            settings.check()
        with cli_names(), pytest.raises(InputError, match=rf"^{re.escape(cli)}$"):
            settings.check()
