"""``evo-cosearch bench <name>``: run a benchmark, print its JSON, write results/benchmarks/<name>.json.

``simulator`` is defined here. Further benchmarks live in their own modules, listed in
``BENCH_MODULES``: each has ``register_bench(bench_subparsers)`` adding one subcommand whose
handler returns an exit code; a listed module that is not installed is skipped.
"""

from __future__ import annotations

import argparse
import importlib
import json

from evo_cosearch.bench.output import DEFAULT_JSON
from evo_cosearch.bench.simulator import DEFAULT_PROBLEM, RESULT_PATH, bench_simulator
from evo_cosearch.cli import problem_help
from evo_cosearch.errors import InputError

#: Modules adding further ``bench`` subcommands (``register_bench(subparsers)``), in --help order.
BENCH_MODULES = ("evo_cosearch.cli.bench_supernet", "evo_cosearch.cli.bench_search",
                 "evo_cosearch.cli.bench_compare", "evo_cosearch.cli.bench_autoqkeras")


def register(sub) -> None:
    p = sub.add_parser("bench", help="run a benchmark and print its JSON result")
    bsub = p.add_subparsers(dest="bench_command", metavar="BENCHMARK", parser_class=type(p))
    bsub.required = True
    _register_simulator(bsub)
    for name in BENCH_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register_bench(bsub)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be positive")
    return value


def int_list(text: str) -> list[int]:
    """``--seeds 0,1,2``: every comma-separated item an integer (an empty one is a typo, not skipped)."""
    try:
        return [int(p) for p in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of integers") from None


def name_list(text: str) -> list[str]:
    """``--strategies nsga2,random``: the comma-separated names, none of them empty."""
    names = [p.strip() for p in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of names (an empty name)")
    return names


def _register_simulator(bsub) -> None:
    p = bsub.add_parser("simulator", help="designs/s of decode + workload lowering + edge simulate")
    p.add_argument("--problem", default=DEFAULT_PROBLEM, help=problem_help(DEFAULT_PROBLEM))
    p.add_argument("--designs", type=_positive_int, default=10_000, help="random designs (default 10000)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--repeats", type=_positive_int, default=5, help="timed repeats (default 5)")
    p.add_argument("--json", "--out", dest="json", metavar="PATH", default=None,
                   help=f"JSON result (default {RESULT_PATH}, simulator-<problem name>.json for another problem; "
                        "--out is its earlier name)")
    p.set_defaults(handler=run_simulator)


def run_simulator(args) -> int:
    if args.seed < 0:
        raise InputError(f"--seed: {args.seed} is not an integer >= 0")
    result = bench_simulator(args.problem, n_designs=args.designs, seed=args.seed, repeats=args.repeats,
                             out_path=DEFAULT_JSON if args.json is None else args.json)
    print(json.dumps(result, indent=2))
    return 0
