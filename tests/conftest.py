"""Fixtures shared by the test packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from evo_cosearch.archive import ArchiveWriter, open_archive


@pytest.fixture
def add_refined():
    """``add_refined(run)``: add to ``run`` a row as ``refine`` adds it (see :func:`_add_refined`)."""
    return _add_refined


def _add_refined(run: Path) -> None:
    """A row as ``refine`` adds it: the last design's genome, better in every objective (its accuracy
    measured after training), after the run's last generation, feasible."""
    with open_archive(run) as arc:
        d, n_constraints = arc.designs(), len(arc.meta.constraints)
    row = d.record(len(d) - 1)
    metrics = {**row["metrics"], "error": row["metrics"]["error"] / 4, "latency_ms": row["metrics"]["latency_ms"] / 4,
               "energy_uj": row["metrics"]["energy_uj"] / 4}
    metrics["accuracy"] = 1.0 - metrics["error"]
    network = {**row["network"], "refined": {"s1": 2}, "refined_from": row["id"]}
    writer = ArchiveWriter.open(run)
    try:
        writer.add_design({**row, "id": int(d.id.max()) + 1, "network": network, "metrics": metrics,
                           "G": [-1.0] * n_constraints, "seconds": 1.0, "strategy": "refine"})
    finally:
        writer.close()
