"""Read-only access to a run archive: metadata, designs as numpy columns, Pareto set, history.

Readers open the database read-only (``mode=ro``), never write, and work while a search
is running (WAL): they see the generations committed so far. A finished run is in rollback-journal
mode (see :mod:`evo_cosearch.archive.store`): reading it makes no side files and needs no write access.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np

from evo_cosearch.archive.indicators import non_dominated
from evo_cosearch.archive.store import DB_NAME, FORMAT, METRIC_COLUMNS, REFINE_STRATEGY
from evo_cosearch.errors import InputError
from evo_cosearch.files import given_path

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem

__all__ = ["open_archive", "Archive", "RunMeta", "DesignTable", "GenerationStat", "ResumeState"]


@dataclass(frozen=True)
class RunMeta:
    run: str
    problem_name: str
    problem_text: str
    objectives: tuple[str, ...]
    constraints: Mapping[str, float]
    seed: int
    strategy: str
    status: str                      # 'running' | 'completed' | 'interrupted' (Ctrl-C, output closed) | 'failed'
    started: str
    ended: str | None
    versions: Mapping[str, str]
    pop: int
    gens: int
    settings: Mapping[str, Any]      # the resolved search settings of the run
    fingerprint: str                 # hash of what makes two problems the same search
    hv_ideal: tuple[float, ...] | None  # hypervolume normalisation (see archive.indicators)
    hv_ref: tuple[float, ...] | None
    accuracy_source: Mapping[str, Any] | None = None  # e.g. the supernet and its hash (None: not recorded)
    data: str | None = None          # the dataset file the run read (None: embedded, or not recorded)
    simulator_source: Mapping[str, Any] | None = None  # the hardware model: built-in or a user's (None: not recorded)

    @property
    def identity(self) -> tuple:
        """What a copy of the run (``cp -r``, also one resumed since) shares with it and another run
        does not: the name it was created with, its start, problem, seed, strategy and accuracy source
        (thread count included), and its first generation's hypervolume box."""
        return (self.run, self.started, self.fingerprint, self.seed, self.strategy,
                json.dumps(self.accuracy_source, sort_keys=True), self.hv_ideal, self.hv_ref)


@dataclass(frozen=True)
class GenerationStat:
    """Archive-wide figures after a generation: cumulative designs, feasible designs, Pareto size."""

    generation: int
    n_evals: int
    hypervolume: float
    n_feasible: int
    n_pareto: int


@dataclass(frozen=True)
class ResumeState:
    generation: int                  # last completed generation
    n_designs: int                   # designs the search archived up to it (refined ones left out)
    population: tuple[int, ...]      # surviving design ids, in population order
    state: Mapping[str, Any]


@dataclass(frozen=True)
class DesignTable:
    """Designs as columns; ``F`` follows ``objectives``; ``metrics`` has every metric."""

    objectives: tuple[str, ...]
    id: np.ndarray
    generation: np.ndarray
    genome: np.ndarray
    feasible: np.ndarray
    F: np.ndarray
    G: np.ndarray
    cv: np.ndarray
    seconds: np.ndarray
    strategy: np.ndarray
    metrics: Mapping[str, np.ndarray]
    network_json: tuple[str, ...] = field(repr=False)
    accelerator_json: tuple[str, ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.id)

    @property
    def searched(self) -> np.ndarray:
        """Which rows the search evaluated: ``False`` for those ``refine`` added (their accuracy is
        measured after training, on another scale than the search's)."""
        return self.strategy != REFINE_STRATEGY

    def take(self, index) -> "DesignTable":
        idx = np.asarray(index, dtype=np.int64).reshape(-1)
        return DesignTable(
            objectives=self.objectives, id=self.id[idx], generation=self.generation[idx],
            genome=self.genome[idx], feasible=self.feasible[idx], F=self.F[idx], G=self.G[idx],
            cv=self.cv[idx], seconds=self.seconds[idx], strategy=self.strategy[idx],
            metrics={k: v[idx] for k, v in self.metrics.items()},
            network_json=tuple(self.network_json[i] for i in idx),
            accelerator_json=tuple(self.accelerator_json[i] for i in idx),
        )

    def record(self, i: int) -> dict[str, Any]:
        """Design ``i`` (row position) as plain JSON-able data."""
        return {
            "id": int(self.id[i]), "generation": int(self.generation[i]),
            "genome": [int(v) for v in self.genome[i]], "feasible": bool(self.feasible[i]),
            "objectives": {o: float(self.F[i, j]) for j, o in enumerate(self.objectives)},
            "metrics": {k: float(v[i]) for k, v in self.metrics.items()},
            "cv": float(self.cv[i]),
            "network": json.loads(self.network_json[i]),
            "accelerator": json.loads(self.accelerator_json[i]),
            "strategy": str(self.strategy[i]),
        }


