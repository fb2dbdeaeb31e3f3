"""``evo-cosearch bench supernet-*``: flags reach the benchmark functions; bad values exit 2."""

from __future__ import annotations

import pytest

import evo_cosearch.bench.supernet as bench
from evo_cosearch.cli import main


def test_supernet_train_writes_the_checkpoint_named_by_out(monkeypatch, tmp_path, capsys):
    seen = {}
    monkeypatch.setattr(bench, "bench_supernet_train", lambda *a, **kw: seen.update(kw) or {"ok": True})
    assert main(["bench", "supernet-train", "--epochs", "3", "--out", str(tmp_path / "mine.pt")]) == 0
    assert seen["out"] == str(tmp_path / "mine.pt") and seen["epochs"] == 3
    assert '"ok": true' in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--epochs", "--max-train-images"])
def test_supernet_train_rejects_non_positive_sizes(flag, monkeypatch, capsys):
    monkeypatch.setattr(bench, "bench_supernet_train", lambda *a, **kw: pytest.fail("must not train"))
    assert main(["bench", "supernet-train", flag, "0"]) == 2
    err = capsys.readouterr().err
    assert flag in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [["--eval-seeds", "3"], ["--recal-images", "100"], ["--full-val"]])
def test_ranking_flags_that_score_inherited_accuracies_need_a_supernet(argv, monkeypatch, capsys):
    monkeypatch.setattr(bench, "bench_supernet_ranking", lambda *a, **kw: pytest.fail("must not run"))
    assert main(["bench", "supernet-ranking", *argv]) == 2
    err = capsys.readouterr().err
    assert f"{argv[0]}: scores inherited accuracies, so it needs --supernet CKPT" in err
