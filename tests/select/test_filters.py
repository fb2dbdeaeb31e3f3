"""Filter bounds: which designs meet them and which design misses them least."""

from __future__ import annotations

import numpy as np
import pytest

from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.select.filters import Bounds

METRICS = {
    "accuracy": np.array([0.95, 0.90, 0.80]),
    "latency_ms": np.array([3.0, 1.5, 0.5]),
    "energy_uj": np.array([10.0, 5.0, 2.0]),
    "area_mm2": np.array([4.0, 2.0, 1.0]),
}


def test_no_bounds_keep_everything():
    assert Bounds().mask(METRICS).all()


def test_bounds_combine():
    assert Bounds(max_latency_ms=2.0).mask(METRICS).tolist() == [False, True, True]
    assert Bounds(max_latency_ms=2.0, min_accuracy=0.85).mask(METRICS).tolist() == [False, True, False]
    assert Bounds(max_energy_uj=5.0, max_area_mm2=1.5).mask(METRICS).tolist() == [False, False, True]


def test_closest_names_the_violated_bound():
    row, violated = Bounds(max_latency_ms=1.0, min_accuracy=0.97).closest(METRICS)
    # row 2 misses accuracy by 18 % (relative); rows 0 and 1 miss latency by 200 % and 50 % too
    assert row == 2
    assert [v.name for v in violated] == ["min_accuracy"]
    assert str(violated[0]) == "accuracy 0.8 < 0.97 (min_accuracy)"  # from Python: the argument
    with cli_names():
        assert str(violated[0]) == "accuracy 0.8 < 0.97 (--min-accuracy)"


@pytest.mark.parametrize("kwargs, match", [({"min_accuracy": 90.0}, "fraction"),
                                           ({"max_latency_ms": -1.0}, "positive")])
def test_bad_bounds_are_rejected(kwargs, match):
    with pytest.raises(InputError, match=match):
        Bounds(**kwargs)
