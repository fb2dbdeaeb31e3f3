"""``evo-cosearch bench autoqkeras``: energy saved against the 8-bit reference at equal accuracy."""

from __future__ import annotations

import json

from evo_cosearch.cli import problem_help
from evo_cosearch.cli.bench import name_list

__all__ = ["register_bench"]


def register_bench(bsub) -> None:
    from evo_cosearch.bench.defaults import AUTOQKERAS_PROBLEM as DEFAULT_PROBLEM, SUPERNET_DATA as DEFAULT_DATA

    p = bsub.add_parser("autoqkeras", help="AutoQKeras-style reproduction: energy reduction vs the reference "
                                           "design within an accuracy tolerance")
    p.add_argument("--problem", default=DEFAULT_PROBLEM,
                   help=problem_help(DEFAULT_PROBLEM, "problem file (YAML) with a reference: design"))
    p.add_argument("--data", default=None, help=f"dataset file (default: {DEFAULT_DATA} for the default problem, "
                                                "the problem's own for another; 'none': the problem's own)")
    p.add_argument("--supernet", default=None, help="trained checkpoint shared by all runs (default: the problem's "
                                                    "cached one, trained when missing)")
    p.add_argument("--strategies", type=name_list, default=name_list("nsga2,layer_groups"),
                   help="comma-separated (default nsga2,layer_groups)")
    p.add_argument("--pop", type=int, default=50, help="designs per generation (default 50)")
    p.add_argument("--gens", type=int, default=20, help="generations, the first included (default 20)")
    p.add_argument("--seed", type=int, default=0, help="search seed of every strategy's run (default 0)")
    p.add_argument("--tolerance", type=float, default=1.0,
                   help="accuracy tolerance in points, finite and >= 0 (default 1)")
    p.add_argument("--train-epochs", type=int, default=0,
                   help="also train the reference and each chosen design stand-alone for this many epochs")
    p.add_argument("--train-seeds", type=int, default=1,
                   help="with --train-epochs: train each that many times (seeds SEED, SEED+1, ...), report the mean")
    p.add_argument("--verify", type=int, default=0, metavar="K",
                   help="with --train-epochs: also train alone the K designs of each run's Pareto front that save "
                        "at least 80%% energy, most accurate on the supernet first; report the best by stand-alone "
                        "validation accuracy")
    p.add_argument("--jobs", type=int, default=1,
                   help="stand-alone trainings in this many processes, one thread each (same figures)")
    p.add_argument("--device", default="cpu",
                   help="with --train-epochs: train on this device, cpu (default), cuda or cuda:N")
    p.add_argument("--out", default=None,
                   help="run directories: OUT/<strategy>-s<seed> (default results/runs/autoqkeras, "
                        "autoqkeras-<problem name> for another problem); existing ones are reused")
    p.add_argument("--json", metavar="PATH", default=None,
                   help="JSON result (default results/benchmarks/autoqkeras.json, autoqkeras-<problem name>.json "
                        "for another problem) -- in OUT when --out is given")
    p.set_defaults(handler=_run)


def _run(args) -> int:
    from evo_cosearch.bench.autoqkeras import bench_autoqkeras
    from evo_cosearch.bench.output import results_dir

    result = bench_autoqkeras(args.problem, data=args.data, supernet=args.supernet, strategies=args.strategies,
                              pop=args.pop, gens=args.gens, seed=args.seed, tolerance_points=args.tolerance,
                              train_epochs=args.train_epochs, train_seeds=args.train_seeds, verify=args.verify,
                              out_root=args.out, workers=args.jobs, device=args.device, out_dir=results_dir(args.out),
                              json_out=args.json)
    print(json.dumps(result, indent=2))
    return 0
