"""A run records the supernet that scored it; resuming it with another supernet is refused."""

from __future__ import annotations

import shutil

import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy, file_sha256
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet.checkpoint import load_torch_file, save_atomic
from evo_cosearch.supernet.runtime import default_threads


def test_resume_with_another_supernet_is_refused(tiny_problem_path, tiny_ckpt, tmp_path):
    p = load_problem(tiny_problem_path)
    run = tmp_path / "run"
    search(p, out=run, pop=4, gens=1, seed=0, supernet=tiny_ckpt, quiet=True, progress=False).close()
    with open_archive(run) as arc:
        assert arc.meta.accuracy_source == {"kind": "supernet", "supernet": str(tiny_ckpt),
                                            "sha256": file_sha256(tiny_ckpt)[:16], "evaluation_seed": 0,
                                            "threads": default_threads()}
        n = len(arc.designs())

    other = tmp_path / "other.pt"
    ckpt = load_torch_file(tiny_ckpt, "supernet checkpoint")
    name = next(k for k, v in ckpt["model"].items() if v.is_floating_point())
    ckpt["model"][name] = ckpt["model"][name] + 0.5  # same configuration, other weights
    save_atomic(ckpt, other)
    with pytest.raises(InputError, match="scored by supernet .*tiny|use another out directory"):
        search(p, out=run, pop=4, gens=2, seed=0, supernet=other, quiet=True, progress=False)
    with open_archive(run) as arc:
        assert len(arc.designs()) == n and arc.meta.gens == 1  # untouched

    search(p, out=run, pop=4, gens=2, seed=0, supernet=tiny_ckpt, quiet=True, progress=False).close()
    with open_archive(run) as arc:
        assert len(arc.designs()) == 2 * n


def test_missing_checkpoint_is_a_one_line_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.pt: cannot read"):
        file_sha256(tmp_path / "nope.pt")


@pytest.fixture
def no_training(monkeypatch):
    """Fail a test that would train (or look up) a cached supernet."""
    def refuse(*args, **kwargs):
        raise AssertionError("a supernet would be trained")
    monkeypatch.setattr("evo_cosearch.supernet.ensure_supernet", refuse)


def test_a_resume_uses_the_runs_own_supernet_and_evaluation_seed(tiny_problem_path, tiny_ckpt, tmp_path,
                                                                 no_training):
    p = load_problem(tiny_problem_path)
    run, ckpt = tmp_path / "run", tmp_path / "mine.pt"
    shutil.copy(tiny_ckpt, ckpt)
    search(p, out=run, pop=4, gens=1, seed=3, supernet=ckpt, quiet=True, progress=False).close()
    with open_archive(run) as arc:
        assert arc.meta.accuracy_source["evaluation_seed"] == 0  # whatever the search seed
        n = len(arc.designs())
    search(p, out=run, pop=4, gens=2, quiet=True, progress=False).close()  # no --supernet: the run's own
    with open_archive(run) as arc:
        assert len(arc.designs()) == 2 * n and arc.meta.accuracy_source["supernet"] == str(ckpt)

    ckpt.unlink()
    with pytest.raises(InputError, match="mine.pt, which is not there any more; pass supernet with that checkpoint$"):
        search(p, out=run, pop=4, gens=3, quiet=True, progress=False)


def test_a_resume_with_another_kind_of_accuracy_is_refused_before_any_training(tiny_problem_path, tmp_path,
                                                                                no_training):
    p = load_problem(tiny_problem_path)
    run = tmp_path / "run"
    search(p, out=run, pop=4, gens=1, seed=0, accuracy_fn=ProxyAccuracy(p), quiet=True, progress=False).close()
    before = (run / "archive.sqlite").read_bytes()
    with pytest.raises(InputError, match="scored by the proxy accuracy, not a supernet;"):
        search(p, out=run, pop=4, gens=2, quiet=True, progress=False)  # would score with a supernet

    def custom(genomes):
        return ProxyAccuracy(p)(genomes)
    with pytest.raises(InputError, match="scored by the proxy accuracy, not accuracy function .*custom"):
        search(p, out=run, pop=4, gens=2, accuracy_fn=custom, quiet=True, progress=False)
    assert (run / "archive.sqlite").read_bytes() == before


def test_the_run_records_its_supernet_as_an_absolute_path(tiny_problem_path, tiny_ckpt, tmp_path, monkeypatch,
                                                         no_training):
    p = load_problem(tiny_problem_path)
    (tmp_path / "a").mkdir()
    shutil.copy(tiny_ckpt, tmp_path / "a" / "sn.pt")
    monkeypatch.chdir(tmp_path / "a")
    search(p, out=tmp_path / "run", pop=4, gens=1, seed=0, supernet="sn.pt", quiet=True, progress=False).close()
    monkeypatch.chdir(tmp_path)  # resumed from another directory, without --supernet
    search(p, out=tmp_path / "run", pop=4, gens=2, quiet=True, progress=False).close()
    with open_archive(tmp_path / "run") as arc:
        assert arc.meta.accuracy_source["supernet"] == str(tmp_path / "a" / "sn.pt") and arc.meta.gens == 2


def test_every_process_and_a_resume_evaluate_with_the_runs_thread_count(tiny_problem_path, tiny_ckpt, tmp_path,
                                                                       monkeypatch, no_training):
    import pickle

    import torch

    from evo_cosearch.evaluate import SupernetAccuracy

    p = load_problem(tiny_problem_path)
    X = p.space.sample(3, __import__("numpy").random.default_rng(0))
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    acc = SupernetAccuracy(p, tiny_ckpt)
    assert acc.threads == 2 and acc.source()["threads"] == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # e.g. a Dask worker: its launcher sets 1
    before = torch.get_num_threads()
    try:
        pickle.loads(pickle.dumps(acc))(X)  # as a worker receives it
        assert torch.get_num_threads() == 2  # the client's count, not the worker's environment

        run = tmp_path / "run"
        search(p, out=run, pop=4, gens=1, seed=0, supernet=tiny_ckpt, quiet=True, progress=False).close()
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        torch.set_num_threads(2)
        search(p, out=run, pop=4, gens=2, quiet=True, progress=False).close()  # the resume keeps the run's 1
        assert torch.get_num_threads() == 1
        with open_archive(run) as arc:
            assert arc.meta.accuracy_source["threads"] == 1
    finally:
        torch.set_num_threads(before)
