"""``evo-cosearch bench strategies | joint``: the head-to-head search benchmarks (markdown to stdout)."""

from __future__ import annotations

from evo_cosearch.cli import problem_help
from evo_cosearch.cli.bench import int_list, name_list

__all__ = ["register_bench"]


def _budget_and_accuracy(p, *, seeds: str, proxy: str) -> None:
    """The options both benchmarks take; ``proxy``: the benchmark's outputs ``--proxy-accuracy`` renames."""
    from evo_cosearch.bench.defaults import (
        STRATEGIES_GENS as DEFAULT_GENS, STRATEGIES_POP as DEFAULT_POP, STRATEGIES_PROBLEM as DEFAULT_PROBLEM,
    )

    p.add_argument("--problem", default=None, help=problem_help(DEFAULT_PROBLEM))
    p.add_argument("--pop", type=int, default=DEFAULT_POP, help=f"designs per generation (default {DEFAULT_POP})")
    p.add_argument("--gens", type=int, default=DEFAULT_GENS,
                   help=f"generations, the first included (default {DEFAULT_GENS})")
    p.add_argument("--seeds", type=int_list, default=int_list(seeds), help=f"comma-separated (default {seeds})")
    p.add_argument("--supernet", help="trained checkpoint shared by all runs (default: the problem's cached one, "
                                      "trained when missing)")
    p.add_argument("--data", help="dataset file, overriding the problem's dataset.path")
    p.add_argument("--proxy-accuracy", action="store_true",
                   help=f"cheap MACs/bits accuracy proxy (smoke tests); {proxy}")
    p.add_argument("--quiet", action="store_true", help="no per-run progress lines on stderr")


def register_bench(bsub) -> None:
    from evo_cosearch.bench.defaults import (
        JOINT_NAME as JOINT, JOINT_RESULT_PATH as JOINT_RESULT, JOINT_RUNS_DIR as JOINT_RUNS,
        STRATEGIES_FIGURE_PATH as FIGURE_PATH, STRATEGIES_NAME as NAME, STRATEGIES_RESULT_PATH as RESULT_PATH,
        STRATEGIES_RUNS_DIR as RUNS_DIR,
    )

    s = bsub.add_parser("strategies", help="nsga2 vs random vs reinforce: hypervolume curves, final-HV table, "
                                           "rank-sum p-values")
    _budget_and_accuracy(s, seeds="0,1,2,3,4", proxy=f"the default run folder, JSON and figure are then named "
                                                     f"{NAME}_proxy, so they never block the supernet-scored "
                                                     "benchmark's")
    s.add_argument("--strategies", type=name_list, default=["nsga2", "random", "reinforce"],
                   help="comma-separated (default nsga2,random,reinforce); also reinforce_ppo: reinforce "
                        "with search.controller.update: ppo")
    s.add_argument("--out", default=None, help=f"run directories go to OUT/<strategy>-s<seed> (default {RUNS_DIR}, "
                                               f"{NAME}-<problem name> for another problem); existing ones "
                                               "are reused")
    s.add_argument("--json", metavar="PATH", default=None,
                   help=f"JSON result (default {RESULT_PATH}, {NAME}-<problem name>.json for another "
                        "problem) -- in OUT when --out is given")
    s.add_argument("--figure", default=None,
                   help=f"HV figure (default {FIGURE_PATH}, {NAME}-<problem name>_hv.png for another problem) -- "
                        "in OUT when --out is given")
    s.set_defaults(handler=_run_strategies)

    j = bsub.add_parser("joint", help="joint vs network-only vs accelerator-only search: hypervolume, energy "
                                      "and EDP at equal accuracy")
    _budget_and_accuracy(j, seeds="0,1,2,3,4", proxy=f"the default run folder and JSON are then named "
                                                     f"{JOINT}_proxy, so they never block the supernet-scored "
                                                     f"benchmark's (the joint variant reuses {NAME}_proxy's nsga2 "
                                                     "runs)")
    j.add_argument("--out", default=None, help=f"run directories go to OUT/<variant>-s<seed> (default {JOINT_RUNS}, "
                                               f"{JOINT}-<problem name> for another problem); existing ones are "
                                               "reused, and as the joint variant bench strategies' nsga2 run of "
                                               "the problem in its default --out")
    j.add_argument("--json", metavar="PATH", default=None,
                   help=f"JSON result (default {JOINT_RESULT}, {JOINT}-<problem name>.json for another problem) -- "
                        "in OUT when --out is given")
    j.set_defaults(handler=_run_joint)


def _common(args) -> dict:
    from evo_cosearch.bench.compare import DEFAULT_PROBLEM
    from evo_cosearch.bench.output import DEFAULT_JSON

    return {"problem": args.problem or DEFAULT_PROBLEM, "seeds": args.seeds, "pop": args.pop, "gens": args.gens,
            "supernet": args.supernet, "data": args.data, "proxy_accuracy": args.proxy_accuracy,
            "out_dir": args.out, "out": DEFAULT_JSON if args.json is None else args.json, "progress": not args.quiet}


def _run_strategies(args) -> int:
    from evo_cosearch.bench.compare import bench_strategies, strategies_markdown
    from evo_cosearch.bench.output import DEFAULT_FIGURE

    result = bench_strategies(**_common(args), strategies=args.strategies,
                              figure=DEFAULT_FIGURE if args.figure is None else args.figure)
    print(strategies_markdown(result))
    print(f"\nJSON: {result['json']}\nfigure: {result['figure']}")
    return 0


def _run_joint(args) -> int:
    from evo_cosearch.bench.joint import bench_joint, joint_markdown

    result = bench_joint(**_common(args))
    print(joint_markdown(result))
    print(f"\nJSON: {result['json']}")
    return 0
