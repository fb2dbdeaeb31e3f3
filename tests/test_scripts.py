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


def _faked(tmp_path, monkeypatch):
    """The script with trainings faked (the accuracy tells the training seed) and its results under ``tmp_path``."""
    import evo_cosearch.bench.standalone as standalone

    s = _script()

    def fake(spec, splits, epochs, train_seed, device):
        acc = 0.5 + 0.01 * train_seed
        return {"val_accuracy": acc, "test_accuracy": acc, "seconds": 0.0, "spec": spec.to_dict(),
                "train_seed": train_seed}

    monkeypatch.setattr(standalone, "_train_one", fake)
    monkeypatch.setattr(standalone, "standalone_splits", lambda problem, train_images, seed: None)
    monkeypatch.setattr(s, "sweep", lambda problem, ref, e_ref, target, top: s.ladder(problem)[-2:])
    monkeypatch.setattr(s, "RESULTS", tmp_path)
    return s


def test_main_reports_the_trainings_it_asked_for(tmp_path, monkeypatch):
    import json

    s = _faked(tmp_path, monkeypatch)
    assert s.main(["--data", str(tmp_path / "fashion.npz")]) == 0
    out = json.loads((tmp_path / "autoqkeras_standalone.json").read_text())
    assert out["ladder"]["reference"]["val_accuracy"] == pytest.approx(0.51)  # the mean over seeds 0, 1, 2
    assert out["sweep"]["reference"]["val_accuracy"] == 0.5  # seed 0 only
    assert len(out["ladder"]["designs"]) == len(s.LADDER) and len(out["sweep"]["designs"]) == 2
    assert len(json.loads((tmp_path / "standalone_children.json").read_text())) == 3 * (1 + len(s.LADDER))


def test_json_names_the_result_file(tmp_path, monkeypatch):
    import json

    s = _faked(tmp_path, monkeypatch)
    assert s.main(["--data", str(tmp_path / "fashion.npz"), "--json", str(tmp_path / "mine" / "aq.json")]) == 0
    assert len(json.loads((tmp_path / "mine" / "aq.json").read_text())["ladder"]["designs"]) == len(s.LADDER)
    assert not (tmp_path / "autoqkeras_standalone.json").exists()


def test_a_json_path_that_cannot_be_written_is_refused_before_any_training(tmp_path, monkeypatch, capsys):
    import evo_cosearch.bench.standalone as standalone

    s = _faked(tmp_path, monkeypatch)
    monkeypatch.setattr(standalone, "train_standalone", lambda *a, **kw: pytest.fail("must not train"))
    monkeypatch.setattr(s, "train_standalone", lambda *a, **kw: pytest.fail("must not train"))
    (tmp_path / "a_dir").mkdir()
    assert s.main(["--data", str(tmp_path / "fashion.npz"), "--json", str(tmp_path / "a_dir")]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path / 'a_dir'}: is a directory, not a benchmark JSON result file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_dir"]


def test_a_json_path_naming_the_stand_alone_cache_is_refused_before_any_training(tmp_path, monkeypatch, capsys):
    s = _faked(tmp_path, monkeypatch)
    monkeypatch.setattr(s, "train_standalone", lambda *a, **kw: pytest.fail("must not train"))
    cache = tmp_path / "standalone_children.json"
    cache.write_text("{}\n")
    assert s.main(["--data", str(tmp_path / "fashion.npz"), "--json", str(cache)]) == 2
    assert "is the stand-alone cache this benchmark uses" in capsys.readouterr().err
    assert cache.read_text() == "{}\n"


def test_an_empty_json_path_is_refused_not_taken_for_the_default(tmp_path, monkeypatch, capsys):
    s = _faked(tmp_path, monkeypatch)
    monkeypatch.setattr(s, "train_standalone", lambda *a, **kw: pytest.fail("must not train"))
    assert s.main(["--data", str(tmp_path / "fashion.npz"), "--json", ""]) == 2
    assert capsys.readouterr().err.startswith("error: ")
    assert not (tmp_path / "autoqkeras_standalone.json").exists()
