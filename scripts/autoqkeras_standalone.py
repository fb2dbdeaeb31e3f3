"""How much energy the AutoQKeras-style problem can save within 1 point, with every design trained alone.

``bench autoqkeras`` judges designs on the supernet and trains a few of them alone. This script
asks the question without the supernet or the search: it enumerates designs of
``problems/autoqkeras_fashion_mnist.yaml`` on the simulator and trains two sets stand-alone with
the benchmark's recipe (3 epochs unless ``--epochs N``, all training images, the same cache:
``results/benchmarks/standalone_children.json``), against the 8-bit reference trained the same way:

* ``ladder``: all-4-bit designs of shrinking filter counts (46 % to 81 % less energy), 3 seeds;
* ``sweep``: for every filter-count combination that has a design saving >= ``--target`` energy,
  the one that keeps the most precise quantizers within that budget (activations weigh most,
  the image's quantizer most of all; fp16 and 6 bits left out, as they never save energy over
  8 bits here); the ``--top`` best by that preference + 8 log2(MACs), 1 seed (0). The enumeration simulates
  216 filter combinations x 6^6 quantizer choices (about 4 minutes).

  .venv/bin/python scripts/autoqkeras_standalone.py --data ../shared/data/fashion_mnist.npz [--jobs 2]

Prints one line per design (energy saved, validation and test accuracy, and their difference from
the reference trained with the same seeds) and writes them to ``--json PATH``, by default
``results/benchmarks/autoqkeras_standalone.json`` (``autoqkeras_standalone_<N>ep.json`` with
``--epochs N`` other than 3); a path that cannot be written is refused before any training.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

from evo_cosearch.bench.output import json_path, write_json
from evo_cosearch.bench.standalone import load_cache, train_standalone
from evo_cosearch.errors import EvoCosearchError
from evo_cosearch.bench.simulator import simulate_designs
from evo_cosearch.problem import load_problem
from evo_cosearch.space.reference import reference_genome

ROOT = Path(__file__).resolve().parents[1]
PROBLEM = ROOT / "problems" / "autoqkeras_fashion_mnist.yaml"
RESULTS = ROOT / "results" / "benchmarks"
LADDER = ((16, 32, 64), (12, 32, 64), (8, 32, 64), (4, 32, 64), (16, 16, 64), (8, 32, 32), (8, 24, 48), (8, 16, 32))
QUANT_GENES = tuple(f"s{s}.l1.{k}" for s in (1, 2, 3) for k in ("w_bits", "a_bits"))
#: Sweep preference per quantizer (higher: expected to keep more accuracy).
WEIGHT_PREF = {"binary": 2, "ternary": 3, 2: 3, 4: 5, 8: 5, "po2_4": 4}
ACT_PREF = {"binary": 0, "ternary": 1, 2: 2, 4: 4, 8: 5, "po2_4": 3}
EPOCHS = 3


def energy(problem, X: np.ndarray) -> np.ndarray:
    return np.asarray(simulate_designs(problem, X).energy_uj, dtype=np.float64)


def ladder(problem) -> list[np.ndarray]:
    return [reference_genome(problem.space, {**{f"s{s}.width": w for s, w in zip((1, 2, 3), widths)},
                                             "s*.w_bits": 4, "s*.a_bits": 4}) for widths in LADDER]


def sweep(problem, ref: np.ndarray, e_ref: float, target: float, top: int) -> list[np.ndarray]:
    space = problem.space
    choices = list(WEIGHT_PREF)
    cols = [space.index_of(g) for g in QUANT_GENES]
    Q = np.array(list(itertools.product(range(len(choices)), repeat=len(cols))))
    values = [[space.gene(g).values.index(c) for c in choices] for g in QUANT_GENES]
    w_pref = np.array([WEIGHT_PREF[c] for c in choices], dtype=float)
    a_pref = np.array([ACT_PREF[c] for c in choices], dtype=float)
    pref = w_pref[Q[:, 0::2]].sum(1) + 1.5 * a_pref[Q[:, 1::2]].sum(1) + 3 * a_pref[Q[:, 1]]
    width_cols = [space.index_of(f"s{s}.width") for s in (1, 2, 3)]
    chosen, rank = [], []
    for widths in itertools.product(*(range(space.cardinalities[c]) for c in width_cols)):
        X = np.repeat(ref[None], len(Q), axis=0)
        X[:, width_cols] = widths
        for k, c in enumerate(cols):
            X[:, c] = np.asarray(values[k])[Q[:, k]]
        e = energy(problem, X)
        ok = np.flatnonzero(1.0 - e / e_ref >= target)
        if len(ok):
            best = ok[np.argmax(pref[ok] - 1e-3 * e[ok])]
            chosen.append(X[best])
            rank.append(pref[best] + 8 * np.log2(problem.workload(X[best][None]).macs.sum()))
    return [chosen[i] for i in np.argsort(-np.asarray(rank), kind="stable")[:top]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="Fashion-MNIST .npz")
    ap.add_argument("--target", type=float, default=0.80, help="sweep: least energy saved (default 0.80)")
    ap.add_argument("--top", type=int, default=30, help="sweep: designs trained (default 30)")
    ap.add_argument("--jobs", type=int, default=1, help="training processes (default 1)")
    ap.add_argument("--epochs", type=int, default=EPOCHS, help=f"training epochs of every design (default {EPOCHS})")
    ap.add_argument("--json", metavar="PATH", default=None,
                    help="JSON result (default results/benchmarks/autoqkeras_standalone.json, "
                         "autoqkeras_standalone_<N>ep.json with --epochs N other than 3)")
    args = ap.parse_args(argv)
    if args.epochs < 1:
        ap.error(f"--epochs: {args.epochs} is not a positive number of epochs")
    try:
        return _run(args)
    except EvoCosearchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    epochs = "" if args.epochs == EPOCHS else f"_{args.epochs}ep"
    default_name = f"autoqkeras_standalone{epochs}.json"
    cache_path = RESULTS / "standalone_children.json"
    out_path = json_path(RESULTS / default_name if args.json is None else args.json,  # before the trainings, not after
                         not_over={"stand-alone cache": cache_path})
    problem = load_problem(PROBLEM).with_data(args.data)
    ref = np.asarray(problem.reference)
    e_ref = float(energy(problem, ref[None])[0])
    sets = {"ladder": (ladder(problem), (0, 1, 2)),
            "sweep": (sweep(problem, ref, e_ref, args.target, args.top), (0,))}
    cache = load_cache(cache_path)
    spec = lambda x: problem.design(x).network  # noqa: E731
    todo = [(spec(x), s) for designs, seeds in sets.values() for x in [ref, *designs] for s in seeds]
    trained = train_standalone(PROBLEM, todo, data=args.data, epochs=args.epochs, train_images=None, seed=0,
                               cache=cache, cache_path=cache_path, workers=args.jobs)

    def scores(x, seeds):
        runs = [trained.entry(spec(x), s) for s in seeds]
        return (float(np.mean([r["val_accuracy"] for r in runs])), float(np.mean([r["test_accuracy"] for r in runs])))

    out = {}
    for name, (designs, seeds) in sets.items():
        ref_val, ref_test = scores(ref, seeds)
        rows = []
        for x in designs:
            val, test = scores(x, seeds)
            genes = problem.space.values_of(x)
            rows.append({"genome": x.tolist(), "filters": [genes[f"s{s}.width"] for s in (1, 2, 3)],
                         "quantizers": [genes[g] for g in QUANT_GENES],
                         "energy_saved": 1.0 - float(energy(problem, x[None])[0]) / e_ref,
                         "val_accuracy": val, "test_accuracy": test,
                         "val_points": 100 * (val - ref_val), "test_points": 100 * (test - ref_test)})
        rows.sort(key=lambda r: -r["val_accuracy"])
        out[name] = {"epochs": args.epochs, "seeds": list(seeds),
                     "reference": {"val_accuracy": ref_val, "test_accuracy": ref_test},
                     "designs": rows}
        print(f"{name} ({len(seeds)} seed{'s' * (len(seeds) > 1)}): reference val {100 * ref_val:.2f} % "
              f"test {100 * ref_test:.2f} %")
        for r in rows:
            print(f"  {str(r['filters']):14s} {str(r['quantizers']):44s} -{100 * r['energy_saved']:.1f} % "
                  f"val {100 * r['val_accuracy']:.2f} ({r['val_points']:+.2f})  "
                  f"test {100 * r['test_accuracy']:.2f} ({r['test_points']:+.2f})")
    write_json(out, out_path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
