"""The stand-alone training cache: a missing file is an empty cache, a damaged one is an error; keys name the splits."""

from __future__ import annotations

from pathlib import Path

import pytest

import evo_cosearch.bench.standalone as standalone
from evo_cosearch.bench.standalone import load_cache, save_cache, split_options, standalone_key, train_standalone
from evo_cosearch.errors import InputError
from evo_cosearch.problem import load_problem

ROOT = Path(__file__).resolve().parents[2]
DIGITS = str(ROOT / "problems" / "demo_digits.yaml")


def test_cache_round_trip_and_missing_file(tmp_path):
    path = tmp_path / "sub" / "cache.json"
    assert load_cache(path) == {} and load_cache(None) == {}
    save_cache(path, {"k": {"val_accuracy": 0.5, "test_accuracy": 1}})
    assert load_cache(path) == {"k": {"val_accuracy": 0.5, "test_accuracy": 1}}
    assert not path.with_suffix(".json.tmp").exists()


@pytest.mark.parametrize("text", ['{"k": {"val_accuracy": 0.5}', "[1, 2]", "\udcff", '{"k": 1}',
                                  '{"k": {"val_accuracy": "x", "test_accuracy": 0.5}}',
                                  '{"k": {"val_accuracy": 0.5}}', '{"k": {"val_accuracy": NaN, "test_accuracy": 0.5}}',
                                  '{"k": {"val_accuracy": 0.5, "test_accuracy": true}}'])
def test_a_damaged_cache_is_refused_and_left_as_it_is(tmp_path, text):
    path = tmp_path / "cache.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    before = path.read_bytes()
    with pytest.raises(InputError, match=str(path)) as info:
        load_cache(path)
    assert "\n" not in str(info.value) and "move it away" in str(info.value)
    assert path.read_bytes() == before


def _fake_training(calls):
    def train_one(spec, splits, epochs, train_seed, device):
        calls.append(len(splits.val_x))
        return {"val_accuracy": 0.5, "test_accuracy": 0.5, "seconds": 0.0, "spec": spec.to_dict(),
                "train_seed": train_seed}
    return train_one


def test_a_problem_with_other_splits_does_not_reuse_the_cached_trainings(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(standalone, "_train_one", _fake_training(calls))
    other = tmp_path / "digits_val_half.yaml"
    other.write_text(Path(DIGITS).read_text().replace("val_fraction: 0.2 ", "val_fraction: 0.5 "))
    spec = load_problem(DIGITS).network.largest()
    cache: dict = {}
    for path in (DIGITS, DIGITS, other):
        train_standalone(path, [(spec, 0)], data=None, epochs=1, train_images=None, seed=0, cache=cache)
    assert len(calls) == 2 and calls[0] < calls[1]  # the second problem trains again, on its own splits
    assert len(cache) == 2


def test_default_splits_keep_the_keys_made_before_splits_were_keyed():
    spec = load_problem(DIGITS).network.largest()
    fashion = load_problem(ROOT / "problems" / "joint_fashion_mnist.yaml")
    assert split_options(fashion) == {} and split_options(load_problem(DIGITS)) == {"val_fraction": 0.2}
    assert standalone_key(spec, data="d.npz", epochs=2, train_images=None, seed=0, split={}) == \
        standalone_key(spec, data="d.npz", epochs=2, train_images=None, seed=0)


def test_keys_stay_those_of_existing_caches(monkeypatch):
    """Values computed before the key was shared: a changed key would orphan hours of cached training."""
    spec = load_problem(DIGITS).network.largest()
    assert standalone_key(spec, data="d.npz", epochs=2, train_images=None, seed=0) == "a38dd044c1b9968cc71a"
    assert standalone_key(spec, data="d.npz", epochs=2, train_images=96, seed=0, train_seed=1,
                          split={"val_fraction": 0.2}) == "e6c4cfe92e22a1214ff3"
    monkeypatch.setattr(standalone, "_train_one", _fake_training([]))
    cache: dict = {}
    train_standalone(DIGITS, [(spec, 0), (spec, 1)], data=None, epochs=1, train_images=None, seed=0, cache=cache)
    assert sorted(cache) == ["37e76c978d820742e210", "5c8cc44580287d96de04"]


def test_the_result_looks_up_each_training_it_was_asked_for(monkeypatch):
    monkeypatch.setattr(standalone, "_train_one", _fake_training([]))
    largest, smallest = load_problem(DIGITS).network.largest(), load_problem(DIGITS).network.smallest()
    cache: dict = {}
    todo = [(largest, 0), (smallest, 0), (largest, 3)]
    trained = train_standalone(DIGITS, todo, data=None, epochs=1, train_images=None, seed=0, cache=cache)
    assert [trained.entry(spec, s)["train_seed"] for spec, s in todo] == [0, 0, 3]
    assert trained.entry(smallest, 0)["spec"] == smallest.to_dict() and trained.seconds == 0.0
    again = train_standalone(DIGITS, todo[:1], data=None, epochs=1, train_images=None, seed=0, cache=cache)
    assert again.entry(largest, 0) is cache["37e76c978d820742e210"]  # from the cache, nothing trained
    with pytest.raises(KeyError):
        again.entry(largest, 1)  # never trained with this seed


def test_a_data_path_finds_the_trainings_cached_under_its_string(monkeypatch):
    monkeypatch.setattr(standalone, "_train_one", lambda *a: pytest.fail("must not train"))
    spec = load_problem(DIGITS).network.largest()
    split = split_options(load_problem(DIGITS))
    key = standalone_key(spec, data="d.npz", epochs=1, train_images=None, seed=0, split=split)
    cache = {key: {"val_accuracy": 0.5}}
    trained = train_standalone(DIGITS, [(spec, 0)], data=Path("d.npz"), epochs=1, train_images=None, seed=0,
                               cache=cache)
    assert trained.entry(spec, 0) is cache[key]


def test_a_training_records_its_device_and_a_bad_device_trains_nothing(monkeypatch):
    spec = load_problem(DIGITS).network.smallest()
    cache: dict = {}
    kwargs = dict(data=None, epochs=1, train_images=64, seed=0, cache=cache)
    done = train_standalone(DIGITS, [(spec, 0)], **kwargs)
    assert done.entry(spec, 0)["device"] == "cpu"
    monkeypatch.setattr(standalone, "_train_one", lambda *a: pytest.fail("must not train"))
    with pytest.raises(InputError, match="device='tpu'"):
        train_standalone(DIGITS, [(spec, 1), (spec, 2)], workers=2, device="tpu", **kwargs)
    assert len(cache) == 1
