"""``evo-cosearch bench search-overhead``: search-engine time per generation beyond evaluation."""

from __future__ import annotations

import json

from evo_cosearch.cli import problem_help
from evo_cosearch.errors import InputError

__all__ = ["register_bench"]

RESULT_PATH = "results/benchmarks/search_overhead.json"


def register_bench(bsub) -> None:
    from evo_cosearch.bench.defaults import SEARCH_PROBLEM as DEFAULT_PROBLEM

    p = bsub.add_parser("search-overhead", help="ms per generation spent outside evaluation (target <= 10 at pop 100)")
    p.add_argument("--problem", default=str(DEFAULT_PROBLEM), help=problem_help(DEFAULT_PROBLEM))
    p.add_argument("--pop", type=int, default=100, help="designs per generation (default 100)")
    p.add_argument("--gens", type=int, default=21,
                   help="generations, >= 2: the overhead is that of GENS generations minus that of one (default 21)")
    p.add_argument("--seed", type=int, default=0, help="search seed (default 0)")
    p.add_argument("--json", "--out", dest="json", metavar="PATH", default=None,
                   help=f"JSON result (default {RESULT_PATH}, search_overhead-<problem name>.json for another "
                        "problem; --out is its earlier name)")
    p.set_defaults(handler=_run)


def _run(args) -> int:
    from evo_cosearch.bench.output import DEFAULT_JSON
    from evo_cosearch.bench.search import search_overhead

    if args.gens < 2:
        raise InputError(f"--gens: {args.gens} must be >= 2")
    print(json.dumps(search_overhead(problem=args.problem, pop=args.pop, gens=args.gens, seed=args.seed,
                                     out=DEFAULT_JSON if args.json is None else args.json), indent=2))
    return 0
