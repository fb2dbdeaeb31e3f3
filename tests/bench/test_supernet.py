"""Supernet benchmarks: what is checked before the (long) work starts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import evo_cosearch.bench.supernet as bench
from evo_cosearch.errors import InputError
from evo_cosearch.supernet.checkpoint import load_checkpoint

DIGITS = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


def test_ranking_refuses_an_unreadable_supernet_before_training_any_child(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "train_standalone", lambda *a, **kw: pytest.fail("must not train"))
    ckpt = tmp_path / "not_a_supernet.pt"
    ckpt.write_text("text")
    with pytest.raises(InputError, match="not_a_supernet.pt: not a readable supernet checkpoint"):
        bench.bench_supernet_ranking(ckpt, DIGITS, data=None, n_children=2, epochs=1,
                                     cache=tmp_path / "cache.json", out_dir=tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not_a_supernet.pt"]


def test_the_default_data_belongs_to_the_default_problem_only(tmp_path):
    default = bench.DEFAULT_PROBLEM
    assert bench.bench_data(None, default, default) == bench.DEFAULT_DATA
    assert bench.bench_data(None, "joint_fashion_mnist", default) == bench.DEFAULT_DATA  # the same file by name
    assert bench.bench_data(None, DIGITS, default) is None  # another problem reads its own dataset.path
    assert bench.bench_data("x.npz", DIGITS, default) == "x.npz"
    assert bench.bench_data("NONE", default, default) is None
    assert bench.bench_data(Path("x.npz"), DIGITS, default) == "x.npz"  # any path, as Python callers pass one
    assert bench.bench_data(Path("none"), default, default) is None


def test_train_writes_the_checkpoint_to_out_and_the_result_beside_it(tmp_path):
    ckpt = tmp_path / "supernet.pt"
    result = bench.bench_supernet_train(DIGITS, data=None, epochs=1, max_train_images=64, out=ckpt,
                                        progress=False, out_dir=tmp_path / "bench")
    assert result["checkpoint"] == str(ckpt) and load_checkpoint(ckpt)["epoch"] == 1
    written = json.loads((tmp_path / "bench" / "supernet_train-demo_digits.json").read_text())
    assert written["checkpoint"] == str(ckpt)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("name", ["bench_supernet_eval_speed", "bench_supernet_train", "bench_supernet_ranking"])
def test_the_python_functions_read_the_default_data_for_the_default_problem_only(name, monkeypatch):
    from evo_cosearch.problem import Problem

    seen = []

    def with_data(self, path, **kw):  # the data a benchmark reads; stop before any work
        seen.append(path)
        raise _Stop

    monkeypatch.setattr(Problem, "with_data", with_data)
    fn = getattr(bench, name)
    args = (None,) if name == "bench_supernet_ranking" else ()
    for problem in (DIGITS, bench.DEFAULT_PROBLEM):
        with pytest.raises(_Stop):
            fn(*args, problem, out_dir=None)
    with pytest.raises(_Stop):
        fn(*args, bench.DEFAULT_PROBLEM, data="none", out_dir=None)
    assert seen == [None, bench.DEFAULT_DATA, None]  # as the CLI's --data: another problem reads its own


@pytest.mark.parametrize("name", ["bench_supernet_eval_speed", "bench_supernet_train", "bench_supernet_ranking",
                                  "bench_autoqkeras"])
def test_the_python_functions_take_their_data_as_a_path(name, monkeypatch):
    from evo_cosearch.bench.autoqkeras import bench_autoqkeras
    from evo_cosearch.problem import Problem

    seen = []

    def with_data(self, path, **kw):
        seen.append(path)
        raise _Stop

    monkeypatch.setattr(Problem, "with_data", with_data)
    fn = bench_autoqkeras if name == "bench_autoqkeras" else getattr(bench, name)
    args = (None,) if name == "bench_supernet_ranking" else ()
    with pytest.raises(_Stop):
        fn(*args, DIGITS, data=Path("data") / "x.npz", out_dir=None)
    assert seen == [str(Path("data") / "x.npz")]


def test_train_of_another_problem_writes_its_default_checkpoint_and_json_under_its_name(tmp_path, monkeypatch):
    from evo_cosearch.bench.output import output_name
    from evo_cosearch.problem import load_problem

    monkeypatch.chdir(tmp_path)
    result = bench.bench_supernet_train(DIGITS, data=None, epochs=1, max_train_images=64, progress=False)
    assert result["checkpoint"] == "results/supernets/bench_fashion-demo_digits.pt"
    assert sorted(p.name for p in Path("results/supernets").iterdir()) == ["bench_fashion-demo_digits.pt"]
    assert sorted(p.name for p in Path("results/benchmarks").iterdir()) == ["supernet_train-demo_digits.json"]
    default = load_problem(bench.DEFAULT_PROBLEM)  # the default problem keeps today's names
    assert output_name("supernet_train", default, bench.DEFAULT_PROBLEM) == "supernet_train"
    assert output_name("bench_fashion", default, bench.DEFAULT_PROBLEM) == Path(bench.DEFAULT_CKPT).stem
