"""``evo-cosearch simulate``: per-layer cycles, latency and energy of one workload on one accelerator.

Workload: a SCALE-Sim topology CSV (``--topology``), a design of a problem's space
(``--problem`` + ``--genome``), or an exported ``design.json`` given alone as ``--hw`` (its
network at its own bit-widths, on its accelerator). Hardware: a systolic array (``--array RxC
--dataflow``, the SCALE-Sim-compatible template), an edge-template HW JSON or the accelerator of
a ``design.json`` (``--hw``), or, for a genome, the genome's own accelerator.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys

import numpy as np

from evo_cosearch.cli import problem_help
from evo_cosearch.errors import InputError
from evo_cosearch.hardware import simulate as simulate_edge
from evo_cosearch.hardware.systolic import DATAFLOWS, simulate_systolic
from evo_cosearch.io.designfile import genome_arg, read_design_workload, resimulation_warning
from evo_cosearch.io.hwfile import hw_arrays, read_hw_json
from evo_cosearch.io.topology import read_topology
from evo_cosearch.problem import load_problem
from evo_cosearch.workload import KINDS

CSV_COLUMNS = ("layer", "kind", "macs", "cycles", "latency_ms", "energy_uj", "utilization")


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
    p.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="csv: one row per layer (the totals are in table and json)")
    p.set_defaults(handler=run)


def run(args) -> int:
    layers, hardware, metrics = _simulate(args)
    for warning in filter(None, dict.fromkeys(resimulation_warning(path) for path in (args.hw, args.genome))):
        print(f"warning: {warning}", file=sys.stderr)
    active = np.flatnonzero(layers.active[0])
    macs = layers.macs[0]
    rows = [dict(layer=layers.names[j] if layers.names else f"op{j}", kind=KINDS[int(layers.kind[0, j])],
                 macs=int(macs[j]), cycles=int(metrics.cycles[0, j]),
                 latency_ms=float(metrics.layer_latency_ms[0, j]), energy_uj=float(metrics.layer_energy_uj[0, j]),
                 utilization=float(metrics.utilization[0, j])) for j in active]
    totals = dict(macs=int(macs.sum()), cycles=int(metrics.cycles[0].sum()),
                  latency_ms=float(metrics.latency_ms[0]), energy_uj=float(metrics.energy_uj[0]))
    if hasattr(metrics, "area_mm2"):
        totals["area_mm2"] = float(metrics.area_mm2[0])
    if hasattr(metrics, "dram_bytes"):
        totals["dram_bytes"] = float(np.asarray(metrics.dram_bytes)[0])
    print(_render(args.format, hardware, rows, totals), end="")
    return 0


def _simulate(args):
    if args.array is not None and args.hw is not None:
        raise InputError("simulate: give either --array RxC --dataflow DF or --hw FILE.json, not both")
    if args.hw is not None and args.topology is None and args.problem is None:  # a design.json: its own network
        if args.genome is not None:
            raise InputError("simulate: --genome needs --problem")
        layers = read_design_workload(args.hw)
    elif (args.topology is None) == (args.problem is None):  # '' is given (an empty path), not left out
        if args.genome is not None and args.problem is None:
            raise InputError("simulate: --genome needs --problem")
        raise InputError("simulate: give either --topology FILE.csv or --problem FILE --genome I,J,... "
                         "(or --hw design.json alone)")
    elif args.topology is not None:
        if args.genome is not None:
            raise InputError("simulate: --genome needs --problem, not --topology")
        if args.array is None and args.hw is None:
            raise InputError("simulate: --topology needs --array RxC --dataflow os|ws|is, or --hw FILE.json")
        layers, acc = read_topology(args.topology), None
    else:
        if args.genome is None:
            raise InputError("simulate: --problem needs --genome I,J,...")
        problem = load_problem(args.problem)
        X = genome_arg(problem, args.genome)[None, :]
        layers, acc = problem.workload(X), problem.accelerator_arrays(X)
    if args.array is not None:
        rows, cols = _array(args.array)
        dataflow = _dataflow(args.dataflow)
        srams = [_kb(getattr(args, f"{b}_sram_kb") or "256", f"--{b}-sram-kb")
                 for b in ("ifmap", "filter", "ofmap")]
        hardware = dict(template="systolic", rows=rows, cols=cols, dataflow=dataflow, ifmap_sram_kb=srams[0],
                        filter_sram_kb=srams[1], ofmap_sram_kb=srams[2])
        return layers, hardware, simulate_systolic(layers, rows, cols, dataflow, *srams)
    for flag in ("dataflow", "ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb"):
        if getattr(args, flag) is not None:
            raise InputError(f"simulate: --{flag.replace('_', '-')} applies to --array only")
    if args.hw is not None:
        spec = read_hw_json(args.hw)
        acc = hw_arrays(spec)
    hardware = dict(template="edge", **acc.spec(0).to_dict())
    return layers, hardware, simulate_edge(layers, acc)


def _array(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m:
        raise InputError(f"--array {text!r}: expected ROWSxCOLS, e.g. 32x32")
    rows, cols = int(m.group(1)), int(m.group(2))
    if rows < 1 or cols < 1:
        raise InputError(f"--array {text!r}: rows and columns must be at least 1")
    return rows, cols


def _dataflow(text: str | None) -> str:
    if text is None:
        raise InputError(f"--array needs --dataflow ({'|'.join(DATAFLOWS)})")
    if text not in DATAFLOWS:
        raise InputError(f"--dataflow {text!r}: unknown dataflow (known: {', '.join(DATAFLOWS)})")
    return text


def _kb(text: str, flag: str) -> int:
    try:
        kb = int(text)
    except ValueError:
        raise InputError(f"{flag} {text!r}: not an integer number of kB") from None
    if kb < 1:
        raise InputError(f"{flag} {kb}: must be at least 1 kB")
    return kb


def _render(fmt: str, hardware: dict, rows: list[dict], totals: dict) -> str:
    if fmt == "json":
        return json.dumps(dict(hardware=hardware, layers=rows, totals=totals), indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()
    hw = ", ".join(f"{k}={v}" for k, v in hardware.items())
    width = max([len("layer")] + [len(r["layer"]) for r in rows])
    head = (f"{'layer':<{width}}  {'kind':<9}  {'MACs':>12}  {'cycles':>12}  {'latency_ms':>11}  "
            f"{'energy_uj':>11}  {'util':>6}")
    lines = [hw, head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['layer']:<{width}}  {r['kind']:<9}  {r['macs']:>12d}  {r['cycles']:>12d}  "
                     f"{r['latency_ms']:>11.5f}  {r['energy_uj']:>11.4f}  {r['utilization']:>6.1%}")
    lines.append("-" * len(head))
    lines.append(f"{'total':<{width}}  {'':<9}  {totals['macs']:>12d}  {totals['cycles']:>12d}  "
                 f"{totals['latency_ms']:>11.5f}  {totals['energy_uj']:>11.4f}")
    extra = {k: v for k, v in totals.items() if k not in ("macs", "cycles", "latency_ms", "energy_uj")}
    if extra:
        lines.append(", ".join(f"{k}={v:.6g}" for k, v in extra.items()))
    return "\n".join(lines) + "\n"

