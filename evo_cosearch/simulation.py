"""One workload on one accelerator, per layer (``evo-cosearch simulate``): cycles, latency, energy.

Workload: a SCALE-Sim topology CSV (``topology``), a design of a problem's space (``problem`` +
``genome``), or an exported ``design.json`` given alone as ``hw`` (its network at its own
bit-widths, on its accelerator). Hardware: a systolic array (``array="RxC"`` + ``dataflow``, the
SCALE-Sim-compatible template), an edge-template HW JSON or the accelerator of a ``design.json``
(``hw``), or, for a genome, the genome's own accelerator. :func:`simulation_text` writes the
result as a table, CSV or JSON.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Sequence

import numpy as np

from evo_cosearch.errors import InputError, arg
from evo_cosearch.hardware import simulate as simulate_edge
from evo_cosearch.hardware.systolic import DATAFLOWS, simulate_systolic
from evo_cosearch.io.designfile import genome_of, read_design_workload, resimulation_warning
from evo_cosearch.io.hwfile import hw_arrays, read_hw_json
from evo_cosearch.io.topology import read_topology
from evo_cosearch.problem import Problem, load_problem
from evo_cosearch.workload import KINDS

__all__ = ["Simulation", "LayerRow", "Totals", "simulate_files", "simulation_text", "SIMULATION_FORMATS", "CSV_COLUMNS"]

#: The forms :func:`simulation_text` writes.
SIMULATION_FORMATS = ("table", "csv", "json")
_SRAMS = ("ifmap_sram_kb", "filter_sram_kb", "ofmap_sram_kb")
_DEFAULT_SRAM_KB = 256


@dataclass(frozen=True)
class LayerRow:
    """One active layer of a simulation: its work and what it cost."""

    layer: str
    kind: str
    macs: int
    cycles: int
    latency_ms: float
    energy_uj: float
    utilization: float


#: The columns of the ``csv`` form, one row per layer: the fields of :class:`LayerRow`.
CSV_COLUMNS = tuple(f.name for f in fields(LayerRow))


@dataclass(frozen=True)
class Totals:
    """The whole workload's work and cost; ``area_mm2`` and ``dram_bytes`` where the template
    models them (the edge template), else None."""

    macs: int
    cycles: int
    latency_ms: float
    energy_uj: float
    area_mm2: float | None = None
    dram_bytes: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The totals the template models, by field name (None left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Simulation:
    """The accelerator simulated (``hardware``: ``template`` and its parameters, which differ by
    template), one row per active layer, the totals, and what to tell the user about the inputs (a
    design scored by another simulator)."""

    hardware: dict[str, Any]
    layers: tuple[LayerRow, ...]
    totals: Totals
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """``simulate --format json``: hardware, layers and totals."""
        return dict(hardware=self.hardware, layers=[asdict(r) for r in self.layers], totals=self.totals.to_dict())


def simulate_files(*, topology: str | os.PathLike | None = None, problem: Problem | str | os.PathLike | None = None,
                   genome: str | os.PathLike | Sequence[int] | None = None, array: str | None = None,
                   dataflow: str | None = None, ifmap_sram_kb: int | str | None = None,
                   filter_sram_kb: int | str | None = None, ofmap_sram_kb: int | str | None = None,
                   hw: str | os.PathLike | None = None) -> Simulation:
    """Simulate a workload on an accelerator, as the module doc says which; the SRAMs (kB) are those
    of the systolic ``array``, 256 each by default."""
    srams = dict(ifmap_sram_kb=ifmap_sram_kb, filter_sram_kb=filter_sram_kb, ofmap_sram_kb=ofmap_sram_kb)
    layers, acc = _workload(topology=topology, problem=problem, genome=genome, array=array, hw=hw)
    if array is not None:
        rows, cols = _array(array)
        flow = _dataflow(dataflow)
        kbs = [_kb(srams[name], name) for name in _SRAMS]
        hardware = dict(template="systolic", rows=rows, cols=cols, dataflow=flow, **dict(zip(_SRAMS, kbs)))
        metrics = simulate_systolic(layers, rows, cols, flow, *kbs)
    else:
        for name, value in (("dataflow", dataflow), *srams.items()):
            if value is not None:
                raise InputError(f"simulate: {arg(name)} applies to {arg('array')} only")
        if hw is not None:
            acc = hw_arrays(read_hw_json(hw))
        hardware = dict(template="edge", **acc.spec(0).to_dict())
        metrics = simulate_edge(layers, acc)
    paths = [p for p in (hw, genome) if isinstance(p, (str, os.PathLike))]
    warnings = tuple(filter(None, dict.fromkeys(resimulation_warning(p) for p in paths)))
    return Simulation(hardware, *_tabulate(layers, metrics), warnings)


def _workload(*, topology, problem, genome, array, hw):
    """The layers to simulate, and the accelerator arrays of a genome (None for the other workloads)."""
    if array is not None and hw is not None:
        raise InputError(f"simulate: give either {arg('array', 'RxC')} {arg('dataflow', 'DF')} or "
                         f"{arg('hw', 'FILE.json')}, not both")
    if hw is not None and topology is None and problem is None:  # a design.json: its own network
        if genome is not None:
            raise InputError(f"simulate: {arg('genome')} needs {arg('problem')}")
        return read_design_workload(hw), None
    if (topology is None) == (problem is None):  # '' is given (an empty path), not left out
        if genome is not None and problem is None:
            raise InputError(f"simulate: {arg('genome')} needs {arg('problem')}")
        raise InputError(f"simulate: give either {arg('topology', 'FILE.csv')} or {arg('problem', 'FILE')} "
                         f"{arg('genome', 'I,J,...')} (or {arg('hw', 'design.json')} alone)")
    if topology is not None:
        if genome is not None:
            raise InputError(f"simulate: {arg('genome')} needs {arg('problem')}, not {arg('topology')}")
        if array is None and hw is None:
            raise InputError(f"simulate: {arg('topology')} needs {arg('array', 'RxC')} "
                             f"{arg('dataflow', 'os|ws|is')}, or {arg('hw', 'FILE.json')}")
        return read_topology(topology), None
    if genome is None:
        raise InputError(f"simulate: {arg('problem')} needs {arg('genome', 'I,J,...')}")
    problem = problem if isinstance(problem, Problem) else load_problem(problem)
    X = genome_of(problem, genome)[None, :]
    return problem.workload(X), problem.accelerator_arrays(X)


def _tabulate(layers, metrics) -> tuple[tuple[LayerRow, ...], Totals]:
    """One row per active layer of the first (only) design, and the totals."""
    active = np.flatnonzero(layers.active[0])
    macs = layers.macs[0]
    rows = tuple(LayerRow(layer=layers.names[j] if layers.names else f"op{j}", kind=KINDS[int(layers.kind[0, j])],
                          macs=int(macs[j]), cycles=int(metrics.cycles[0, j]),
                          latency_ms=float(metrics.layer_latency_ms[0, j]),
                          energy_uj=float(metrics.layer_energy_uj[0, j]),
                          utilization=float(metrics.utilization[0, j])) for j in active)
    area_mm2 = float(metrics.area_mm2[0]) if hasattr(metrics, "area_mm2") else None
    dram_bytes = float(np.asarray(metrics.dram_bytes)[0]) if hasattr(metrics, "dram_bytes") else None
    totals = Totals(macs=int(macs.sum()), cycles=int(metrics.cycles[0].sum()), latency_ms=float(metrics.latency_ms[0]),
                    energy_uj=float(metrics.energy_uj[0]), area_mm2=area_mm2, dram_bytes=dram_bytes)
    return rows, totals


def _array(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", str(text))
    if not m:
        raise InputError(f"{arg('array')} {text!r}: expected ROWSxCOLS, e.g. 32x32")
    rows, cols = int(m.group(1)), int(m.group(2))
    if rows < 1 or cols < 1:
        raise InputError(f"{arg('array')} {text!r}: rows and columns must be at least 1")
    return rows, cols


def _dataflow(text: str | None) -> str:
    if text is None:
        raise InputError(f"{arg('array')} needs {arg('dataflow')} ({'|'.join(DATAFLOWS)})")
    if text not in DATAFLOWS:
        raise InputError(f"{arg('dataflow')} {text!r}: unknown dataflow (known: {', '.join(DATAFLOWS)})")
    return text


def _kb(value: int | str | None, name: str) -> int:
    """An SRAM size in whole kB: ``value`` (an integer, or its text), or the default where left out."""
    if value is None or value == "":  # left out (an empty flag too): the default
        return _DEFAULT_SRAM_KB
    try:
        kb = int(value)  # "64" from the command line, 64 (or 64.0) from Python
        if isinstance(value, bool) or (not isinstance(value, str) and kb != value):
            raise ValueError(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{arg(name)} {value!r}: not an integer number of kB") from None
    if kb < 1:
        raise InputError(f"{arg(name)} {kb}: must be at least 1 kB")
    return kb


def simulation_text(sim: Simulation, fmt: str = "table") -> str:
    """``sim`` as ``table`` (the hardware, one line per layer, the totals), ``csv`` (one row per layer:
    :data:`CSV_COLUMNS`) or ``json`` (:meth:`Simulation.to_dict`); it ends with a newline."""
    if fmt not in SIMULATION_FORMATS:
        raise InputError(f"{arg('fmt')}: {fmt!r} is not one of {', '.join(SIMULATION_FORMATS)}")
    if fmt == "json":
        return json.dumps(sim.to_dict(), indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(asdict(r) for r in sim.layers)
        return buf.getvalue()
    rows, totals = sim.layers, sim.totals
    hw = ", ".join(f"{k}={v}" for k, v in sim.hardware.items())
    width = max([len("layer")] + [len(r.layer) for r in rows])
    head = (f"{'layer':<{width}}  {'kind':<9}  {'MACs':>12}  {'cycles':>12}  {'latency_ms':>11}  "
            f"{'energy_uj':>11}  {'util':>6}")
    lines = [hw, head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.layer:<{width}}  {r.kind:<9}  {r.macs:>12d}  {r.cycles:>12d}  "
                     f"{r.latency_ms:>11.5f}  {r.energy_uj:>11.4f}  {r.utilization:>6.1%}")
    lines.append("-" * len(head))
    lines.append(f"{'total':<{width}}  {'':<9}  {totals.macs:>12d}  {totals.cycles:>12d}  "
                 f"{totals.latency_ms:>11.5f}  {totals.energy_uj:>11.4f}")
    extra = {k: v for k, v in (("area_mm2", totals.area_mm2), ("dram_bytes", totals.dram_bytes)) if v is not None}
    if extra:
        lines.append(", ".join(f"{k}={v:.6g}" for k, v in extra.items()))
    return "\n".join(lines) + "\n"
