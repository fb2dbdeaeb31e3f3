"""``evo-cosearch bench supernet-*``: flags reach the benchmark functions; bad values exit 2."""

from __future__ import annotations

import json

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


def test_supernet_speed_writes_its_json_where_json_says(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "supernet-speed", "--problem", "demo_digits", "--children", "1",
                 "--json", "out/speed.json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads((tmp_path / "out" / "speed.json").read_text()) == printed
    assert not (tmp_path / "results").exists()  # not the default place as well


@pytest.mark.parametrize("name, fn", [("supernet-train", "bench_supernet_train"),
                                      ("supernet-ranking", "bench_supernet_ranking")])
def test_json_reaches_the_benchmark(name, fn, monkeypatch, capsys):
    seen = {}
    monkeypatch.setattr(bench, fn, lambda *a, **kw: seen.update(kw) or {"ok": True})
    assert main(["bench", name, "--json", "mine.json"]) == 0
    assert seen["json_out"] == "mine.json"
    assert main(["bench", name]) == 0
    assert seen["json_out"] is None  # the default: results/benchmarks/<name>.json


def test_ranking_trains_on_the_device_it_is_given(monkeypatch):
    seen = {}
    monkeypatch.setattr(bench, "bench_supernet_ranking", lambda *a, **kw: seen.update(kw) or {"ok": True})
    assert main(["bench", "supernet-ranking"]) == 0 and seen["device"] == "cpu"
    assert main(["bench", "supernet-ranking", "--device", "cuda:1", "--jobs", "4"]) == 0
    assert (seen["device"], seen["workers"]) == ("cuda:1", 4)


@pytest.mark.parametrize("argv", [["supernet-speed"], ["supernet-train", "--out", "ck.pt"], ["supernet-ranking"],
                                  ["autoqkeras", "--out", "runs"]])
def test_a_json_path_that_cannot_be_written_is_refused_before_any_work(argv, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_dir").mkdir()
    assert main(["bench", *argv, "--json", "a_dir"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: a_dir: is a directory, not a benchmark JSON result file") and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["a_dir"]  # no checkpoint, cache, run or result


@pytest.mark.parametrize("argv, what", [
    (["supernet-train", "--out", "sn.pt", "--json", "./sn.pt", "--epochs", "1", "--max-train-images", "64"],
     "supernet checkpoint"),
    (["supernet-speed", "--supernet", "sn.pt", "--json", "sn.pt"], "supernet checkpoint"),
    (["supernet-ranking", "--supernet", "sn.pt", "--json", "sn.pt"], "supernet checkpoint"),
    (["supernet-ranking", "--json", "results/benchmarks/standalone_children.json"], "stand-alone cache"),
    (["autoqkeras", "--supernet", "sn.pt", "--json", "sn.pt"], "supernet checkpoint"),
    (["autoqkeras", "--json", "results/benchmarks/standalone_children.json"], "stand-alone cache"),
])
def test_a_json_result_never_replaces_the_checkpoint_or_cache_the_benchmark_uses(argv, what, monkeypatch, tmp_path,
                                                                                 capsys):
    monkeypatch.chdir(tmp_path)
    problem = "autoqkeras_digits" if argv[0] == "autoqkeras" else "demo_digits"
    assert main(["bench", *argv, "--problem", problem]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"is the {what} this benchmark uses; write its JSON result to another file" in err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written
