"""``evo-cosearch simulate``: per-layer cycles, latency and energy of one workload on one accelerator.

Workload: a SCALE-Sim topology CSV (``--topology``), a design of a problem's space
(``--problem`` + ``--genome``), or an exported ``design.json`` given alone as ``--hw`` (its
network at its own bit-widths, on its accelerator). Hardware: a systolic array (``--array RxC
--dataflow``, the SCALE-Sim-compatible template), an edge-template HW JSON or the accelerator of
a ``design.json`` (``--hw``), or, for a genome, the genome's own accelerator.
"""

from __future__ import annotations

import sys

from evo_cosearch.cli import problem_help
from evo_cosearch.simulation import SIMULATION_FORMATS, simulate_files, simulation_text

__all__ = ["register"]


def register(sub) -> None:
    p = sub.add_parser("simulate", help="simulate a workload on an accelerator, per layer")
    p.add_argument("--topology", metavar="FILE.csv", help="SCALE-Sim topology CSV")
    p.add_argument("--problem", metavar="FILE", help=problem_help() + "; with --genome")
    p.add_argument("--genome", metavar="I,J,...", help="a design of the problem's space (gene indices, or an "
                                                       "exported design.json)")
    p.add_argument("--array", metavar="RxC", help="systolic array rows x columns, e.g. 32x32")
    p.add_argument("--dataflow", metavar="os|ws|is", help="systolic dataflow (with --array)")
    for buf in ("ifmap", "filter", "ofmap"):
        p.add_argument(f"--{buf}-sram-kb", metavar="K", type=str, default=None,
                       help=f"{buf} SRAM (kB) of the --array, default 256")
    p.add_argument("--hw", metavar="FILE.json", help="edge-template accelerator (HW JSON or an exported "
                                                     "design.json; alone: that design's network on it)")
    p.add_argument("--format", choices=SIMULATION_FORMATS, default="table",
                   help="csv: one row per layer (the totals are in table and json)")
    p.set_defaults(handler=run)


def run(args) -> int:
    sim = simulate_files(topology=args.topology, problem=args.problem, genome=args.genome, array=args.array,
                         dataflow=args.dataflow, ifmap_sram_kb=args.ifmap_sram_kb,
                         filter_sram_kb=args.filter_sram_kb, ofmap_sram_kb=args.ofmap_sram_kb, hw=args.hw)
    for warning in sim.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(simulation_text(sim, args.format), end="")
    return 0
