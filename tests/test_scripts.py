"""scripts/autoqkeras_standalone.py: the designs it trains are the ones the README's table names."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script():
    path = ROOT / "scripts" / "autoqkeras_standalone.py"
    spec = importlib.util.spec_from_file_location("autoqkeras_standalone", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ladder_is_all_4_bit_and_saves_46_to_81_percent():
    s = _script()
    problem = s.load_problem(s.PROBLEM)
    ref = np.asarray(problem.reference)
    designs = s.ladder(problem)
    saved = 1.0 - s.energy(problem, np.stack(designs)) / s.energy(problem, ref[None])[0]
    assert np.round(100 * saved, 1).tolist() == [46.3, 51.9, 57.5, 63.1, 66.6, 70.1, 70.6, 80.8]
    for x, filters in zip(designs, s.LADDER):
        genes = problem.space.values_of(x)
        assert [genes[f"s{k}.width"] for k in (1, 2, 3)] == list(filters)
        assert all(genes[g] == 4 for g in s.QUANT_GENES)


def test_a_non_positive_epoch_count_is_refused_before_any_work(capsys):
    with pytest.raises(SystemExit) as e:
        _script().main(["--data", "missing.npz", "--epochs", "0"])
    assert e.value.code == 2
    assert "--epochs: 0" in capsys.readouterr().err
