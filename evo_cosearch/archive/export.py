"""A run's designs (or its Pareto set) as text (``evo-cosearch export``): JSON or CSV, to a file or not."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from evo_cosearch.archive.reader import DesignTable, open_archive, pareto_of
from evo_cosearch.archive.store import run_of_file
from evo_cosearch.errors import InputError
from evo_cosearch.files import writable_path, write_text_atomic

__all__ = ["EXPORT_FORMATS", "export_run", "export_format", "to_json", "to_csv"]

#: The forms :func:`export_run` writes.
EXPORT_FORMATS = ("json", "csv")


def export_run(run: str | Path, *, pareto: bool = False, fmt: str | None = None,
               output: str | Path | None = None) -> str:
    """The designs of ``run`` (``pareto``: its non-dominated feasible ones) as ``fmt`` (:func:`export_format`),
    also written to ``output`` when given, whole or not at all; an output file of the run itself, or
    a run without designs, is refused before anything is written (an empty Pareto set is not)."""
    if output is not None:
        owner = run_of_file(output)
        if owner is not None:
            raise InputError(f"{output}: is a file of the run in {owner}; choose another output file")
        writable_path(output, "export")
    with open_archive(run) as arc:
        designs = arc.require_designs()
        table = pareto_of(designs) if pareto else designs
        acc_names = sorted(json.loads(designs.accelerator_json[0]))  # the run's, also for an empty Pareto set
        text = to_csv(table, acc_names) if export_format(fmt, output) == "csv" else to_json(table)
    if output is not None:
        write_text_atomic(output, text, "export")
    return text


def export_format(fmt: str | None, output: str | Path | None) -> str:
    """``fmt``, else the output file's: ``designs.csv`` is CSV, not JSON in a .csv file; JSON otherwise."""
    if fmt is not None:
        return fmt
    return "csv" if output is not None and Path(output).suffix.lower() == ".csv" else "json"


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
