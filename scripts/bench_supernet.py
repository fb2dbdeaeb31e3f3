"""Run the supernet benchmarks from a checkout: ``python scripts/bench_supernet.py speed|train|ranking``."""

from __future__ import annotations

import argparse
import json

from evo_cosearch.bench.supernet import (
    DEFAULT_DATA, DEFAULT_PROBLEM, bench_supernet_eval_speed, bench_supernet_ranking, bench_supernet_train,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("which", choices=("speed", "train", "ranking"))
    ap.add_argument("--problem", default=DEFAULT_PROBLEM)
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--ckpt", default=None, help="trained supernet (ranking; optional for speed)")
    ap.add_argument("--epochs", type=int, default=None, help="train: supernet epochs; ranking: child epochs")
    ap.add_argument("--children", type=int, default=None)
    ap.add_argument("--max-train-images", type=int, default=None, help="train: a seeded subset (shorter run)")
    args = ap.parse_args()
    if args.which == "speed":
        r = bench_supernet_eval_speed(args.problem, data=args.data, ckpt=args.ckpt, n_children=args.children or 8)
    elif args.which == "train":
        r = bench_supernet_train(args.problem, data=args.data, epochs=args.epochs,
                                 max_train_images=args.max_train_images)
    else:
        r = bench_supernet_ranking(args.ckpt, args.problem, data=args.data, n_children=args.children or 24,
                                   epochs=args.epochs or 2)
    print(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
