"""Supernet benchmarks: ranking fidelity (stand-alone results cached, tau/Spearman) and training."""

from __future__ import annotations

import json

import numpy as np
from scipy.stats import kendalltau

from evo_cosearch.bench.supernet import _tau_interval, bench_supernet_ranking
from evo_cosearch.problem import load_problem


def test_ranking_caches_standalone_children(tiny_problem_path, tiny_ckpt, tmp_path):
    cache = tmp_path / "standalone.json"
    kwargs = dict(data=None, n_children=3, epochs=1, train_images=96, cache=cache, out_dir=tmp_path)
    only = bench_supernet_ranking(None, tiny_problem_path, **kwargs)  # fills the cache, no supernet needed
    assert only["standalone_training_seconds_this_run"] > 0
    assert "kendall_tau" not in only and len(json.loads(cache.read_text())) == 3
    assert only["standalone_train_images"] == 96
    assert only["standalone_devices"] == {"cpu": 3}

    full = bench_supernet_ranking(tiny_ckpt, tiny_problem_path, **kwargs)
    assert full["standalone_training_seconds_this_run"] == 0  # all three came from the cache
    assert full["standalone_val_accuracy"] == only["standalone_val_accuracy"]
    inherited = full["inherited_val_accuracy"]
    assert len(inherited) == 3 and all(0.0 <= a <= 1.0 for a in inherited)
    expected = kendalltau(inherited, full["standalone_val_accuracy"])[0]
    assert np.isclose(full["kendall_tau"], expected, equal_nan=True)
    assert full["kendall_tau_ci95"] == _tau_interval(inherited, full["standalone_val_accuracy"], 0)
    name = load_problem(tiny_problem_path).name  # not the default problem: its name is in the file's
    assert json.loads((tmp_path / f"supernet_ranking-{name}.json").read_text())["checkpoint"] == str(tiny_ckpt)
    assert not (tmp_path / "supernet_ranking.json").exists()
    entries = json.loads(cache.read_text())  # trained before devices were recorded: on the CPU
    cache.write_text(json.dumps({k: {f: v for f, v in e.items() if f != "device"} for k, e in entries.items()}))
    assert bench_supernet_ranking(None, tiny_problem_path, **kwargs)["standalone_devices"] == {"cpu": 3}


def test_ranking_with_repeated_seeds_reports_the_reference_noise(tiny_problem_path, tiny_ckpt, tmp_path):
    cache = tmp_path / "standalone.json"
    kwargs = dict(data=None, n_children=3, epochs=1, train_images=96, cache=cache, out_dir=tmp_path)
    one = bench_supernet_ranking(None, tiny_problem_path, **kwargs)
    two = bench_supernet_ranking(tiny_ckpt, tiny_problem_path, seeds=2, full_val=True, **kwargs)
    runs = np.array(two["standalone_val_accuracy_per_seed"])
    assert runs.shape == (2, 3) and len(json.loads(cache.read_text())) == 6
    assert runs[0].tolist() == one["standalone_val_accuracy"]  # seed 0 came from the cache, seed 1 is new
    assert two["standalone_training_seconds_this_run"] > 0
    assert np.allclose(two["standalone_val_accuracy"], runs.mean(axis=0))
    assert np.isclose(two["seed_to_seed_kendall_tau"], kendalltau(runs[0], runs[1])[0], equal_nan=True)
    assert len(two["kendall_tau_per_seed"]) == 2
    assert "seed_vs_rest_kendall_tau" not in two  # with 2 seeds it is the seed-to-seed tau
    three = bench_supernet_ranking(None, tiny_problem_path, seeds=3, **kwargs)
    runs = np.array(three["standalone_val_accuracy_per_seed"])
    assert np.allclose(three["seed_vs_rest_kendall_tau"],
                       [kendalltau(runs[i], (runs.sum(axis=0) - runs[i]) / 2)[0] for i in range(3)], equal_nan=True)
    assert two["val_images"] > 64  # the whole validation split, not the problem's 64 images


