"""Supernet benchmarks: what is checked before the (long) work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

import evo_cosearch.bench.supernet as bench
from evo_cosearch.errors import InputError

DIGITS = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


def test_ranking_refuses_an_unreadable_supernet_before_training_any_child(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "train_standalone", lambda *a, **kw: pytest.fail("must not train"))
    ckpt = tmp_path / "not_a_supernet.pt"
    ckpt.write_text("text")
    with pytest.raises(InputError, match="not_a_supernet.pt: not a readable supernet checkpoint"):
        bench.bench_supernet_ranking(ckpt, DIGITS, data=None, n_children=2, epochs=1,
                                     cache=tmp_path / "cache.json", out_dir=tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not_a_supernet.pt"]
