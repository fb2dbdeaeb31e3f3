"""Edge-template hardware JSON -> accelerator spec/arrays, and SCALE-Sim config files.

A hardware JSON file is one object whose keys are exactly the accelerator genes
(:data:`~evo_cosearch.space.ACCELERATOR_TABLE`: ``pes_x, pes_y, simd_units, compute_lanes,
local_memory_mb, register_file_kb, io_bandwidth_gbps, mac_bits``), each a positive number
(an integer for all but ``local_memory_mb`` and ``io_bandwidth_gbps``): the reference table's
values or any other, as a problem file may add, e.g. ``{"pes_x": 4, "pes_y": 4, "simd_units": 64, ...}``.

:func:`scalesim_equivalent` maps an edge accelerator to a SCALE-Sim systolic array with the
same number of MACs: ``rows = pes_y * compute_lanes`` and ``cols = pes_x * simd_units`` (each
PE row contributes its lanes, each PE column its SIMD units); the PEs' local memories
together (``pes_x * pes_y * local_memory_mb``) are split 2:2:1 over the ifmap, filter and
ofmap SRAMs (SCALE-Sim's default 256:256:128 kB ratio); register files are not modelled;
``io_bandwidth_gbps`` becomes DRAM words (of ``mac_bits``) per cycle at the technology clock.
"""

from __future__ import annotations

import configparser
import io
import json
import math
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from evo_cosearch.errors import InputError
from evo_cosearch.files import given_path, read_text
from evo_cosearch.hardware.technology import CLOCK_GHZ
from evo_cosearch.space import ACCELERATOR_RANGE, ACCELERATOR_TABLE, AcceleratorArrays, AcceleratorSpec

__all__ = ["read_hw_json", "parse_hw", "hw_arrays", "ScaleSimConfig", "scalesim_equivalent",
           "scalesim_config_text", "write_scalesim_config"]

DATAFLOWS = ("os", "ws", "is")


