"""Persistence of a run: a crash-safe SQLite archive (one writer, many read-only readers)."""

from evo_cosearch.archive.indicators import hv_points, hypervolume, non_dominated
from evo_cosearch.archive.reader import (
    Archive, DesignTable, GenerationStat, ResumeState, RunMeta, open_archive, pareto_of,
)
from evo_cosearch.archive.store import DB_NAME, ArchiveWriter, GenerationRecord, db_path
from evo_cosearch.archive.export import export_run

__all__ = [
    "Archive", "ArchiveWriter", "DB_NAME", "DesignTable", "GenerationRecord", "GenerationStat",
    "ResumeState", "RunMeta", "db_path", "export_run", "hv_points", "hypervolume", "non_dominated", "open_archive",
    "pareto_of",
]
