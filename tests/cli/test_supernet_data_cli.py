"""CLI: a supernet serves only the data it was trained on; its dataset file may be spelled otherwise."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.cli import main
from evo_cosearch.supernet.checkpoint import load_checkpoint, load_torch_file, save_atomic

_spec = importlib.util.spec_from_file_location("_sn_conftest", Path(__file__).parents[1] / "supernet" / "conftest.py")
_conf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conf)


def _npz(path: Path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    np.savez(path, x_train=rng.integers(0, 256, (200, 28, 28), dtype=np.uint8), y_train=np.arange(200) % 10,
             x_test=rng.integers(0, 256, (40, 28, 28), dtype=np.uint8), y_test=np.arange(40) % 10)


def _make(d: Path) -> Path:
    """In ``d``: data/a.npz, a byte-for-byte copy data/copy.npz, another file data/b.npz and a
    tiny 28x28 problem reading data/a.npz (relative to the current directory)."""
    (d / "data").mkdir()
    _npz(d / "data" / "a.npz", 0)
    _npz(d / "data" / "b.npz", 1)
    shutil.copy(d / "data" / "a.npz", d / "data" / "copy.npz")
    return _conf.write_tiny(d, dataset="{name: mnist, path: data/a.npz}",
                            supernet="{epochs: 2, batch_size: 64, max_train_images: 128}")


@pytest.fixture(scope="module")
def on_file(tmp_path_factory):
    """The folder, the problem and its supernet, trained on data/a.npz."""
    d = tmp_path_factory.mktemp("on_file")
    problem = _make(d)
    with pytest.MonkeyPatch.context() as m:
        m.chdir(d)
        assert main(["train-supernet", "--problem", str(problem), "--out", "sn.pt", "--quiet"]) == 0
    return d, problem, d / "sn.pt"


def _genome(problem: Path) -> str:
    from evo_cosearch.problem import load_problem

    return ",".join(["0"] * load_problem(problem).space.n_var)


def _unfinished(ckpt: Path, out: Path, *, keep_data: bool = True) -> Path:
    """``ckpt`` as its training left it after the first epoch (without its data record, as
    checkpoints were written before they recorded one, unless ``keep_data``)."""
    c = load_torch_file(ckpt, "supernet checkpoint")
    c.update(epoch=1, history=json.dumps(json.loads(c["history"])[:1]))
    if not keep_data:
        del c["data"]
    save_atomic(c, out)
    return out


def _one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("spelling", ["./data/a.npz", "data//a.npz", "ABS", "data/copy.npz"])
def test_train_supernet_resumes_with_its_dataset_file_spelled_otherwise(on_file, tmp_path, monkeypatch, capsys,
                                                                       spelling):
    d, problem, ckpt = on_file
    monkeypatch.chdir(d)
    out = _unfinished(ckpt, tmp_path / "part.pt")
    spelling = str(d / "data" / "a.npz") if spelling == "ABS" else spelling
    assert main(["train-supernet", "--problem", str(problem), "--data", spelling, "--out", str(out), "--quiet"]) == 0
    resumed = load_checkpoint(out)
    assert resumed["epoch"] == 2 and resumed["meta"]["dataset"]["path"] == "data/a.npz"  # as first spelled
    assert resumed["data"] == load_checkpoint(ckpt)["data"]


def test_train_supernet_never_resumes_on_another_file(on_file, tmp_path, monkeypatch, capsys):
    d, problem, ckpt = on_file
    monkeypatch.chdir(d)
    out = _unfinished(ckpt, tmp_path / "part.pt")
    before = out.read_bytes()
    capsys.readouterr()
    assert main(["train-supernet", "--problem", str(problem), "--data", "data/b.npz", "--out", str(out), "--quiet"]) == 2
    err = _one_error(capsys)
    assert f"{out}: holds a supernet trained on dataset mnist ({d / 'data' / 'a.npz'}" in err
    assert f"not on dataset mnist ({d / 'data' / 'b.npz'}" in err and out.read_bytes() == before


@pytest.mark.parametrize("change", [["--data", "data/b.npz"], ["--epochs", "3"], ["--seed", "1"]])
def test_train_supernet_refuses_another_training_before_loading_the_data(on_file, tmp_path, monkeypatch, capsys,
                                                                        change):
    d, problem, ckpt = on_file
    monkeypatch.chdir(d)
    out = _unfinished(ckpt, tmp_path / "part.pt")
    before = out.read_bytes()
    monkeypatch.setattr("evo_cosearch.supernet.store.load_dataset", lambda *a, **kw: pytest.fail("loaded the data"))
    capsys.readouterr()
    assert main(["train-supernet", "--problem", str(problem), "--out", str(out), "--quiet", *change]) == 2
    assert f"{out}: holds a supernet trained " in _one_error(capsys) and out.read_bytes() == before


def test_train_supernet_of_a_finished_checkpoint_loads_no_data(on_file, monkeypatch, capsys):
    d, problem, ckpt = on_file
    monkeypatch.chdir(d)
    before = ckpt.read_bytes()
    monkeypatch.setattr("evo_cosearch.supernet.store.load_dataset", lambda *a, **kw: pytest.fail("loaded the data"))
    assert main(["train-supernet", "--problem", str(problem), "--out", str(ckpt), "--quiet"]) == 0
    assert ckpt.read_bytes() == before


def test_a_checkpoint_written_before_it_recorded_its_data_resumes_and_is_accepted(on_file, tmp_path, monkeypatch,
                                                                                 capsys):
    d, problem, ckpt = on_file
    monkeypatch.chdir(d)
    out = _unfinished(ckpt, tmp_path / "old.pt", keep_data=False)
    before = out.read_bytes()
    capsys.readouterr()
    assert main(["train-supernet", "--problem", str(problem), "--data", "data/b.npz", "--out", str(out), "--quiet"]) == 2
    assert 'another dataset.path ("data/a.npz", not "data/b.npz");' in _one_error(capsys) and out.read_bytes() == before
    assert main(["train-supernet", "--problem", str(problem), "--data", "./data/a.npz", "--out", str(out),
                 "--quiet"]) == 0
    assert load_checkpoint(out)["epoch"] == 2
    copy = _unfinished(ckpt, tmp_path / "old_copy.pt", keep_data=False)  # the same bytes at another path
    assert main(["train-supernet", "--problem", str(problem), "--data", "data/copy.npz", "--out", str(copy),
                 "--quiet"]) == 0
    resumed = load_checkpoint(copy)
    assert resumed["epoch"] == 2 and resumed["meta"]["dataset"]["path"] == "data/a.npz"  # as first recorded
    assert resumed["data"]["path"] == str(d / "data" / "copy.npz")  # and now what it was resumed on
    old = tmp_path / "old_finished.pt"
    save_atomic({k: v for k, v in load_torch_file(ckpt, "supernet checkpoint").items() if k != "data"}, old)
    assert main(["evaluate", "--problem", str(problem), "--supernet", str(old), "--data", "data/b.npz",
                 "--genome", _genome(problem)]) == 0  # what it was trained on is not known


def test_commands_refuse_a_supernet_trained_on_other_data(on_file, tmp_path, monkeypatch, capsys):
    d, problem, ckpt = on_file
    monkeypatch.chdir(d)
    genome = _genome(problem)
    capsys.readouterr()
    assert main(["evaluate", "--problem", str(problem), "--supernet", str(ckpt), "--data", "data/copy.npz",
                 "--genome", genome]) == 0  # the same bytes
    capsys.readouterr()
    for argv in (["evaluate", "--supernet", str(ckpt), "--genome", genome],
                 ["train-child", "--from-supernet", str(ckpt), "--genome", genome, "--epochs", "0"],
                 ["search", "--supernet", str(ckpt), "--out", str(tmp_path / "run"), "--pop", "4", "--gens", "1",
                  "--quiet"]):
        assert main([argv[0], "--problem", str(problem), "--data", "data/b.npz", *argv[1:]]) == 2, argv[0]
        err = _one_error(capsys)
        assert err.startswith(f"error: {ckpt}: holds a supernet trained on dataset mnist ({d / 'data' / 'a.npz'}, "
                              "sha256 "), err
        assert f"not on dataset mnist ({d / 'data' / 'b.npz'}, sha256 " in err
    assert not (tmp_path / "run").exists()


def test_select_finetune_refuses_a_supernet_trained_on_other_data_before_choosing(on_file, tmp_path, monkeypatch,
                                                                                  capsys):
    from evo_cosearch.api import search
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem

    d, problem, ckpt = on_file
    monkeypatch.chdir(d)
    p = load_problem(problem).with_data("data/b.npz")
    search(p, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(p), quiet=True).close()
    capsys.readouterr()
    assert main(["select", str(tmp_path / "run"), "--by", "knee", "--finetune", "1", "--supernet", str(ckpt),
                 "--export", str(tmp_path / "chosen")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and f"{ckpt}: holds a supernet trained on dataset mnist" in err
    assert not (tmp_path / "chosen").exists()


def test_a_cached_supernet_of_a_file_changed_since_is_refused(tmp_path, monkeypatch, capsys):
    problem = _make(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["train-supernet", "--problem", str(problem), "--epochs", "1", "--quiet"]) == 0
    cached = capsys.readouterr().out.split(": ", 1)[1].strip()
    shutil.copy(tmp_path / "data" / "b.npz", tmp_path / "data" / "a.npz")  # new contents, the same path
    before = Path(cached).read_bytes()
    assert main(["train-supernet", "--problem", str(problem), "--epochs", "1", "--quiet"]) == 2
    err = _one_error(capsys)
    assert err.startswith(f"error: {cached}: holds a supernet trained on dataset mnist") and err.endswith(
        "remove this cached supernet to train one on this data\n") and Path(cached).read_bytes() == before


def _cached_by_train_supernet(capsys, problem: Path, *data: str) -> Path:
    capsys.readouterr()
    assert main(["train-supernet", "--problem", str(problem), *[a for d in data for a in ("--data", d)],
                 "--quiet"]) == 0
    return Path(capsys.readouterr().out.split(": ", 1)[1].strip())


def test_every_spelling_of_one_data_file_finds_one_cached_supernet_and_another_file_its_own(tmp_path, monkeypatch,
                                                                                          capsys):
    from evo_cosearch.api import load_archive

    problem = _make(tmp_path)
    (tmp_path / "link.npz").symlink_to(tmp_path / "data" / "a.npz")
    monkeypatch.chdir(tmp_path)
    cached = _cached_by_train_supernet(capsys, problem, "./data/a.npz")
    made = cached.stat().st_mtime_ns
    for spelling in ("data/a.npz", "data//a.npz", str(tmp_path / "data" / "a.npz"), "link.npz"):
        assert _cached_by_train_supernet(capsys, problem, spelling) == cached, spelling
    assert main(["search", "--problem", str(problem), "--data", str(tmp_path / "data" / "a.npz"), "--out", "run",
                 "--pop", "4", "--gens", "1", "--quiet"]) == 0
    with load_archive("run") as arc:
        assert Path(arc.meta.accuracy_source["supernet"]).resolve() == cached.resolve()
    assert cached.stat().st_mtime_ns == made and len(list(cached.parent.iterdir())) == 1  # trained once
    assert _cached_by_train_supernet(capsys, problem, "data/b.npz") != cached  # another file: its own supernet
    assert len(list(cached.parent.iterdir())) == 2


def test_a_supernet_cached_under_its_path_as_typed_is_still_found(tmp_path, monkeypatch, capsys):
    from evo_cosearch.problem import load_problem
    from evo_cosearch.supernet import supernet_meta
    from evo_cosearch.supernet.checkpoint import meta_key

    problem = _make(tmp_path)
    monkeypatch.chdir(tmp_path)
    cached = _cached_by_train_supernet(capsys, problem, "./data/a.npz")
    typed_key = meta_key(supernet_meta(load_problem(problem).with_data("./data/a.npz")))
    typed = cached.with_name(f"tiny_digits-{typed_key}.pt")  # the name earlier versions gave it
    assert typed != cached
    cached.rename(typed)
    made = typed.stat().st_mtime_ns
    assert _cached_by_train_supernet(capsys, problem, "./data/a.npz") == typed
    assert typed.stat().st_mtime_ns == made and list(typed.parent.iterdir()) == [typed]


def test_an_unfinished_cached_supernet_of_a_file_changed_since_names_the_cache_not_out(tmp_path, monkeypatch,
                                                                                       capsys):
    problem = _make(tmp_path)
    monkeypatch.chdir(tmp_path)
    cached = _cached_by_train_supernet(capsys, problem)
    _unfinished(cached, cached)
    shutil.copy(tmp_path / "data" / "b.npz", tmp_path / "data" / "a.npz")  # new contents, the same path
    before = cached.read_bytes()
    assert main(["search", "--problem", str(problem), "--out", "run", "--pop", "4", "--gens", "1", "--quiet"]) == 2
    err = _one_error(capsys)
    assert err.startswith(f"error: {cached}: holds a supernet trained on dataset mnist (") and err.endswith(
        ", the data this command reads; remove this cached supernet to train one on this data\n"), err
    assert "--out" not in err and cached.read_bytes() == before and not Path("run").exists()
