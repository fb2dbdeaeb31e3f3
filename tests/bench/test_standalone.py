"""The stand-alone training cache: a missing file is an empty cache, a damaged one is an error."""

from __future__ import annotations

import pytest

from evo_cosearch.bench.standalone import load_cache, save_cache
from evo_cosearch.errors import InputError


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
