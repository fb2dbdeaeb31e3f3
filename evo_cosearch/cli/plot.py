"""``evo-cosearch plot RUN [RUN ...]``: trade-off figures (PNG + SVG) of one or several runs."""

from __future__ import annotations

import sys
from pathlib import Path

#: Where the figures of several runs go without ``--out``: under the current folder's ``results/``, as every
#: command's default output (git-ignored in a checkout).
SEVERAL_RUNS_OUT = "results/plots"


def register(sub) -> None:
    p = sub.add_parser("plot", help="draw fronts, parallel coordinates, hypervolume and run comparisons")
    p.add_argument("runs", nargs="+", metavar="RUN", help="run directories (several: overlaid by strategy)")
    p.add_argument("--out", help=f"output directory (default: RUN/plots for one run, {SEVERAL_RUNS_OUT} for several)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from evo_cosearch.plots import make_plots

    first = Path(args.runs[0])
    run_dir = first.parent if first.is_file() else first  # RUN or RUN/archive.sqlite
    out = args.out if args.out is not None else (run_dir / "plots" if len(args.runs) == 1 else SEVERAL_RUNS_OUT)
    paths = make_plots(args.runs, out, note=lambda line: print(line, file=sys.stderr))
    print(f"{len(paths)} files in {out}")
    for path in paths:
        print(path)
    return 0
