"""``evo-cosearch space show``: genes, cardinalities and the size of a problem's space (its genomes)."""

from __future__ import annotations

from evo_cosearch.cli import problem_help
from evo_cosearch.problem import load_problem
from evo_cosearch.space.show import SHOW_FORMATS, show_space


def register(sub) -> None:
    p = sub.add_parser("space", help="inspect a problem's search space")
    ssub = p.add_subparsers(dest="space_command", metavar="SUBCOMMAND", parser_class=type(p))
    ssub.required = True
    show = ssub.add_parser("show", help="print genes, their values and the space size")
    show.add_argument("--problem", required=True, help=problem_help())
    show.add_argument("--format", choices=SHOW_FORMATS, default="table",
                      help="table (default): one gene a line; json: the genes and their values, and the size")
    show.set_defaults(handler=run_show)


def run_show(args) -> int:
    from evo_cosearch.engine.settings import search_settings

    problem = load_problem(args.problem)
    search_settings(problem)  # the whole file is checked, its search: section too
    print(show_space(problem.space, problem.network, name=problem.name, fmt=args.format))
    return 0
