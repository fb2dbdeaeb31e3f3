"""``evo-cosearch export``: a run's designs (or its Pareto set) as JSON or CSV."""

from __future__ import annotations

import sys

from evo_cosearch.archive.export import EXPORT_FORMATS, export_run


def register(sub) -> None:
    p = sub.add_parser("export", help="write a run's designs as JSON or CSV")
    p.add_argument("run", metavar="RUN", help="run directory")
    p.add_argument("--format", choices=EXPORT_FORMATS, default=None,
                   help="default: csv for an output file named *.csv, else json")
    p.add_argument("--pareto", action="store_true", help="only the non-dominated feasible designs")
    p.add_argument("-o", "--output", help="output file (default: stdout); written whole or not at all")
    p.set_defaults(handler=run)


def run(args) -> int:
    text = export_run(args.run, pareto=args.pareto, fmt=args.format, output=args.output)
    if args.output is None:
        sys.stdout.write(text)
    return 0
