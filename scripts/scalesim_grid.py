"""Validate the systolic template against SCALE-Sim 3.0.0 on a grid of layers x arrays x dataflows.

SCALE-Sim runs in its own environment (``.scalesim-venv``; never a dependency of evo_cosearch):
this script re-runs itself there with ``--worker`` for one (array, dataflow) at a time and reads
the per-layer compute cycles of ``COMPUTE_REPORT.csv`` (a ``DP`` row is reported once per
channel; the channels are summed back into the row).

  .venv/bin/python scripts/scalesim_grid.py           # run SCALE-Sim (~5 min), write the fixture
                                                      # tests/fixtures/scalesim_cycles.csv (+ topology)
  .venv/bin/python scripts/scalesim_grid.py --live    # re-run SCALE-Sim, print the agreement only
  .venv/bin/python scripts/scalesim_grid.py --fixture # agreement with the committed fixture (fast)

Every mode prints the agreement summary (median / p90 / max absolute relative error of the
cycles, Spearman rho, exact-match fraction; per dataflow and overall) as JSON and writes it to
results/benchmarks/scalesim_agreement.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "scalesim_cycles.csv"
TOPOLOGY = ROOT / "tests" / "fixtures" / "scalesim_topology.csv"
RESULT = ROOT / "results" / "benchmarks" / "scalesim_agreement.json"
SCALESIM_PYTHON = ROOT / ".scalesim-venv" / "bin" / "python"
FIELDS = ("array_rows", "array_cols", "dataflow", "layer", "ifmap_h", "ifmap_w", "filter_h", "filter_w",
          "channels", "num_filter", "stride", "depthwise", "cycles")
DATAFLOWS = ("os", "ws", "is")
ARRAYS = ((8, 8), (16, 16), (32, 32), (8, 32), (32, 8), (64, 64))
SRAM_KB = 8192  # generous: compare compute cycles, not memory stalls

# name, padded IFMAP H, W, filter R, S, channels, num filters (per channel for DP), stride.
# MobileNetV2 / MBConv-like shapes at 4-56 px, plus odd/rectangular/strided corner cases.
LAYERS = (
    ("stem_conv3_s2", 58, 58, 3, 3, 3, 16, 2),
    ("b1_DPdw3", 30, 30, 3, 3, 12, 1, 1),
    ("b1_pw_proj", 28, 28, 1, 1, 16, 16, 1),
    ("b2_pw_exp", 28, 28, 1, 1, 16, 64, 1),
    ("b2_DPdw3_s2", 30, 30, 3, 3, 32, 1, 2),
    ("b2_pw_proj", 14, 14, 1, 1, 64, 24, 1),
    ("b3_pw_exp", 14, 14, 1, 1, 24, 144, 1),
    ("b3_DPdw5", 18, 18, 5, 5, 24, 1, 1),
    ("b3_pw_proj", 14, 14, 1, 1, 144, 24, 1),
    ("b4_fused_conv3", 16, 16, 3, 3, 24, 96, 1),
    ("b4_fused_conv5_s2", 18, 18, 5, 5, 24, 48, 2),
    ("b5_pw_exp", 7, 7, 1, 1, 40, 240, 1),
    ("b5_DPdw7", 13, 13, 7, 7, 16, 1, 1),
    ("b5_pw_proj", 7, 7, 1, 1, 240, 80, 1),
    ("b6_conv7_s2", 20, 20, 7, 7, 8, 16, 2),
    ("b6_conv5", 11, 11, 5, 5, 32, 64, 1),
    ("b7_conv3_large", 9, 9, 3, 3, 96, 96, 1),
    ("b7_pw_large", 7, 7, 1, 1, 192, 384, 1),
    ("b8_DPdw3_s2", 16, 16, 3, 3, 24, 1, 2),
    ("b8_DPdw5_mult2", 11, 11, 5, 5, 8, 2, 1),
    ("head_pw", 7, 7, 1, 1, 160, 320, 1),
    ("fc_dense", 1, 1, 1, 1, 320, 10, 1),
    ("fc_dense_wide", 1, 1, 1, 1, 640, 100, 1),
    ("tiny_conv3", 5, 5, 3, 3, 4, 4, 1),
    ("tiny_pw", 4, 4, 1, 1, 3, 5, 1),
    ("c_conv3_56", 58, 58, 3, 3, 4, 8, 1),
    ("c_pw_56", 56, 56, 1, 1, 8, 16, 1),
    ("c_conv3_s2_odd", 15, 15, 3, 3, 16, 32, 2),
    ("c_conv5_s2_even", 32, 32, 5, 5, 8, 24, 2),
    ("c_conv7_7px", 13, 13, 7, 7, 16, 32, 1),
    ("c_conv1x3", 10, 12, 1, 3, 16, 16, 1),
    ("c_pw_s2", 14, 14, 1, 1, 32, 64, 2),
    ("c_DPdw3_7px", 9, 9, 3, 3, 64, 1, 1),
    ("c_conv3_rect", 12, 20, 3, 3, 12, 40, 1),
    ("c_conv3_s3", 20, 20, 3, 3, 16, 16, 3),
    ("c_pw_odd", 9, 9, 1, 1, 33, 65, 1),
)


def topology_csv() -> str:
    from evo_cosearch.io.topology import COLUMNS
    rows = [", ".join(COLUMNS) + ","] + [", ".join(str(x) for x in layer) + "," for layer in LAYERS]
    return "\n".join(rows) + "\n"


# -- worker: runs inside .scalesim-venv --------------------------------------------------------
def worker(config: str, topology: str, out_dir: str) -> None:
    from scalesim.scale_sim import scalesim  # only importable in .scalesim-venv

    layout = Path(out_dir) / "layout.csv"
    layout.write_text("Layer name,\n")  # read by SCALE-Sim but unused without custom layouts
    sim = scalesim(save_disk_space=True, verbose=False, config=config, topology=topology, layout=str(layout))
    sim.run_scale(top_path=out_dir)


# -- driver: runs in the project's venv --------------------------------------------------------
def run_scalesim(progress=print) -> list[dict]:
    from evo_cosearch.io.hwfile import write_scalesim_config

    if not SCALESIM_PYTHON.exists():
        print(f"error: {SCALESIM_PYTHON} not found; create it with: python3 -m venv .scalesim-venv && "
              ".scalesim-venv/bin/pip install scalesim==3.0.0 'numpy<2.4' (or compare with the committed "
              "fixture: --fixture)", file=sys.stderr)
        sys.exit(2)
    records = []
    with tempfile.TemporaryDirectory(prefix="scalesim_grid_") as tmp:
        topo = Path(tmp) / "topology.csv"
        topo.write_text(topology_csv())
        for rows, cols in ARRAYS:
            for df in DATAFLOWS:
                t0 = time.perf_counter()
                run = Path(tmp) / f"{rows}x{cols}_{df}"
                run.mkdir()
                cfg = run / "scale.cfg"
                write_scalesim_config(cfg, rows, cols, df, SRAM_KB, SRAM_KB, SRAM_KB, run_name="grid")
                subprocess.run([str(SCALESIM_PYTHON), __file__, "--worker", str(cfg), str(topo), str(run)],
                               check=True, stdout=subprocess.DEVNULL)
                cycles = _read_compute_report(run / "grid" / "COMPUTE_REPORT.csv")
                for (name, h, w, r, s, c, m, stride), cyc in zip(LAYERS, cycles):
                    records.append(dict(array_rows=rows, array_cols=cols, dataflow=df, layer=name, ifmap_h=h,
                                        ifmap_w=w, filter_h=r, filter_w=s, channels=c, num_filter=m,
                                        stride=stride, depthwise=int("DP" in name), cycles=cyc))
                progress(f"{rows}x{cols} {df}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return records


def _read_compute_report(path: Path) -> list[int]:
    """Compute cycles (total minus stalls) per topology row; a DP row's channels are summed."""
    with path.open() as f:
        reader = csv.reader(f)
        next(reader)
        per_run = [int(row[2]) - int(row[3]) for row in reader if row and row[0].strip()]
    out, i = [], 0
    for name, *_, channels, _filters, _stride in LAYERS:
        n = channels if "DP" in name else 1
        out.append(sum(per_run[i:i + n]))
        i += n
    if i != len(per_run):
        raise RuntimeError(f"{path}: {len(per_run)} report rows, expected {i}")
    return out


