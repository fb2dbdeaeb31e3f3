"""``evo-cosearch search``: run or resume a Pareto co-search into a run directory."""

from __future__ import annotations

from evo_cosearch.cli import problem_help
from evo_cosearch.errors import InputError
from evo_cosearch.engine.settings import STRATEGY_NAMES
from evo_cosearch.problem import load_problem


def register(sub) -> None:
    p = sub.add_parser("search", help="run (or resume) a Pareto co-search; writes RUN/archive.sqlite")
    p.add_argument("--problem", required=True, help=problem_help())
    p.add_argument("--out", required=True, help="run directory (an existing one is resumed)")
    p.add_argument("--pop", type=int, help="designs evaluated per generation, 4 or more, for every strategy "
                                           "(NSGA-II's population size; default: the problem's search.pop)")
    p.add_argument("--gens", type=int, help="generations, the initial one included: pop x gens designs in all "
                                            "(default: search.gens)")
    p.add_argument("--seed", type=int, help="random seed, 0 to 2**64 - 1 (default: search.seed)")
    p.add_argument("--strategy", choices=sorted(STRATEGY_NAMES), help="search strategy (default: search.strategy)")
    p.add_argument("--supernet", help="supernet checkpoint (default: train or reuse one under results/supernets/)")
    p.add_argument("--data", help="dataset file, overriding the problem's dataset.path")
    p.add_argument("--proxy-accuracy", action="store_true",
                   help="use a cheap MACs/bit-width accuracy proxy instead of the supernet (smoke tests)")
    p.add_argument("--workers", type=int, default=0, help="local processes for accuracy evaluation")
    p.add_argument("--dask-scheduler", metavar="tcp://HOST:PORT", help="evaluate accuracy on a Dask cluster")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(handler=run)


def run(args) -> int:
    from evo_cosearch.api import search
    from evo_cosearch.evaluate import ProxyAccuracy

    if args.proxy_accuracy and args.supernet:
        raise InputError("--proxy-accuracy and --supernet exclude each other (the proxy uses no supernet)")
    problem = load_problem(args.problem).with_data(args.data, strict=True)
    accuracy_fn = ProxyAccuracy(problem) if args.proxy_accuracy else None
    arc = search(problem, out=args.out, pop=args.pop, gens=args.gens, seed=args.seed, strategy=args.strategy,
                 supernet=args.supernet, workers=args.workers, dask_scheduler=args.dask_scheduler,
                 quiet=args.quiet, accuracy_fn=accuracy_fn)
    arc.close()
    return 0
