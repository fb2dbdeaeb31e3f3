"""Archive: writer/reader round trip, reader API, Pareto of the whole archive, bad files, read-only."""

from __future__ import annotations

import fcntl
import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.archive import (
    ArchiveWriter, GenerationRecord, hv_points, hypervolume, open_archive, pareto_of,
)
from evo_cosearch.archive.store import METRIC_COLUMNS
from evo_cosearch.errors import InputError
from evo_cosearch.problem import parse_problem

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "problems" / "demo_digits.yaml").read_text().replace(
    "objectives: [error, latency_ms, energy_uj]", "objectives: [error, latency_ms]").replace(
    "constraints: {}", "constraints: {max_latency_ms: 1.0}")


def meta(problem):
    return {"run": "r", "problem_name": problem.name, "problem_text": problem.text, "fingerprint": "x",
            "objectives": list(problem.objectives), "constraints": dict(problem.constraints), "seed": 0,
            "strategy": "nsga2", "status": "running", "started": "2026-01-01T00:00:00+00:00", "ended": None,
            "versions": {"numpy": np.__version__}, "pop": 4, "gens": 2, "settings": {"pop": 4},
            "hv_ideal": None, "hv_ref": None}


def record(problem, gen, first_id, error, latency):
    n = len(error)
    X = problem.space.sample(n, np.random.default_rng(gen))
    metrics = {m: np.arange(n, dtype=float) + 1 for m in METRIC_COLUMNS}
    metrics.update(error=np.asarray(error, float), accuracy=1 - np.asarray(error, float),
                   latency_ms=np.asarray(latency, float))
    G = metrics["latency_ms"][:, None] / 1.0 - 1
    cv = np.maximum(G, 0).sum(1)
    return GenerationRecord(
        generation=gen, first_id=first_id, genomes=X, metrics=metrics, G=G, cv=cv, feasible=cv <= 0,
        seconds=np.full(n, 0.01), networks=[json.dumps({"i": int(i)}) for i in range(n)],
        accelerators=[json.dumps({"pes_x": 2})] * n, strategy="nsga2", population=list(range(first_id, first_id + n)),
        state={"numpy": {"state": 2 ** 100}, "crowding": [float("inf"), 1.5]}, n_evals=first_id + n,
        hypervolume=0.5, n_feasible=int((cv <= 0).sum()), n_pareto=1, finished="t",
        meta={"hv_ideal": [0.0, 0.0], "hv_ref": [1.0, 2.0]} if gen == 0 else {},
    )


@pytest.fixture
def archive_dir(tmp_path):
    p = parse_problem(TEXT)
    w = ArchiveWriter.create(tmp_path / "run", meta(p))
    # gen 0: design 1 dominates design 0; design 2 infeasible but best on both objectives
    w.add_generation(record(p, 0, 0, error=[0.5, 0.4, 0.01], latency=[0.9, 0.8, 3.0]))
    # gen 1: a trade-off design (better error, worse latency) and a dominated one
    w.add_generation(record(p, 1, 3, error=[0.2, 0.6], latency=[0.95, 0.99]))
    w.set_meta(status="completed", ended="2026-01-01T00:01:00+00:00")
    w.close()
    return tmp_path / "run"


def test_round_trip_and_reader_api(archive_dir):
    with open_archive(archive_dir) as arc:
        m = arc.meta
        assert (m.run, m.problem_name, m.objectives, m.constraints) == ("r", "demo_digits", ("error", "latency_ms"),
                                                                        {"max_latency_ms": 1.0})
        assert (m.seed, m.strategy, m.status, m.pop, m.gens) == (0, "nsga2", "completed", 4, 2)
        assert m.ended == "2026-01-01T00:01:00+00:00" and m.hv_ref == (1.0, 2.0) and m.hv_ideal == (0.0, 0.0)
        t = arc.designs()
        assert len(t) == 5 and t.id.tolist() == [0, 1, 2, 3, 4] and t.generation.tolist() == [0, 0, 0, 1, 1]
        assert t.genome.dtype == np.int64 and t.genome.shape == (5, arc.problem().space.n_var)
        np.testing.assert_array_equal(t.F[:, 0], [0.5, 0.4, 0.01, 0.2, 0.6])
        np.testing.assert_array_equal(t.metrics["latency_ms"], t.F[:, 1])
        assert set(t.metrics) == set(METRIC_COLUMNS)
        assert t.feasible.tolist() == [True, True, False, True, True] and t.cv[2] == pytest.approx(2.0)
        rec = t.record(3)
        assert rec["objectives"] == {"error": 0.2, "latency_ms": 0.95} and rec["network"] == {"i": 0}
        assert rec["accelerator"] == {"pes_x": 2} and rec["strategy"] == "nsga2" and rec["feasible"] is True
        assert isinstance(rec["genome"], list) and all(isinstance(v, int) for v in rec["genome"])
        assert sorted(arc.pareto().id.tolist()) == [1, 3]
        assert [h.n_evals for h in arc.history()] == [3, 5]
        state = arc.resume_state()
        assert (state.generation, state.n_designs, state.population) == (1, 5, (3, 4))
        assert state.state["numpy"]["state"] == 2 ** 100 and state.state["crowding"][0] == float("inf")
        assert arc.pareto(max_generation=0).id.tolist() == [1]


