"""SCALE-Sim topology CSV <-> :class:`~evo_cosearch.workload.LayerArrays`.

Format (SCALE-Sim 3.0.0 "conv" topologies): a header line
``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,``
then one row per layer; a trailing comma is allowed, blank lines are skipped, whitespace
around fields and a file's leading byte-order mark (Excel's "CSV UTF-8") are ignored. IFMAP
sizes are *padded* input sizes: ``out = (H - R) // S + 1``.

A row whose name contains ``DP`` is depthwise, as in SCALE-Sim, which runs it as ``Channels``
single-channel layers of ``Num Filter`` filters each: ``Num Filter`` is the per-channel filter
count (depth multiplier; 1 for an ordinary depthwise conv), not the total.

Reading un-pads with the project's 'same' convention: ``in = H - 2*(R//2)``, so that
``write(read(csv))`` gives the same rows back. Bits are not part of the format: 8/8 on read.
Writing emits conv, depthwise, pointwise and dense layers (dense as a 1x1 conv on a 1x1
input); residual adds and pooling have no SCALE-Sim row and are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from evo_cosearch.errors import InputError
from evo_cosearch.files import given_path, read_text
from evo_cosearch.workload import CONV, DENSE, DW, PW, Layer, LayerArrays, layers_of

__all__ = ["COLUMNS", "read_topology", "parse_topology", "topology_text", "write_topology"]

COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width",
           "Channels", "Num Filter", "Strides")
_INT_COLUMNS = COLUMNS[1:]
DEFAULT_BITS = 8
MAX_LAYER_MACS = 10**15  # far beyond any real layer; keeps every count the simulator forms inside int64


def read_topology(path: str | Path) -> LayerArrays:
    """Read a SCALE-Sim topology CSV file into a one-design :class:`LayerArrays`."""
    p = given_path(path, "topology file")
    text = read_text(p, "topology file")
    return parse_topology(text, source=str(p))


def parse_topology(text: str, source: str = "<topology>") -> LayerArrays:
    """Parse topology CSV text; errors name ``source``, the row, the field and the value."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise InputError(f"{source}: empty topology file (expected the header {', '.join(COLUMNS)},)")
    header_line, header = lines[0]
    names = _fields(header)
    if [_norm(f) for f in names] != [_norm(c) for c in COLUMNS]:
        missing = [c for c in COLUMNS if _norm(c) not in {_norm(f) for f in names}]
        what = f"missing column {missing[0]!r}" if missing else f"columns {names} are not {list(COLUMNS)}"
        raise InputError(f"{source}: line {header_line}: bad header, {what}")
    if len(lines) == 1:
        raise InputError(f"{source}: no layer rows after the header")
    rows = [_parse_row(_fields(line), source, row, n) for row, (n, line) in enumerate(lines[1:], start=1)]
    cols = {k: np.array([[r[k] for r in rows]], dtype=np.int64) for k in rows[0] if k != "name"}
    return LayerArrays(active=np.ones_like(cols.pop("active"), dtype=bool), **cols,
                       names=tuple(r["name"] for r in rows))


def _norm(s: str) -> str:
    return " ".join(s.lower().split())


def _fields(line: str) -> list[str]:
    parts = [p.strip() for p in line.split(",")]
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # the trailing comma
    return parts


def _parse_row(fields: list[str], source: str, row: int, line: int) -> dict:
    where = f"{source}: row {row} (line {line})"
    if len(fields) != len(COLUMNS):
        raise InputError(f"{where}: expected {len(COLUMNS)} fields ({', '.join(COLUMNS)}), got {len(fields)}")
    name = fields[0]
    if not name:
        raise InputError(f"{where}: empty Layer name")
    v = {}
    for col, raw in zip(_INT_COLUMNS, fields[1:]):
        try:
            v[col] = int(raw)
        except ValueError:
            raise InputError(f"{where}: {col}={raw!r} is not an integer") from None
        if v[col] <= 0:
            raise InputError(f"{where}: {col}={v[col]} must be positive")
    H, W, R, S = v["IFMAP Height"], v["IFMAP Width"], v["Filter Height"], v["Filter Width"]
    C, M, stride = v["Channels"], v["Num Filter"], v["Strides"]
    if R > H:
        raise InputError(f"{where}: Filter Height={R} is larger than IFMAP Height={H}")
    if S > W:
        raise InputError(f"{where}: Filter Width={S} is larger than IFMAP Width={W}")
    depthwise = "DP" in name
    out_h, out_w = (H - R) // stride + 1, (W - S) // stride + 1
    macs = out_h * out_w * (C * M if depthwise else M) * R * S * (1 if depthwise else C)  # Python int: exact
    if macs > MAX_LAYER_MACS:
        raise InputError(f"{where}: {macs:.3g} MACs in one layer; the simulator's integer counts hold at most "
                         f"{MAX_LAYER_MACS:.0e} per layer")
    if depthwise:
        kind = DW
    elif R == S == H == W == 1:
        kind = DENSE
    elif R == S == 1:
        kind = PW
    else:
        kind = CONV
    return dict(
        name=name, kind=kind, active=1, in_h=H - 2 * (R // 2), in_w=W - 2 * (S // 2), in_c=C,
        out_h=out_h, out_w=out_w, out_c=C * M if depthwise else M,
        kernel_h=R, kernel_w=S, stride=stride, groups=C if depthwise else 1,
        w_bits=DEFAULT_BITS, a_bits=DEFAULT_BITS,
    )


def topology_text(layers: LayerArrays | Sequence[Layer], design: int = 0) -> str:
    """SCALE-Sim topology CSV text of one design (``design`` selects a LayerArrays row).

    Depthwise layers get ``_DP`` appended to their name (unless it has ``DP``); another layer
    whose name contains ``DP`` has it written as ``Dp`` so SCALE-Sim does not take it for a
    depthwise one. Commas in names become ``_``.
    """
    records = layers_of(layers, design) if isinstance(layers, LayerArrays) else list(layers)
    out = [", ".join(COLUMNS) + ","]
    for layer in records:
        name = layer.name.replace(",", "_")
        if layer.kind == "depthwise":
            if "DP" not in name:
                name = f"{name}_DP"
            channels, filters = layer.in_c, layer.out_c // max(layer.in_c, 1)
        elif layer.kind in ("conv", "pointwise", "dense"):
            name = name.replace("DP", "Dp")
            channels, filters = layer.in_c, layer.out_c
        else:
            continue  # add / pool: no SCALE-Sim row
        if layer.kind == "dense":
            h = w = kh = kw = stride = 1
        else:
            kh, kw, stride = layer.kernel_h, layer.kernel_w, layer.stride
            h, w = layer.in_h + 2 * (kh // 2), layer.in_w + 2 * (kw // 2)
        out.append(", ".join([name] + [str(int(x)) for x in (h, w, kh, kw, channels, filters, stride)]) + ",")
    return "\n".join(out) + "\n"


def write_topology(path: str | Path, layers: LayerArrays | Sequence[Layer], design: int = 0) -> None:
    """Write :func:`topology_text` to ``path`` (the whole text, or nothing on error)."""
    text = topology_text(layers, design)
    Path(path).write_text(text, encoding="utf-8")
