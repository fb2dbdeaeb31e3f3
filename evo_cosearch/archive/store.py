"""The run archive's SQLite schema and its single writer (one transaction per generation).

Layout: ``RUN/archive.sqlite``, in WAL mode from its one writer's first write (``RUN/writer.lock``
is held by that writer), so readers work during a search and a killed search (its WAL and lock
file left behind) resumes. A writer that closes normally checkpoints the WAL, returns the file to
rollback-journal mode and removes the lock file: a finished run is plain files, readable
(read-only, with no side files made) from a folder that cannot be written. Everything stored is
plain data: numbers, text, and JSON text; nothing pickled. Tables:

* ``meta(key, value)`` -- run metadata, ``value`` is JSON;
* ``designs`` -- one row per evaluated design (genome, decoded network/accelerator JSON,
  every metric, ``G`` as a JSON list, ``cv``, ``feasible``, ``seconds``, ``strategy``);
* ``generations`` -- per completed generation: counts and hypervolume of the search's designs
  (not those ``refine`` added: a run refined mid-way keeps the history of one refined at the end),
  the surviving population (design ids, in order) and the search state needed to resume
  (population attributes, RNG states) as JSON -- kept for the latest generation only.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from evo_cosearch.errors import InputError

__all__ = ["DB_NAME", "FORMAT", "METRIC_COLUMNS", "REFINED_DIR", "REFINE_STRATEGY", "GenerationRecord", "ArchiveWriter",
           "db_path", "is_run_file", "run_of_file"]

DB_NAME = "archive.sqlite"
LOCK_NAME = "writer.lock"
#: The files of a run directory that its search writes (SQLite's companions included).
RUN_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", LOCK_NAME, "problem.yaml")
#: ``RUN/refined/<design id>/``: a refined design's trained child and report (``evo-cosearch refine``).
REFINED_DIR = "refined"
#: The ``strategy`` of the designs ``evo-cosearch refine`` adds: not the search's evaluations (their
#: accuracy is measured after training), so they are in no generation's counts or hypervolume.
REFINE_STRATEGY = "refine"
FORMAT = 1
METRIC_COLUMNS = ("accuracy", "error", "latency_ms", "energy_uj", "area_mm2", "edp", "params", "macs")

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE designs (
    id INTEGER PRIMARY KEY, generation INTEGER NOT NULL, genome TEXT NOT NULL,
    network TEXT NOT NULL, accelerator TEXT NOT NULL,
    {", ".join(f"{m} REAL NOT NULL" for m in METRIC_COLUMNS)},
    G TEXT NOT NULL, cv REAL NOT NULL, feasible INTEGER NOT NULL, seconds REAL NOT NULL,
    strategy TEXT NOT NULL);
CREATE INDEX designs_generation ON designs (generation);
CREATE TABLE generations (
    generation INTEGER PRIMARY KEY, n_evals INTEGER NOT NULL, hypervolume REAL NOT NULL,
    n_feasible INTEGER NOT NULL, n_pareto INTEGER NOT NULL, population TEXT NOT NULL,
    state TEXT NOT NULL, finished TEXT NOT NULL);
"""


def db_path(run_dir: str | Path) -> Path:
    return Path(run_dir) / DB_NAME


def run_of_file(path: str | Path) -> Path | None:
    """The run directory ``path`` is a file of (None: no run's): one of the files its search writes,
    or any file in the folder of one of its refined designs (``RUN/refined/<id>/``). Writing it
    would damage the run."""
    for p in (Path(os.path.normpath(path)), Path(path).resolve()):  # "RUN/new/../archive.sqlite" too
        if p.name in RUN_FILES and db_path(p.parent).exists():
            return p.parent
        run = p.parent.parent.parent
        if p.parent.parent.name == REFINED_DIR and db_path(run).exists():
            return run
    return None


def is_run_file(path: str | Path) -> bool:
    """Whether ``path`` is a file of a run (:func:`run_of_file`)."""
    return run_of_file(path) is not None


