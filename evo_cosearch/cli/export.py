"""``evo-cosearch export``: a run's designs (or its Pareto set) as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from evo_cosearch.archive import DesignTable, open_archive, pareto_of
from evo_cosearch.archive.store import run_of_file
from evo_cosearch.errors import InputError
from evo_cosearch.files import writable_path, write_text_atomic


def register(sub) -> None:
    p = sub.add_parser("export", help="write a run's designs as JSON or CSV")
    p.add_argument("run", metavar="RUN", help="run directory")
    p.add_argument("--format", choices=("json", "csv"), default=None,
                   help="default: csv for an output file named *.csv, else json")
    p.add_argument("--pareto", action="store_true", help="only the non-dominated feasible designs")
    p.add_argument("-o", "--output", help="output file (default: stdout); written whole or not at all")
    p.set_defaults(handler=run)


def run(args) -> int:
    if args.output is not None:
        run = run_of_file(args.output)
        if run is not None:
            raise InputError(f"{args.output}: is a file of the run in {run}; choose another output file")
        writable_path(args.output, "export")
    with open_archive(args.run) as arc:
        designs = arc.require_designs()  # an empty run is an error; an empty Pareto set is not
        table = pareto_of(designs) if args.pareto else designs
        acc_names = sorted(json.loads(designs.accelerator_json[0]))  # the run's, also for an empty Pareto set
        text = to_csv(table, acc_names) if _format(args) == "csv" else to_json(table)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(args.output, text, "export")
    return 0


def _format(args) -> str:
    """``--format``, else the output file's: ``-o designs.csv`` is CSV, not JSON in a .csv file."""
    if args.format is not None:
        return args.format
    return "csv" if args.output is not None and Path(args.output).suffix.lower() == ".csv" else "json"


def to_json(table: DesignTable) -> str:
    """A JSON list, one design object per line."""
    rows = [json.dumps(table.record(i), sort_keys=True) for i in range(len(table))]
    return "[\n" + ",\n".join(rows) + "\n]\n" if rows else "[]\n"


def to_csv(table: DesignTable, acc_names: list[str] | None = None) -> str:
    """One row per design: ids, feasibility, every metric, the genome, accelerator parameters
    (``acc.<name>``: ``acc_names``, else those of the first design) and the network as JSON text.
    An empty table is the header alone, with the same columns as a full one when ``acc_names`` is given."""
    buf = io.StringIO()
    records = [table.record(i) for i in range(len(table))]
    metric_names = list(table.metrics)
    if acc_names is None:
        acc_names = sorted(records[0]["accelerator"]) if records else []
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "generation", "feasible", "cv", *metric_names, "genome",
                *(f"acc.{a}" for a in acc_names), "network"])
    for r in records:
        w.writerow([r["id"], r["generation"], int(r["feasible"]), repr(r["cv"]),
                    *(repr(r["metrics"][m]) for m in metric_names), ",".join(map(str, r["genome"])),
                    *(r["accelerator"][a] for a in acc_names), json.dumps(r["network"], sort_keys=True)])
    return buf.getvalue()

