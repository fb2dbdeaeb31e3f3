"""``evo-cosearch bench autoqkeras``: flags reach the benchmark function; bad values exit 2."""

from __future__ import annotations

import pytest

import evo_cosearch.bench.autoqkeras as bench
from evo_cosearch.cli import main


def test_verify_and_training_flags_reach_the_benchmark(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(bench, "bench_autoqkeras", lambda *a, **kw: seen.update(kw) or {"ok": True})
    assert main(["bench", "autoqkeras", "--train-epochs", "3", "--train-seeds", "2", "--verify", "5",
                 "--jobs", "2", "--device", "cuda"]) == 0
    assert (seen["train_epochs"], seen["train_seeds"], seen["verify"], seen["workers"]) == (3, 2, 5, 2)
    assert seen["device"] == "cuda"
    assert '"ok": true' in capsys.readouterr().out


@pytest.mark.parametrize("argv, flag", [(["--verify", "4"], "--verify"),
                                        (["--verify", "-1", "--train-epochs", "1"], "--verify"),
                                        (["--train-seeds", "0"], "--train-seeds"),
                                        (["--train-epochs", "-1"], "--train-epochs: -1"),
                                        (["--tolerance", "nan"], "--tolerance: nan"),
                                        (["--tolerance", "inf"], "--tolerance: inf"),
                                        (["--tolerance", "-0.5"], "--tolerance: -0.5"),
                                        (["--jobs", "0"], "--jobs: 0 must be >= 1"),
                                        (["--device", "gpu"], "--device gpu: not a device")])
def test_bad_flags_exit_2_before_any_work(argv, flag, monkeypatch, capsys):
    # the benchmark itself refuses them as its first step (the CLI does not check them again)
    for work in ("check_strategies", "bench_data", "load_problem", "run_all"):
        monkeypatch.setattr(bench, work, lambda *a, **kw: pytest.fail("must not run"))
    assert main(["bench", "autoqkeras", *argv]) == 2
    err = capsys.readouterr().err
    assert flag in err and len(err.strip().splitlines()) == 1


def test_json_reaches_the_benchmark(monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(bench, "bench_autoqkeras", lambda *a, **kw: seen.update(kw) or {"ok": True})
    assert main(["bench", "autoqkeras", "--json", "mine.json"]) == 0
    assert seen["json_out"] == "mine.json"
    assert main(["bench", "autoqkeras"]) == 0
    assert seen["json_out"] is None and seen["out_root"] is None  # the defaults: named by the problem


@pytest.mark.parametrize("bench", ["autoqkeras", "strategies", "joint"])
def test_help_says_a_missing_supernet_is_trained_and_existing_runs_reused(bench, capsys):
    """`bench autoqkeras --help` said neither (the benchmark trains the problem's supernet when it is missing)."""
    with pytest.raises(SystemExit):
        main(["bench", bench, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: the problem's cached one, trained when missing)" in text and "existing ones are reused" in text
