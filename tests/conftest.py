"""Fixtures shared by the test packages."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from evo_cosearch.archive import ArchiveWriter, open_archive


@pytest.fixture(scope="module")
def tiny_supernet(tmp_path_factory):
    """``(problem file, checkpoint)``: the supernet tests' tiny problem and its supernet, trained by
    ``train-supernet`` once per test module."""
    from evo_cosearch.cli import main

    spec = importlib.util.spec_from_file_location("_sn_conftest", Path(__file__).parent / "supernet" / "conftest.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    d = tmp_path_factory.mktemp("tiny_supernet")
    problem, ckpt = conf.write_tiny(d), d / "sn.pt"
    assert main(["train-supernet", "--problem", str(problem), "--out", str(ckpt), "--quiet"]) == 0
    return problem, ckpt


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