def dumps(value: Any) -> str:
    """Compact, key-sorted JSON (the same value always gives the same text)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class GenerationRecord:
    """Everything one generation adds to the archive (written in one transaction)."""

    generation: int
    first_id: int
    genomes: np.ndarray                      # (n, n_var) int
    metrics: Mapping[str, np.ndarray]        # METRIC_COLUMNS -> (n,)
    G: np.ndarray                            # (n, K)
    cv: np.ndarray
    feasible: np.ndarray
    seconds: np.ndarray
    networks: Sequence[str]                  # decoded network JSON text per design
    accelerators: Sequence[str]
    strategy: str
    population: Sequence[int]                # design ids surviving, in population order
    state: Mapping[str, Any]                 # JSON-able resume state
    n_evals: int
    hypervolume: float
    n_feasible: int
    n_pareto: int
    finished: str
    meta: Mapping[str, Any] = field(default_factory=dict)  # meta keys to set with this generation


class ArchiveWriter:
    """The one writer of a run's archive. Readers use :func:`evo_cosearch.archive.open_archive`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, lock) -> None:
        self._conn = conn
        self.path = path
        self._lock = lock
        self._wal = False  # in WAL mode since this writer's first write

    @classmethod
    def create(cls, run_dir: str | Path, meta: Mapping[str, Any]) -> "ArchiveWriter":
        """Create a new archive (the run directory may exist but must not hold one)."""
        run_dir = Path(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        path = db_path(run_dir)
        if path.exists():
            raise InputError(f"{path}: an archive already exists")
        tmp = path.with_suffix(".creating")
        tmp.unlink(missing_ok=True)
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            conn.executescript(_SCHEMA)
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO meta VALUES (?, ?)",
                             [(k, dumps(v)) for k, v in {**meta, "format": FORMAT}.items()])
            conn.execute("COMMIT")
        finally:
            conn.close()
        tmp.replace(path)  # the archive appears complete or not at all
        return cls.open(run_dir)

    @classmethod
    def open(cls, run_dir: str | Path) -> "ArchiveWriter":
        """Open an existing archive for writing (validate it with a reader first). One writer per
        run: a second one gets an :class:`InputError` (the OS drops the lock if the writer dies)."""
        path = db_path(run_dir)
        lock = _take_lock(Path(run_dir) / LOCK_NAME)
        if lock is None:
            raise InputError(f"{run_dir}: another search is writing to this run")
        conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        conn.execute("PRAGMA synchronous=NORMAL")
        return cls(conn, path, lock)

    def _begin(self, how: str = "") -> None:
        """Start a write transaction. The first one puts the archive in WAL mode, where readers read
        beside the writer; a writer that writes nothing leaves the file as it was."""
        if not self._wal:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._wal = True
        self._conn.execute(f"BEGIN {how}")

    def set_meta(self, **values: Any) -> None:
        self._begin()
        self._conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               [(k, dumps(v)) for k, v in values.items()])
        self._conn.execute("COMMIT")

    def truncate_after(self, generation: int) -> None:
        """Drop any search design beyond the last completed generation (none exist after a clean
        stop); designs added outside the search's generations (``refine``) are kept."""
        self._begin()
        self._conn.execute("DELETE FROM designs WHERE generation > ? AND strategy != ?",
                           (generation, REFINE_STRATEGY))
        self._conn.execute("DELETE FROM generations WHERE generation > ?", (generation,))
        self._conn.execute("COMMIT")

    def add_generation(self, rec: GenerationRecord) -> None:
        n = len(rec.genomes)
        metric_rows = zip(*(np.asarray(rec.metrics[m], dtype=np.float64).tolist() for m in METRIC_COLUMNS)) \
            if n else iter(())
        G = np.asarray(rec.G, dtype=np.float64).reshape(n, -1)
        g_texts = [dumps(g) for g in G.tolist()] if G.shape[1] else ["[]"] * n
        rows = [
            (rec.first_id + i, rec.generation, _int_list(genome), net, acc, *metrics, g, cv, int(feas), sec,
             rec.strategy)
            for i, (genome, net, acc, metrics, g, cv, feas, sec) in enumerate(zip(
                np.asarray(rec.genomes, dtype=np.int64).tolist(), rec.networks, rec.accelerators, metric_rows,
                g_texts,
                np.asarray(rec.cv, dtype=np.float64).tolist(), np.asarray(rec.feasible, dtype=bool).tolist(),
                np.asarray(rec.seconds, dtype=np.float64).tolist()))
        ]
        marks = ", ".join("?" * (10 + len(METRIC_COLUMNS)))
        c = self._conn
        self._begin("IMMEDIATE")
        try:
            c.executemany(f"INSERT INTO designs VALUES ({marks})", rows)
            c.execute("INSERT INTO generations VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (rec.generation, rec.n_evals, _finite(rec.hypervolume), rec.n_feasible, rec.n_pareto,
                       dumps([int(i) for i in rec.population]), json.dumps(rec.state), rec.finished))
            # a resume needs only the latest state: drop older ones (a controller's weights are MBs)
            c.execute("UPDATE generations SET state = '{}' WHERE generation < ? AND state != '{}'",
                      (rec.generation,))
            if rec.meta:
                c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                              [(k, dumps(v)) for k, v in rec.meta.items()])
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def add_design(self, design: Mapping[str, Any]) -> None:
        """One design outside the search's generations (e.g. a refined one), in one transaction.

        ``design`` is plain data: ``id``, ``generation``, ``genome`` (list), ``network`` and
        ``accelerator`` (JSON-able), ``metrics`` (every METRIC_COLUMNS name), ``G`` (list), ``cv``,
        ``feasible``, ``seconds``, ``strategy``. No ``generations`` row is written: the run's
        history and resume state stay as they are. A taken id raises :class:`InputError`.
        """
        row = (int(design["id"]), int(design["generation"]), dumps([int(v) for v in design["genome"]]),
               dumps(design["network"]), dumps(design["accelerator"]),
               *(float(design["metrics"][m]) for m in METRIC_COLUMNS),
               dumps([float(g) for g in design["G"]]), float(design["cv"]), int(bool(design["feasible"])),
               float(design["seconds"]), str(design["strategy"]))
        c = self._conn
        self._begin("IMMEDIATE")
        try:
            c.execute(f"INSERT INTO designs VALUES ({', '.join('?' * len(row))})", row)
            c.execute("COMMIT")
        except sqlite3.IntegrityError:
            c.execute("ROLLBACK")
            raise InputError(f"{self.path}: design id {design['id']} is already taken") from None
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close the archive and leave no side files: the WAL of this writer's writes is checkpointed
        into the database, which goes back to rollback-journal mode, and the lock file is removed
        (while still held). A reader that has the run open keeps it in WAL mode (SQLite refuses the
        switch while a reader is connected): the close of the next writer that writes finishes the job."""
        if self._wal:
            try:
                self._conn.execute("PRAGMA busy_timeout = 0")
                self._conn.execute("PRAGMA journal_mode = DELETE")
            except sqlite3.OperationalError:  # "database is locked": a reader is connected
                pass
        self._conn.close()
        Path(self._lock.name).unlink(missing_ok=True)
        self._lock.close()

    def discard(self) -> None:
        """Close and delete this archive, its SQLite side files and the lock: for a new run that
        failed before it committed anything (a rerun then starts clean, not as a resume). The lock
        is let go last: a search started meanwhile finds no archive, and keeps its own lock file."""
        self._conn.close()
        for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"), Path(self._lock.name)):
            p.unlink(missing_ok=True)
        self._lock.close()


def _take_lock(path: Path):
    """The lock file at ``path``, opened and locked exclusively (None: another process holds it).
    A writer removes its lock file as it closes: a lock taken on a file no longer at ``path`` is
    let go and taken again on the new one, so two writers never hold two different files."""
    while True:
        lock = open(path, "a+b")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            return None
        try:
            if os.path.samestat(os.stat(path), os.fstat(lock.fileno())):
                return lock
        except FileNotFoundError:
            pass
        lock.close()


def _int_list(values: list[int]) -> str:
    """``dumps`` of a list of ints, without the encoder (this runs for every archived design)."""
    return "[" + ",".join(map(str, values)) + "]"


def _finite(x: float) -> float:
    return float(x) if math.isfinite(x) else 0.0
