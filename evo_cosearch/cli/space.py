"""``evo-cosearch space show``: genes, cardinalities and the size of a problem's space (its genomes)."""

from __future__ import annotations

import json

from evo_cosearch.cli import problem_help
from evo_cosearch.problem import load_problem


def register(sub) -> None:
    p = sub.add_parser("space", help="inspect a problem's search space")
    ssub = p.add_subparsers(dest="space_command", metavar="SUBCOMMAND", parser_class=type(p))
    ssub.required = True
    show = ssub.add_parser("show", help="print genes, their values and the space size")
    show.add_argument("--problem", required=True, help=problem_help())
    show.add_argument("--format", choices=("table", "json"), default="table")
    show.set_defaults(handler=run_show)


def run_show(args) -> int:
    from evo_cosearch.engine.settings import search_settings

    problem = load_problem(args.problem)
    search_settings(problem)  # the whole file is checked, its search: section too
    space = problem.space
    if args.format == "json":
        print(json.dumps(space.to_dict(), indent=2))
        return 0
    width = max(len(n) for n in space.names)
    unused = any(min(st.depth) < st.max_depth for st in problem.network.stages)  # slots a shallower stage leaves out
    print(f"problem {problem.name}: {space.n_var} genes, {space.size:.3e} genomes ({space.size} exactly"
          f"{'; those differing only in the block slots a stage depth leaves out are one design' if unused else ''})")
    for i, g in enumerate(space.genes):
        print(f"{i:>3}  {g.name:<{width}}  {g.kind:<11}  {g.cardinality:>2}  {list(g.values)}")
    return 0