def test_pareto_keeps_one_design_per_genome(archive_dir):
    with open_archive(archive_dir) as arc:
        t = arc.designs()
    dup = t.take([1, 3, 1])
    object.__setattr__(dup, "id", np.array([1, 3, 9]))
    assert pareto_of(dup).id.tolist() == [1, 3]


def test_hypervolume_convention():
    ideal, ref = hv_points(np.array([[0.0, 10.0], [1.0, 0.0]]))
    np.testing.assert_allclose(ideal, [0, 0])
    np.testing.assert_allclose(ref, [1.1, 11.0])
    assert hypervolume(np.array([[0.0, 0.0]]), ideal, ref) == pytest.approx(1.0)
    assert hypervolume(np.array([[0.55, 5.5]]), ideal, ref) == pytest.approx(0.25)
    assert hypervolume(np.array([[2.0, 0.0]]), ideal, ref) == 0.0
    assert hypervolume(np.zeros((0, 2)), ideal, ref) == 0.0


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_readers_never_write_and_see_committed_data_during_a_write(archive_dir):
    db = archive_dir / "archive.sqlite"
    writer = ArchiveWriter.open(archive_dir)
    writer._conn.execute("BEGIN IMMEDIATE")
    writer._conn.execute("DELETE FROM designs")  # uncommitted
    with open_archive(archive_dir) as arc:
        assert len(arc.designs()) == 5
        with pytest.raises(sqlite3.OperationalError):
            arc._conn.execute("DELETE FROM designs")
    writer._conn.execute("ROLLBACK")
    writer.close()
    before = digest(db)
    with open_archive(archive_dir) as arc:
        arc.designs(), arc.pareto(), arc.history()
    assert digest(db) == before


def test_an_empty_path_is_no_run_even_where_the_current_folder_is_one(archive_dir, monkeypatch):
    monkeypatch.chdir(archive_dir)  # `select ''` opened the run in the current folder ('.: no run archive' elsewhere)
    with pytest.raises(InputError, match="^an empty path given for the run$"):
        open_archive("")


def test_missing_corrupt_or_foreign_files_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="no run archive"):
        open_archive(tmp_path / "nowhere")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "archive.sqlite").write_bytes(b"this is not sqlite" * 100)
    before = digest(bad / "archive.sqlite")
    with pytest.raises(InputError, match="corrupt") as info:
        open_archive(bad)
    assert "\n" not in str(info.value) and str(bad) in str(info.value)
    assert digest(bad / "archive.sqlite") == before
    other = tmp_path / "other"
    other.mkdir()
    with sqlite3.connect(other / "archive.sqlite") as c:
        c.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="not an evo_cosearch archive"):
        open_archive(other)


def test_one_writer_at_a_time(archive_dir):
    first = ArchiveWriter.open(archive_dir)
    with pytest.raises(InputError, match="another search is writing"):
        ArchiveWriter.open(archive_dir)
    first.close()
    ArchiveWriter.open(archive_dir).close()


def test_create_refuses_to_overwrite(archive_dir):
    with pytest.raises(InputError, match="already exists"):
        ArchiveWriter.create(archive_dir, {})


