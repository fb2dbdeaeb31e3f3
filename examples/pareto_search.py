"""A Pareto co-search written against the public API: search, then read the front.

Runs any problem file, or a ready problem by name from any folder (default: ``demo_digits``):

    .venv/bin/python examples/pareto_search.py problems/demo_digits.yaml --out results/runs/script --gens 5
    .venv/bin/python examples/pareto_search.py problems/joint_fashion_mnist.yaml --data ../shared/data/fashion_mnist.npz

``--proxy-accuracy`` swaps the supernet for a cheap accuracy proxy (a smoke test of the
engine, not a real result).
"""

from __future__ import annotations

import argparse

import numpy as np

import evo_cosearch as ec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("problem", nargs="?", default="demo_digits", help="problem file or ready problem name")
    parser.add_argument("--out", default="results/runs/script")
    parser.add_argument("--pop", type=int)
    parser.add_argument("--gens", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", help="dataset path, overriding the problem's")
    parser.add_argument("--proxy-accuracy", action="store_true")
    args = parser.parse_args()

    problem = ec.load_problem(args.problem).with_data(args.data)
    accuracy_fn = None
    if args.proxy_accuracy:
        from evo_cosearch.evaluate import ProxyAccuracy
        accuracy_fn = ProxyAccuracy(problem)

    with ec.search(problem, out=args.out, pop=args.pop, gens=args.gens, seed=args.seed,
                   accuracy_fn=accuracy_fn, quiet=True) as archive:
        front = archive.pareto()
        order = np.argsort(front.metrics["latency_ms"])
        print(f"{len(front)} Pareto designs of {len(archive.designs())} evaluated ({archive.meta.objectives})")
        print(f"{'id':>5} {'accuracy':>9} {'latency_ms':>11} {'energy_uj':>10} {'area_mm2':>9}")
        for k in order:
            m = {name: front.metrics[name][k] for name in ("accuracy", "latency_ms", "energy_uj", "area_mm2")}
            print(f"{int(front.id[k]):>5} {m['accuracy']:>9.4f} {m['latency_ms']:>11.5f} "
                  f"{m['energy_uj']:>10.4f} {m['area_mm2']:>9.2f}")


if __name__ == "__main__":
    main()