def read_hw_json(path: str | Path) -> AcceleratorSpec:
    """Read and validate an edge-template hardware JSON file (or the accelerator of an exported
    ``design.json``)."""
    p = given_path(path, "hardware file")
    text = read_text(p, "hardware file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if isinstance(data, Mapping) and isinstance(data.get("accelerator"), Mapping) and "network" in data:
        data = data["accelerator"]  # a design.json written by `select --export`: its accelerator
    return parse_hw(data, source=str(p))


def parse_hw(data: Any, source: str = "<hardware>") -> AcceleratorSpec:
    """Validate a decoded hardware object: exactly the accelerator genes, positive finite numbers
    (integers where :class:`AcceleratorSpec` has an integer field)."""
    if not isinstance(data, Mapping):
        raise InputError(f"{source}: must be a JSON object with keys {', '.join(ACCELERATOR_TABLE)}")
    unknown = [k for k in data if k not in ACCELERATOR_TABLE]
    if unknown:
        raise InputError(f"{source}: unknown key {unknown[0]!r} (allowed: {', '.join(ACCELERATOR_TABLE)})")
    missing = [k for k in ACCELERATOR_TABLE if k not in data]
    if missing:
        raise InputError(f"{source}: missing key {missing[0]!r}")
    types = {f.name: f.type for f in fields(AcceleratorSpec)}
    values = {}
    for name in ACCELERATOR_TABLE:
        v = data[name]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InputError(f"{source}: {name}={v!r} is not a number")
        real = types[name] in (float, "float")
        if not (math.isfinite(v) and v > 0 and (real or float(v).is_integer())):
            raise InputError(f"{source}: {name}={v!r} must be a positive {'number' if real else 'integer'}")
        low, high = ACCELERATOR_RANGE
        if not low <= v <= high:
            raise InputError(f"{source}: {name}={v!r} is outside {low:g} .. {high:g}")
        values[name] = float(v) if real else int(v)
    return AcceleratorSpec(**values)


def hw_arrays(spec: AcceleratorSpec) -> AcceleratorArrays:
    """The one-design :class:`AcceleratorArrays` of ``spec``."""
    return AcceleratorArrays.from_specs([spec])


@dataclass(frozen=True)
class ScaleSimConfig:
    """The architecture knobs of a SCALE-Sim config file."""

    rows: int
    cols: int
    dataflow: str
    ifmap_sram_kb: int
    filter_sram_kb: int
    ofmap_sram_kb: int
    bandwidth_words: int | None = None  # None: SCALE-Sim estimates it (CALC mode)


def scalesim_equivalent(spec: AcceleratorSpec, dataflow: str = "ws") -> ScaleSimConfig:
    """A SCALE-Sim array with the MACs, SRAM and DRAM bandwidth of an edge accelerator."""
    total_kb = spec.pes_x * spec.pes_y * spec.local_memory_mb * 1024
    words = spec.io_bandwidth_gbps / (CLOCK_GHZ * spec.mac_bits)
    return ScaleSimConfig(
        rows=int(spec.pes_y * spec.compute_lanes), cols=int(spec.pes_x * spec.simd_units), dataflow=dataflow,
        ifmap_sram_kb=max(1, int(total_kb * 0.4)), filter_sram_kb=max(1, int(total_kb * 0.4)),
        ofmap_sram_kb=max(1, int(total_kb * 0.2)), bandwidth_words=max(1, math.floor(words)),
    )


def scalesim_config_text(rows: int, cols: int, dataflow: str, ifmap_sram_kb: int, filter_sram_kb: int,
                         ofmap_sram_kb: int, bandwidth: int | None = None, run_name: str = "evo_cosearch") -> str:
    """A SCALE-Sim 3.0.0 config file (text). ``bandwidth`` None: CALC (estimated) mode;
    an int: USER mode with that many DRAM words per cycle."""
    for name, v in (("rows", rows), ("cols", cols), ("ifmap_sram_kb", ifmap_sram_kb),
                    ("filter_sram_kb", filter_sram_kb), ("ofmap_sram_kb", ofmap_sram_kb)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise InputError(f"SCALE-Sim config: {name}={v!r} must be a positive integer")
    if dataflow not in DATAFLOWS:
        raise InputError(f"SCALE-Sim config: dataflow {dataflow!r} is unknown (known: {', '.join(DATAFLOWS)})")
    if bandwidth is not None and (isinstance(bandwidth, bool) or int(bandwidth) != bandwidth or bandwidth < 1):
        raise InputError(f"SCALE-Sim config: bandwidth={bandwidth!r} must be a positive integer")
    if not run_name or any(c in run_name for c in "/\\\n"):
        raise InputError(f"SCALE-Sim config: run_name={run_name!r} must be a plain non-empty name")
    cfg = configparser.ConfigParser()
    cfg.optionxform = str  # keep SCALE-Sim's key spelling
    cfg["general"] = {"run_name": run_name}
    cfg["run_presets"] = {"InterfaceBandwidth": "CALC" if bandwidth is None else "USER",
                          "UseRamulatorTrace": "False"}
    cfg["architecture_presets"] = {
        "ArrayHeight": str(int(rows)), "ArrayWidth": str(int(cols)),
        "IfmapSramSzkB": str(int(ifmap_sram_kb)), "FilterSramSzkB": str(int(filter_sram_kb)),
        "OfmapSramSzkB": str(int(ofmap_sram_kb)),
        "IfmapOffset": "0", "FilterOffset": "10000000", "OfmapOffset": "20000000",
        "Bandwidth": str(int(bandwidth or 10)), "Dataflow": dataflow,
        "ReadRequestBuffer": "32", "WriteRequestBuffer": "32",
    }
    cfg["layout"] = {
        "IfmapCustomLayout": "False", "IfmapSRAMBankBandwidth": str(int(bandwidth or 10)),
        "IfmapSRAMBankNum": "10", "IfmapSRAMBankPort": "2",
        "FilterCustomLayout": "False", "FilterSRAMBankBandwidth": str(int(bandwidth or 10)),
        "FilterSRAMBankNum": "10", "FilterSRAMBankPort": "2",
    }
    cfg["sparsity"] = {"SparsitySupport": "False", "SparseRep": "ellpack_block", "OptimizedMapping": "False",
                       "BlockSize": "8", "RandomNumberGeneratorSeed": "40"}
    buf = io.StringIO()
    cfg.write(buf)
    return buf.getvalue()


def write_scalesim_config(path: str | Path | None, rows: int, cols: int, dataflow: str, ifmap_sram_kb: int,
                          filter_sram_kb: int, ofmap_sram_kb: int, bandwidth: int | None = None,
                          run_name: str = "evo_cosearch") -> str:
    """Write :func:`scalesim_config_text` to ``path`` (None: write nothing); return the text."""
    text = scalesim_config_text(rows, cols, dataflow, ifmap_sram_kb, filter_sram_kb, ofmap_sram_kb,
                                bandwidth=bandwidth, run_name=run_name)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