class Archive:
    """A run archive opened read-only. Use :func:`open_archive`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, meta: RunMeta, *, given: Path | None = None) -> None:
        self._conn = conn
        self.path = path
        self.meta = meta
        self.given = path.parent if given is None else given  # the run as the user named it: folder or file
        self._closed = False

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()
        self._closed = True

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        if self._closed:  # else SQLite's "Cannot operate on a closed database" read as a corrupt archive
            raise InputError(f"{self.given}: this archive was closed; open it again with evo_cosearch.load_archive")
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: corrupt archive ({exc})") from None

    # -- designs ---------------------------------------------------------------
    def designs(self, *, max_generation: int | None = None) -> DesignTable:
        """Every archived design, by id (optionally up to a generation)."""
        cols = ", ".join(("id", "generation", "genome", "feasible", "G", "cv", "seconds", "strategy",
                          "network", "accelerator", *METRIC_COLUMNS))
        where, args = ("", ()) if max_generation is None else (" WHERE generation <= ?", (int(max_generation),))
        rows = self._query(f"SELECT {cols} FROM designs{where} ORDER BY id", args)
        return self._table(rows)

    def require_designs(self) -> DesignTable:
        """:meth:`designs`; a run that has none (stopped before its first generation was saved, or
        still in it) is an :class:`InputError` naming the run as it was given (its folder or its
        database file): there is nothing to plot, choose or export."""
        designs = self.designs()
        if len(designs) == 0:
            raise InputError(f"{self.given}: the run has no designs yet")
        return designs

    def _table(self, rows: list[tuple]) -> DesignTable:
        n, m = len(rows), len(self.meta.objectives)
        n_var = self.problem().space.n_var if n == 0 else None
        try:
            genome = np.array(_json_column(rows, 2), dtype=np.int64).reshape(n, -1 if n else n_var)
            G = np.array(_json_column(rows, 4), dtype=np.float64).reshape(n, len(self.meta.constraints))
        except ValueError as exc:
            raise InputError(f"{self.path}: corrupt archive ({exc})") from None
        metric_block = np.array([r[10:] for r in rows], dtype=np.float64).reshape(n, len(METRIC_COLUMNS))
        metrics = {name: metric_block[:, j] for j, name in enumerate(METRIC_COLUMNS)}
        F = np.column_stack([metrics[o] for o in self.meta.objectives]) if n else np.zeros((0, m))
        return DesignTable(
            objectives=self.meta.objectives,
            id=np.array([r[0] for r in rows], dtype=np.int64),
            generation=np.array([r[1] for r in rows], dtype=np.int64),
            genome=genome, feasible=np.array([bool(r[3]) for r in rows], dtype=bool), F=F, G=G,
            cv=np.array([r[5] for r in rows], dtype=np.float64),
            seconds=np.array([r[6] for r in rows], dtype=np.float64),
            strategy=np.array([r[7] for r in rows], dtype=object),
            metrics=metrics,
            network_json=tuple(r[8] for r in rows), accelerator_json=tuple(r[9] for r in rows),
        )

    def pareto(self, *, max_generation: int | None = None) -> DesignTable:
        """Non-dominated feasible designs of the whole archive (one per genome, lowest id)."""
        return pareto_of(self.designs(max_generation=max_generation))

    def history(self) -> list[GenerationStat]:
        rows = self._query("SELECT generation, n_evals, hypervolume, n_feasible, n_pareto "
                           "FROM generations ORDER BY generation")
        return [GenerationStat(int(g), int(e), float(h), int(f), int(p)) for g, e, h, f, p in rows]

    def resume_state(self) -> ResumeState | None:
        """The state after the last completed generation, or None if none completed."""
        rows = self._query("SELECT generation, population, state FROM generations ORDER BY generation DESC LIMIT 1")
        if not rows:
            return None
        gen, population, state = rows[0]
        n = self._query("SELECT COUNT(*) FROM designs WHERE generation <= ? AND strategy != ?",
                        (gen, REFINE_STRATEGY))[0][0]
        return ResumeState(int(gen), int(n), tuple(json.loads(population)), json.loads(state))

    def problem(self) -> "Problem":
        from evo_cosearch.problem import parse_problem
        return parse_problem(self.meta.problem_text, source=str(self.path))


def _json_column(rows: list[tuple], j: int) -> list:
    """Column ``j`` of ``rows`` (JSON texts) decoded in one ``json.loads`` call (a list per row)."""
    try:
        return json.loads("[" + ",".join(r[j] for r in rows) + "]")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"unreadable genome/G column ({exc})") from None


def pareto_of(table: DesignTable) -> DesignTable:
    """Rows of ``table`` that are feasible, non-dominated, and the first of their genome and network
    (a refined design keeps its source's genome but has its own network JSON)."""
    feas = np.flatnonzero(table.feasible)
    if len(feas) == 0:
        return table.take(feas)
    _, network = np.unique(np.array([table.network_json[i] for i in feas], dtype=object), return_inverse=True)
    _, first = np.unique(np.column_stack([table.genome[feas], network.reshape(-1)]), axis=0, return_index=True)
    cand = feas[np.sort(first)]
    return table.take(cand[non_dominated(table.F[cand])])


def open_archive(run_dir: str | Path) -> Archive:
    """Open ``RUN/archive.sqlite`` (or the database file itself) read-only."""
    run_dir = given_path(run_dir, "run")  # not the current folder: a run there would be opened unasked
    path = run_dir if run_dir.is_file() else run_dir / DB_NAME
    if not path.is_file():
        raise InputError(f"{run_dir}: no run archive ({DB_NAME} not found)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30.0)
    except sqlite3.Error as exc:
        raise InputError(f"{path}: cannot open archive ({exc})") from None
    try:
        raw = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        values = {k: json.loads(v) for k, v in raw.items()}
        if values.get("format") != FORMAT:
            raise InputError(f"{path}: not an evo_cosearch archive (format {values.get('format')!r})")
        meta = _meta(values)
    except (sqlite3.DatabaseError, ValueError, KeyError, TypeError) as exc:
        conn.close()
        raise InputError(f"{path}: not an evo_cosearch archive or corrupt ({exc.__class__.__name__}: {exc})") from None
    except InputError:
        conn.close()
        raise
    return Archive(conn, path, meta, given=run_dir)


def _meta(v: Mapping[str, Any]) -> RunMeta:
    def points(key):
        return None if v.get(key) is None else tuple(float(x) for x in v[key])
    return RunMeta(
        run=str(v["run"]), problem_name=str(v["problem_name"]), problem_text=str(v["problem_text"]),
        objectives=tuple(v["objectives"]), constraints={k: float(b) for k, b in v["constraints"].items()},
        seed=int(v["seed"]), strategy=str(v["strategy"]), status=str(v["status"]), started=str(v["started"]),
        ended=v.get("ended"), versions=dict(v.get("versions", {})), pop=int(v["pop"]), gens=int(v["gens"]),
        settings=dict(v.get("settings", {})), fingerprint=str(v.get("fingerprint", "")),
        hv_ideal=points("hv_ideal"), hv_ref=points("hv_ref"), accuracy_source=v.get("accuracy_source"),
        data=v.get("data"), simulator_source=v.get("simulator_source"),
    )