def test_a_closed_archive_is_one_plain_file_that_readers_leave_alone(archive_dir):
    # a finished run is copied or zipped: no -wal/-shm files or lock beside it, and not in WAL mode,
    # which a reader could open from a folder it cannot write only with those side files there
    assert sorted(p.name for p in archive_dir.iterdir()) == ["archive.sqlite"]
    with open_archive(archive_dir) as arc:
        assert arc._conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        arc.designs(), arc.history()
    assert sorted(p.name for p in archive_dir.iterdir()) == ["archive.sqlite"]
    before = digest(archive_dir / "archive.sqlite")
    ArchiveWriter.open(archive_dir).close()  # a writer that writes nothing changes nothing
    assert digest(archive_dir / "archive.sqlite") == before
    writer = ArchiveWriter.open(archive_dir)  # one that writes works in WAL mode, readers beside it
    writer.set_meta(status="running")
    with open_archive(archive_dir) as arc:
        assert arc._conn.execute("PRAGMA journal_mode").fetchone() == ("wal",) and len(arc.designs()) == 5
    writer.close()
    assert sorted(p.name for p in archive_dir.iterdir()) == ["archive.sqlite"]


def test_a_writer_closing_beside_an_open_reader_closes_and_leaves_the_cleanup_to_the_next_writer(archive_dir):
    # SQLite cannot leave WAL mode while a reader is connected: it answers "database is locked" at once
    # (it never waits for a reader there), and close() must still close: no error, nothing lost
    writer = ArchiveWriter.open(archive_dir)
    writer.set_meta(status="running")
    with open_archive(archive_dir) as arc:
        arc.designs()
        writer.close()
        assert len(arc.designs()) == 5 and arc._conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert not (archive_dir / "writer.lock").exists()  # the run is free for the next writer
    with open_archive(archive_dir) as arc:
        assert arc.meta.status == "running"  # committed before the close
    writer = ArchiveWriter.open(archive_dir)
    writer.set_meta(status="completed")
    writer.close()  # the next writer's close leaves one file again
    assert sorted(p.name for p in archive_dir.iterdir()) == ["archive.sqlite"]


def test_a_writer_that_locked_a_file_its_closing_peer_removed_takes_the_new_one(archive_dir, monkeypatch):
    # the race itself: the second writer opens writer.lock, the first closes (removing that file and
    # letting its lock go), then the second's flock succeeds on the removed file. Kept, that lock would
    # let a third writer lock a new writer.lock beside it: two writers at once.
    from evo_cosearch.archive import store

    first = ArchiveWriter.open(archive_dir)
    flock = fcntl.flock
    calls = []

    def first_closes_meanwhile(fd, op):
        calls.append(fd)
        if len(calls) == 1:
            first.close()
        return flock(fd, op)

    monkeypatch.setattr(store.fcntl, "flock", first_closes_meanwhile)
    second = ArchiveWriter.open(archive_dir)
    monkeypatch.undo()
    assert len(calls) == 2  # it locked the removed file, let it go and locked the new one
    assert (archive_dir / "writer.lock").exists()
    with pytest.raises(InputError, match="another search is writing"):
        ArchiveWriter.open(archive_dir)
    second.close()


def test_a_discarded_archive_leaves_the_lock_file_of_the_next_writer(tmp_path):
    # discard used to let its lock go (close) and then remove "writer.lock": the lock file of a search
    # that had taken the run meanwhile, which a third one could then take beside it
    from evo_cosearch.archive import store

    writer = ArchiveWriter.create(tmp_path / "run", {})
    taken = []

    class _NextWriterWaits:  # the writer's lock file; as it is let go, another process takes the lock
        def __init__(self, f):
            self._f, self.name = f, f.name

        def close(self):
            self._f.close()
            taken.append(store._take_lock(tmp_path / "run" / "writer.lock"))

    writer._lock = _NextWriterWaits(writer._lock)
    writer.discard()
    assert taken[0] is not None and (tmp_path / "run" / "writer.lock").exists()
    assert not (tmp_path / "run" / "archive.sqlite").exists()
    taken[0].close()


def test_an_archive_used_after_it_was_closed_says_so_not_that_it_is_corrupt(archive_dir):
    arc = open_archive(archive_dir)
    arc.close()
    for read in (arc.designs, arc.pareto, arc.history, arc.resume_state):
        with pytest.raises(InputError, match=rf"^{archive_dir}: this archive was closed; open it again with "
                                             r"evo_cosearch.load_archive$"):
            read()
    with open_archive(archive_dir) as again:  # the run itself is fine
        assert len(again.designs()) == 5
