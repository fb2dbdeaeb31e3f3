"""Shared test helpers for the search package."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest


def archive_contents(run_dir: Path) -> tuple[list, list]:
    """A run's archive contents without timing columns (seconds, timestamps)."""
    with sqlite3.connect(run_dir / "archive.sqlite") as c:
        designs = c.execute("SELECT id, generation, genome, network, accelerator, accuracy, latency_ms, energy_uj, "
                            "area_mm2, G, cv, feasible, strategy FROM designs ORDER BY id").fetchall()
        gens = c.execute("SELECT generation, n_evals, hypervolume, n_feasible, n_pareto, population, state "
                         "FROM generations ORDER BY generation").fetchall()
    return designs, gens


@pytest.fixture
def contents():
    """:func:`archive_contents`, for comparing runs."""
    return archive_contents
