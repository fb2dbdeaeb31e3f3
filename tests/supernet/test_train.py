"""Supernet training: seeded determinism, per-epoch resume, config validation, caching."""

from __future__ import annotations

import re

import pytest
import torch

import evo_cosearch.supernet.train as train_mod

from evo_cosearch.errors import InputError, ProblemError, cli_names
from evo_cosearch.files import file_sha256
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet import (
    EvaluationConfig, SupernetConfig, check_supernet, ensure_supernet, problem_splits, supernet_meta, train_supernet,
    train_problem_supernet,
)
from evo_cosearch.supernet.checkpoint import load_checkpoint, load_torch_file, meta_key, save_atomic


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
    _train_one_epoch_of_two(p, b_partial, monkeypatch)
    _train(p, b_partial, epochs=2)  # rerunning continues from it
    resumed = load_checkpoint(b_partial)["model"]
    for k in a:
        assert torch.equal(a[k], resumed[k]), k
    b = load_checkpoint(tmp_path / "b.pt")["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    # the same bytes too (no epoch times in them): a run records its supernet's hash, and refused
    # one retrained with the same command as "changed since the run was scored by it"
    assert file_sha256(tmp_path / "a.pt") == file_sha256(tmp_path / "b.pt") == file_sha256(b_partial)


def _train_one_epoch_of_two(problem, out, monkeypatch):
    """A training of 2 epochs killed right after its first checkpoint."""
    real_save = train_mod.save_atomic

    def save_then_die(obj, path):
        real_save(obj, path)
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(train_mod, "save_atomic", save_then_die)
        with pytest.raises(KeyboardInterrupt, match=f"^{re.escape(str(out))} keeps 1 of 2 epochs: "
                                                    "run the same command again to resume it$"):  # what the CLI prints after 'interrupted: '
            _train(problem, out, epochs=2)
    assert load_checkpoint(out)["epoch"] == 1


def test_a_resume_trains_on_the_threads_its_checkpoint_was_trained_on(tiny_problem_path, tmp_path, monkeypatch):
    p = load_problem(tiny_problem_path)
    monkeypatch.setattr(train_mod, "training_threads", lambda: 2)  # as with OMP_WAIT_POLICY=PASSIVE
    _train(p, tmp_path / "straight.pt", epochs=2)
    _train_one_epoch_of_two(p, tmp_path / "resumed.pt", monkeypatch)
    monkeypatch.setattr(train_mod, "training_threads", lambda: 1)  # resumed without it: 1 thread, other sums
    _train(p, tmp_path / "resumed.pt", epochs=2)
    assert file_sha256(tmp_path / "resumed.pt") == file_sha256(tmp_path / "straight.pt")


def test_an_interrupted_first_epoch_says_nothing_was_saved(tiny_problem_path, tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(train_mod, "sandwich_step", interrupted)
    # it said "no epoch of 2 finished" alone: after refine's "design 3 not refined", whose epochs, and where?
    with pytest.raises(KeyboardInterrupt, match=f"^{re.escape(str(tmp_path / 'a.pt'))}: no supernet epoch of 2 "
                                                "finished, nothing saved$"):
        _train(load_problem(tiny_problem_path), tmp_path / "a.pt", epochs=2)
    assert not (tmp_path / "a.pt").exists()


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


def test_cache_keys_stay_those_of_checkpoints_written_before_they_recorded_their_data(tiny_problem_path, tiny_ckpt):
    assert meta_key(supernet_meta(load_problem(tiny_problem_path))) == "830f5002e458"  # the key before that change
    assert load_checkpoint(tiny_ckpt)["data"]["name"] == "digits"


def test_a_supernet_trained_on_other_data_is_refused_one_written_before_that_record_is_not(tiny_problem_path, tiny_ckpt,
                                                                                           tmp_path):
    text = tiny_problem_path.read_text()
    assert "dataset: {name: digits}" in text
    (tmp_path / "other.yaml").write_text(text.replace("dataset: {name: digits}", "dataset: {name: digits, val_fraction: 0.3}"))
    other = load_problem(tmp_path / "other.yaml")
    with pytest.raises(InputError) as err:
        check_supernet(other, tiny_ckpt)
    assert str(err.value) == (
        f"{tiny_ckpt}: holds a supernet trained on dataset digits (embedded, test_fraction 0.2, val_fraction 0.1), "
        "not on dataset digits (embedded, test_fraction 0.2, val_fraction 0.3), the data this command reads; "
        "pass a supernet trained on that data")
    old = tmp_path / "old.pt"
    save_atomic({k: v for k, v in load_torch_file(tiny_ckpt, "supernet checkpoint").items() if k != "data"}, old)
    assert check_supernet(other, old)["meta"]["dataset"]["name"] == "digits"


def test_training_threads_follow_the_openmp_wait_policy(monkeypatch):
    from evo_cosearch.supernet.runtime import training_threads

    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert training_threads() == 1  # spinning OpenMP threads: one thread
    monkeypatch.setenv("OMP_WAIT_POLICY", "passive")
    assert 1 <= training_threads() <= 2


def test_random_bits_for_the_smallest_child_is_an_option_keeping_old_keys(tiny_problem_path, tmp_path):
    import numpy as np

    from evo_cosearch.problem import parse_problem
    from evo_cosearch.space.quant import FIXED, parse_quantizer
    from evo_cosearch.supernet.sample import random_bits

    assert "smallest_bits" not in SupernetConfig().to_dict()  # the default: metas (cache keys) as before
    assert SupernetConfig.from_section({"smallest_bits": "random"}).to_dict()["smallest_bits"] == "random"
    with pytest.raises(ProblemError, match=r"supernet\.smallest_bits: 'rand' is not one of least, random"):
        SupernetConfig.from_section({"smallest_bits": "rand"})

    p = load_problem(tiny_problem_path)
    t = p.network
    small = t.smallest(fixed_point=True)
    drawn = [random_bits(small, t, np.random.default_rng(s)) for s in range(8)]
    for spec in drawn:  # the same narrowest network, only its quantizers drawn (fixed-point ones)
        assert [(st.width, st.depth, [(l.kernel, l.expansion, l.block) for l in st.layers]) for st in spec.stages] \
            == [(st.width, st.depth, [(l.kernel, l.expansion, l.block) for l in st.layers]) for st in small.stages]
        assert all(parse_quantizer(b)[0] == FIXED
                   for st in spec.stages for l in st.layers for b in (l.w_bits, l.a_bits))
    assert len({tuple((l.w_bits, l.a_bits) for st in s.stages for l in st.layers) for s in drawn}) > 1

    rand = parse_problem(p.text.replace("supernet: {", "supernet: {smallest_bits: random, ", 1), source="r.yaml")
    assert SupernetConfig.from_section(rand.supernet).smallest_bits == "random"
    _train(p, tmp_path / "least.pt", epochs=1)
    _train(rand, tmp_path / "random.pt", epochs=1)
    _train(rand, tmp_path / "random2.pt", epochs=1)
    least, r1, r2 = (load_checkpoint(tmp_path / f)["model"] for f in ("least.pt", "random.pt", "random2.pt"))
    assert all(torch.equal(r1[k], r2[k]) for k in r1)  # seeded
    assert any(not torch.equal(least[k], r1[k]) for k in r1)  # and another training


def test_resuming_a_damaged_checkpoint_is_refused_and_leaves_it(tiny_problem_path, tmp_path):
    from evo_cosearch.errors import InputError
    from evo_cosearch.supernet.checkpoint import load_torch_file, save_atomic

    p = load_problem(tiny_problem_path)
    out = tmp_path / "a.pt"
    _train(p, out, epochs=1)
    ckpt = load_torch_file(out, "supernet checkpoint")
    ckpt["model"].pop(next(iter(ckpt["model"])))  # same configuration, a weight missing
    save_atomic(ckpt, out)
    before = out.read_bytes()
    with pytest.raises(InputError, match=r"a.pt: a damaged supernet checkpoint \(RuntimeError\); remove it"):
        _train(p, out, epochs=1)
    assert out.read_bytes() == before


@pytest.mark.parametrize("key,value,needle", [
    ("lr", float("nan"), "is not a finite number"), ("lr", float("inf"), "is not a finite number"),
    ("weight_decay", float("nan"), "is not a finite number"), ("lr", 0, "must be > 0"),
    ("momentum", 0, r"must be in \(0, 1\)"), ("momentum", 1.5, r"must be in \(0, 1\)"),
])
def test_a_learning_rate_or_momentum_that_cannot_train_is_named(key, value, needle):
    with pytest.raises(ProblemError, match=rf"supernet\.{key}: .*{needle}"):
        SupernetConfig.from_section({key: value})


def test_refusals_name_out_and_epochs_as_the_caller_does(tiny_problem_path, tiny_ckpt, tmp_path):
    """train_problem_supernet's refusal of another training's checkpoint, and of epochs < 1, named the CLI's
    --out and --epochs from Python too."""
    import shutil

    p = load_problem(tiny_problem_path)
    other = tmp_path / "other.pt"
    shutil.copy(tiny_ckpt, other)
    with pytest.raises(InputError, match=r"other\.pt: holds a supernet .*; remove it or choose another out$"):
        train_problem_supernet(p, other, seed=1, progress=False)
    with cli_names(), pytest.raises(InputError, match=r"; remove it or choose another --out$"):
        train_problem_supernet(p, other, seed=1, progress=False)
    with pytest.raises(ProblemError, match=r"^epochs: 0 must be >= 1$"):
        train_problem_supernet(p, tmp_path / "new.pt", epochs=0, progress=False)
    with cli_names(), pytest.raises(ProblemError, match=r"^--epochs: 0 must be >= 1$"):
        train_problem_supernet(p, tmp_path / "new.pt", epochs=0, progress=False)
