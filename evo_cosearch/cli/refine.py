"""``evo-cosearch refine RUN --design ID``: prune one design's hidden channels, add it to the archive."""

from __future__ import annotations

import json

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("refine", help="FiGS-style channel refinement of one archived design (added as 'refine')")
    p.add_argument("run", metavar="RUN", help="run directory")
    p.add_argument("--design", type=int, required=True, metavar="ID", help="id of the design to refine")
    p.add_argument("--epochs", type=int, default=5, help="joint training epochs, >= 1 (default 5)")
    p.add_argument("--lam", type=float, default=1.0, help="weight λ of the normalised cost, >= 0 (default 1)")
    p.add_argument("--cost", choices=("macs", "latency", "energy"), default="macs",
                   help="cost: expected MACs, or the simulator's per-layer latency/energy as a first-order "
                        "surrogate (default macs)")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="remove channels whose keep probability is below this, in (0, 1) (default 0.5)")
    p.add_argument("--seed", type=int, default=None, help="seed in [0, 2**64) (default: the run's seed)")
    p.add_argument("--tau", type=float, default=0.5, help="relaxed-Bernoulli temperature, finite > 0 (default 0.5)")
    p.add_argument("--from-scratch", action="store_true",
                   help="start from fresh weights, not the supernet's (no --supernet)")
    p.add_argument("--supernet", help="supernet checkpoint (default: the one the run's search used)")
    p.add_argument("--data", help="dataset file (default: the one the run's search read)")
    p.add_argument("--format", choices=("table", "json"), default="table",
                   help="table (default), or JSON: refine.json's report (settings, seed, supernet, before, after, "
                        "history) and out_dir")
    p.set_defaults(handler=run)


def run(args) -> int:
    from evo_cosearch.refine import RefineSettings, refine_design, refine_table

    settings = RefineSettings(epochs=args.epochs, lam=args.lam, cost=args.cost, threshold=args.threshold,
                              seed=args.seed, tau=args.tau, from_scratch=args.from_scratch)
    done = refine_design(args.run, args.design, settings, supernet=args.supernet, data=args.data,
                         progress=args.format == "table")
    if args.format == "json":
        print(json.dumps({**done.report(), "out_dir": str(done.out_dir)}, indent=2))
    else:
        print(refine_table(done))
    return 0

