"""Supernet checkpoints: what is not one (another tool's file, a damaged one) is a one-line InputError;
which checkpoint may be resumed (the same settings and data, its dataset file however spelled)."""

from __future__ import annotations

import pytest
import torch

from evo_cosearch.errors import InputError
from evo_cosearch.data import data_identity
from evo_cosearch.problem import DatasetConfig
from evo_cosearch.supernet.checkpoint import (load_checkpoint, load_torch_file, save_atomic, trained_otherwise,
                                             training_differences)


@pytest.mark.parametrize("change,needle", [
    ({"meta": {"a": 1}}, "its meta is not a JSON object"),  # another tool's {"model", "meta"} file
    ({"meta": "not json"}, "its meta is not a JSON object"),
    ({"meta": "[1, 2]"}, "its meta is not a JSON object"),
    ({"numpy_rng": None}, "no 'numpy_rng'"),
    ({"data": "not json"}, "its data record is not a JSON object"),
    ({"data": "[1]"}, "its data record is not a JSON object"),
])
def test_a_file_that_is_not_a_whole_checkpoint_is_named(tiny_ckpt, tmp_path, change, needle):
    ckpt = load_torch_file(tiny_ckpt, "supernet checkpoint")
    ckpt.update(change)
    ckpt = {k: v for k, v in ckpt.items() if v is not None}
    bad = tmp_path / "bad.pt"
    save_atomic(ckpt, bad)
    with pytest.raises(InputError, match=f"bad.pt: not an evo_cosearch supernet checkpoint .*{needle}") as err:
        load_checkpoint(bad)
    assert "\n" not in str(err.value)


def test_a_whole_checkpoint_loads_with_its_meta_parsed(tiny_ckpt):
    ckpt = load_checkpoint(tiny_ckpt)
    assert isinstance(ckpt["meta"], dict) and ckpt["epoch"] == ckpt["epochs"] and isinstance(ckpt["model"], dict)
    assert all(isinstance(v, torch.Tensor) for v in ckpt["model"].values())


def _meta(path):
    return {"format": 4, "dataset": {"name": "mnist", "path": path, "options": {}}, "seed": 0}


@pytest.fixture
def files(tmp_path, monkeypatch):
    """data/a.npz, a byte-for-byte copy and another file; the current directory is theirs."""
    (tmp_path / "data").mkdir()
    for name, content in (("a.npz", b"a" * 100), ("copy.npz", b"a" * 100), ("b.npz", b"b" * 100)):
        (tmp_path / "data" / name).write_bytes(content)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _identity(path):
    return data_identity(DatasetConfig("mnist", path))


@pytest.mark.parametrize("spelling", ["./data/a.npz", "data//a.npz", "ABS", "data/copy.npz"])
def test_a_checkpoint_resumes_with_its_data_file_spelled_otherwise(files, spelling):
    spelling = str(files / "data" / "a.npz") if spelling == "ABS" else spelling
    ckpt = {"meta": _meta("data/a.npz"), "data": _identity("data/a.npz")}
    assert training_differences(ckpt, _meta(spelling), _identity(spelling)) == []


def test_a_checkpoint_is_not_resumed_on_other_data(files):
    ckpt = {"meta": _meta("data/a.npz"), "data": _identity("data/a.npz")}
    assert training_differences(ckpt, _meta("data/b.npz"), _identity("data/b.npz")) == [
        f"trained on dataset mnist ({files / 'data' / 'a.npz'}, sha256 {ckpt['data']['sha256']}), "
        f"not on dataset mnist ({files / 'data' / 'b.npz'}, sha256 {_identity('data/b.npz')['sha256']}), "
        "the data this command reads"]
    (files / "data" / "a.npz").write_bytes(b"c" * 100)  # the same path, other contents
    assert training_differences(ckpt, _meta("data/a.npz"), _identity("data/a.npz"))[0].startswith("trained on ")
    other = {**_meta("data/b.npz"), "seed": 1}
    assert training_differences(ckpt, other, _identity("data/b.npz"))[0] == "seed"


@pytest.mark.parametrize("spelling,differ", [("./data/a.npz", []), ("ABS", []), ("data/b.npz", ["dataset.path"]),
                                             ("data/copy.npz", [])])
def test_a_checkpoint_without_a_data_record_compares_its_path_as_a_file_or_its_bytes(files, spelling, differ):
    spelling = str(files / "data" / "a.npz") if spelling == "ABS" else spelling
    old = {"meta": _meta("data/a.npz")}  # written before checkpoints recorded their data
    assert training_differences(old, _meta(spelling), _identity(spelling)) == differ


@pytest.mark.parametrize("then", ["changed", "removed"])
def test_a_copy_is_not_the_data_of_a_checkpoint_without_a_record_once_its_recorded_file_changed(files, then):
    old = {"meta": _meta("data/a.npz")}
    copy = _identity("data/copy.npz")
    if then == "changed":
        (files / "data" / "a.npz").write_bytes(b"c" * 100)
    else:
        (files / "data" / "a.npz").unlink()
    assert training_differences(old, _meta("data/copy.npz"), copy) == ["dataset.path"]
    assert training_differences(old, _meta("data/copy.npz"), None) == ["dataset.path"]  # data not known


def test_a_refusal_names_other_settings_and_other_data_together(files):
    ckpt = {"meta": _meta("data/a.npz"), "data": _identity("data/a.npz")}
    differ = training_differences(ckpt, {**_meta("data/b.npz"), "seed": 1}, _identity("data/b.npz"))
    assert trained_otherwise(differ) == f"trained with another seed and {differ[-1]}"
    assert differ[-1].startswith(f"trained on dataset mnist ({files / 'data' / 'a.npz'}, ")
    assert trained_otherwise(["seed", "supernet.lr"]) == "trained with another seed, supernet.lr"


def test_a_refusal_given_both_metas_says_the_plain_values():
    was = {"seed": 0, "supernet": {"epochs": 1, "lr": 0.1}, "network": {"stages": [{"stride": 1}]}}
    now = {"seed": 1, "supernet": {"epochs": 3, "lr": 0.1}, "network": {"stages": [{"stride": 2}]}}
    said = trained_otherwise(["network.stages", "seed", "supernet.epochs"], was, now)
    assert said == "trained with another network.stages, seed (0, not 1), supernet.epochs (1, not 3)"
