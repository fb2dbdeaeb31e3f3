"""The ranking-fidelity benchmark: stand-alone results are cached, and tau/Spearman are computed."""

from __future__ import annotations

import json

import numpy as np
from scipy.stats import kendalltau

from evo_cosearch.bench.supernet import bench_supernet_ranking


def test_ranking_caches_standalone_children(tiny_problem_path, tiny_ckpt, tmp_path):
    cache = tmp_path / "standalone.json"
    kwargs = dict(data=None, n_children=3, epochs=1, train_images=96, cache=cache, out_dir=tmp_path)
    only = bench_supernet_ranking(None, tiny_problem_path, **kwargs)  # fills the cache, no supernet needed
    assert only["standalone_training_seconds_this_run"] > 0
    assert "kendall_tau" not in only and len(json.loads(cache.read_text())) == 3
    assert only["standalone_train_images"] == 96

    full = bench_supernet_ranking(tiny_ckpt, tiny_problem_path, **kwargs)
    assert full["standalone_training_seconds_this_run"] == 0  # all three came from the cache
    assert full["standalone_val_accuracy"] == only["standalone_val_accuracy"]
    inherited = full["inherited_val_accuracy"]
    assert len(inherited) == 3 and all(0.0 <= a <= 1.0 for a in inherited)
    expected = kendalltau(inherited, full["standalone_val_accuracy"])[0]
    assert np.isclose(full["kendall_tau"], expected, equal_nan=True)
    assert json.loads((tmp_path / "supernet_ranking.json").read_text())["checkpoint"] == str(tiny_ckpt)