def write_fixture(records: list[dict]) -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    TOPOLOGY.write_text(topology_csv())
    with FIXTURE.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(records)


def read_fixture(path: Path = FIXTURE) -> list[dict]:
    with path.open() as f:
        return [{k: (v if k in ("dataflow", "layer") else int(v)) for k, v in row.items()}
                for row in csv.DictReader(f)]


def agreement(records: list[dict]) -> dict:
    """Model cycles for every record vs SCALE-Sim's: error statistics per dataflow and overall."""
    import numpy as np
    from scipy.stats import spearmanr

    from evo_cosearch.hardware.systolic import systolic_compute_cycles
    from evo_cosearch.io.topology import parse_topology

    layers = parse_topology(topology_csv(), source="grid")
    index = {name: j for j, name in enumerate(layers.names)}
    t0 = time.perf_counter()
    model = {}
    for rows, cols in ARRAYS:
        for df in DATAFLOWS:
            model[rows, cols, df] = systolic_compute_cycles(layers, rows, cols, df)[0][0]
    model_s = time.perf_counter() - t0
    ref = np.array([r["cycles"] for r in records], dtype=np.float64)
    ours = np.array([model[r["array_rows"], r["array_cols"], r["dataflow"]][index[r["layer"]]] for r in records],
                    dtype=np.float64)
    groups = {"overall": np.ones(len(records), bool)}
    groups.update({df: np.array([r["dataflow"] == df for r in records]) for df in DATAFLOWS})
    summary = {}
    for key, mask in groups.items():
        err = np.abs(ours[mask] - ref[mask]) / ref[mask]
        summary[key] = dict(
            n=int(mask.sum()), median_abs_rel_error=float(np.median(err)),
            p90_abs_rel_error=float(np.quantile(err, 0.9)),
            max_abs_rel_error=float(err.max()), spearman_rho=float(spearmanr(ours[mask], ref[mask]).statistic),
            exact_match_fraction=float(np.mean(ours[mask] == ref[mask])),
        )
    return dict(reference="SCALE-Sim 3.0.0 compute cycles (total - stall), CALC bandwidth, "
                          f"{SRAM_KB} kB SRAMs", layers=len(LAYERS), arrays=[f"{r}x{c}" for r, c in ARRAYS],
                dataflows=list(DATAFLOWS), model_seconds_for_grid=model_s, agreement=summary)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--live", action="store_true", help="re-run SCALE-Sim; print agreement, keep the fixture")
    mode.add_argument("--fixture", action="store_true", help="agreement with the committed fixture only")
    mode.add_argument("--worker", nargs=3, metavar=("CONFIG", "TOPOLOGY", "OUT_DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    if args.fixture:
        records = read_fixture()
    else:
        records = run_scalesim()
        if not args.live:
            write_fixture(records)
    summary = agreement(records)
    if not args.fixture:
        summary["scalesim_seconds"] = time.perf_counter() - t0
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