def test_more_evaluation_seeds_report_each_tau_and_keep_seed_0_as_the_headline(tiny_problem_path, tiny_ckpt,
                                                                                  tmp_path):
    kwargs = dict(data=None, n_children=4, epochs=1, train_images=96, cache=tmp_path / "c.json", out_dir=None)
    one = bench_supernet_ranking(tiny_ckpt, tiny_problem_path, **kwargs)
    three = bench_supernet_ranking(tiny_ckpt, tiny_problem_path, eval_seeds=3, recal_images=32, **kwargs)
    assert "kendall_tau_per_eval_seed" not in one and len(three["kendall_tau_per_eval_seed"]) == 3
    assert three["recal_images"] == 32 and one["recal_images"] != 32
    again = bench_supernet_ranking(tiny_ckpt, tiny_problem_path, recal_images=32, **kwargs)
    assert three["inherited_val_accuracy"] == again["inherited_val_accuracy"]  # seed 0's images, as before
    assert np.isclose(three["kendall_tau"], three["kendall_tau_per_eval_seed"][0], equal_nan=True)
    per_seed = three["inherited_val_accuracy_per_eval_seed"]
    assert len(per_seed) == 3 and per_seed[0] == three["inherited_val_accuracy"]
    assert np.allclose([kendalltau(acc, three["standalone_val_accuracy"])[0] for acc in per_seed],
                       three["kendall_tau_per_eval_seed"], equal_nan=True)


def test_training_benchmark_reports_time_and_the_extreme_children(tiny_problem_path, tmp_path):
    from evo_cosearch.bench.supernet import bench_supernet_train

    r = bench_supernet_train(tiny_problem_path, data=None, epochs=1, out=tmp_path / "sn.pt", progress=False,
                             out_dir=tmp_path)
    name = load_problem(tiny_problem_path).name
    assert json.loads((tmp_path / f"supernet_train-{name}.json").read_text()) == r
    assert r["epochs"] == 1 and len(r["seconds_per_epoch"]) == 1 and r["train_images_per_s"] > 0
    for key in ("largest_val_accuracy", "smallest_val_accuracy", "smallest_network_most_precise_val_accuracy"):
        assert 0.0 <= r[key] <= 1.0


def test_worker_processes_train_the_same_children_to_the_same_figures(tiny_problem_path, tmp_path):
    kwargs = dict(data=None, n_children=3, epochs=1, train_images=96, out_dir=None)
    serial = bench_supernet_ranking(None, tiny_problem_path, cache=tmp_path / "one.json", **kwargs)
    pooled = bench_supernet_ranking(None, tiny_problem_path, cache=tmp_path / "two.json", workers=2, **kwargs)
    assert pooled["standalone_val_accuracy"] == serial["standalone_val_accuracy"]
    assert pooled["standalone_test_accuracy"] == serial["standalone_test_accuracy"]
    one, two = (json.loads((tmp_path / name).read_text()) for name in ("one.json", "two.json"))
    assert one.keys() == two.keys() and len(one) == 3


def test_the_tau_interval_is_a_seeded_bootstrap_over_the_children():
    rng = np.random.default_rng(3)
    x = rng.random(24)
    assert np.allclose(_tau_interval(x, x * 2 + 1, 0), [1.0, 1.0])  # every resample ranks alike
    assert np.allclose(_tau_interval(x, -x, 0), [-1.0, -1.0])
    y = x + rng.normal(0, 0.3, 24)
    low, high = _tau_interval(x, y, 0)
    assert -1 <= low < kendalltau(x, y)[0] < high <= 1
    assert _tau_interval(x, y, 0) == [low, high] and _tau_interval(x, y, 1) != [low, high]
    assert _tau_interval(x[:12], y[:12], 0)[1] - _tau_interval(x[:12], y[:12], 0)[0] > high - low  # fewer children, wider
    assert _tau_interval([0.5, 0.6, 0.7], [0.4, 0.7, 0.6], 0) is None  # too few children: no interval
