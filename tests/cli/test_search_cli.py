"""``evo-cosearch search`` / ``export``: end to end with the accuracy proxy, and exit-2 errors
that leave the run directory untouched."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from evo_cosearch.archive import open_archive
from evo_cosearch.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "problems" / "demo_digits.yaml"
FASHION = ROOT / "problems" / "joint_fashion_mnist.yaml"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "demo"
    assert main(["search", "--problem", str(DEMO), "--out", str(out), "--pop", "10", "--gens", "3",
                 "--proxy-accuracy", "--quiet"]) == 0
    return out


def test_search_then_export_json_and_csv(run_dir, capsys, tmp_path):
    assert main(["export", str(run_dir)]) == 0
    designs = json.loads(capsys.readouterr().out)
    assert len(designs) == 30 and [d["id"] for d in designs] == list(range(30))
    for key in ("id", "generation", "genome", "feasible", "objectives", "network", "accelerator"):
        assert key in designs[0]
    assert set(designs[0]["objectives"]) == {"error", "latency_ms", "energy_uj"}
    assert main(["export", str(run_dir), "--pareto", "--format", "csv", "-o", str(tmp_path / "p.csv")]) == 0
    rows = list(csv.DictReader(io.StringIO((tmp_path / "p.csv").read_text())))
    assert 0 < len(rows) < 30 and {"id", "genome", "latency_ms", "acc.pes_x", "network"} <= set(rows[0])
    ids = {int(r["id"]) for r in rows}
    assert ids <= {d["id"] for d in designs if d["feasible"]}


def test_search_prints_a_summary_and_resumes(tmp_path, capsys):
    out = tmp_path / "r"
    args = ["search", "--problem", str(DEMO), "--out", str(out), "--pop", "6", "--gens", "2", "--proxy-accuracy"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "12 designs in 2 generations" in text and f"archive: {out / 'archive.sqlite'}" in text
    assert main(args[:-2] + ["3", "--proxy-accuracy", "--quiet"]) == 0  # continue to generation 3
    assert main(["export", str(out)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 18


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    return err[0]


def test_run_directory_of_another_problem_is_refused(run_dir, capsys):
    before = digest(run_dir / "archive.sqlite")
    assert main(["search", "--problem", str(FASHION), "--out", str(run_dir), "--proxy-accuracy", "--quiet"]) == 2
    assert "different problem" in one_error_line(capsys)
    assert main(["search", "--problem", str(DEMO), "--out", str(run_dir), "--pop", "10", "--seed", "9",
                 "--proxy-accuracy"]) == 2
    assert "seed=0" in one_error_line(capsys)
    assert digest(run_dir / "archive.sqlite") == before


def test_corrupt_database_is_refused_untouched(tmp_path, capsys):
    out = tmp_path / "broken"
    out.mkdir()
    db = out / "archive.sqlite"
    db.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = digest(db)
    assert main(["search", "--problem", str(DEMO), "--out", str(out), "--proxy-accuracy", "--quiet"]) == 2
    assert str(db) in one_error_line(capsys)
    assert main(["export", str(out)]) == 2
    one_error_line(capsys)
    assert digest(db) == before and sorted(p.name for p in out.iterdir()) == ["archive.sqlite"]


@pytest.mark.parametrize("edit, where", [
    (("search: {pop: 24, gens: 10, seed: 0, mutation_prob: 0.067}", "search: {pop: 24, generations: 3}"),
     "search.generations"),
    (("objectives: [error, latency_ms, energy_uj]", "objectives: [error, speed]"), "speed"),
    (("kernel: [3, 5, 7]", "kernel: []"), "kernel"),
    (("  pes_x: [1, 2, 4, 6, 8]", "  pes_z: [1, 2]"), "pes_z"),
    # checked when the file is read, even by a search that never trains a supernet (--proxy-accuracy)
    (("  epochs: 20", "  epochs: 0"), "supernet.epochs"),
    (("  recal_images: 256", "  recal_images: 256\n  val_imgs: 10"), "evaluation.val_imgs"),
    # the name names the cached supernet's file: it wrote results/supernets/../../x-<hash>.pt
    (("name: demo_digits", "name: ../../x"), "name: '../../x' is not a name for files"),
    (("name: demo_digits", "name: [a]"), "name: ['a'] is not a name for files"),
    (("name: demo_digits", "name: ''"), "name: '' is not a name for files"),
])
def test_bad_problem_files(tmp_path, capsys, edit, where):
    bad = tmp_path / "bad.yaml"
    bad.write_text(DEMO.read_text().replace(*edit))
    assert main(["search", "--problem", str(bad), "--out", str(tmp_path / "r"), "--proxy-accuracy"]) == 2
    line = one_error_line(capsys)
    assert where in line and str(bad) in line
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("command", [["search", "--out", "run"], ["bench", "strategies", "--seeds", "0"],
                                     ["bench", "joint", "--seeds", "0"]])
def test_a_missing_data_file_is_refused_up_front_even_where_the_proxy_never_reads_it(command, tmp_path, monkeypatch,
                                                                                      capsys):
    # it was recorded, and the run's resume was then refused for want of it
    monkeypatch.chdir(tmp_path)
    argv = [*command, "--problem", str(FASHION), "--pop", "4", "--gens", "1", "--proxy-accuracy", "--quiet"]
    assert main([*argv, "--data", "nope.npz"]) == 2
    assert one_error_line(capsys) == (f"error: --data nope.npz: dataset path not found (looked for in the current "
                                      f"folder, {tmp_path})")
    assert list(tmp_path.iterdir()) == []


def test_a_resume_whose_data_file_is_gone_names_the_run_folder_it_was_given(tmp_path, capsys):
    data, out = tmp_path / "d.npz", tmp_path / "runs" / "r"
    data.write_bytes(b"")  # the proxy reads nothing
    args = ["search", "--problem", str(FASHION), "--out", str(out), "--pop", "4", "--gens", "1", "--proxy-accuracy",
            "--quiet"]
    assert main([*args, "--data", str(data)]) == 0
    data.unlink()
    assert main(args) == 2  # it named the run "r", which is no path from here
    assert one_error_line(capsys) == (f"error: {out}: the run read its data from {data}, which is not there any "
                                      "more; pass --data")


def test_export_to_a_csv_file_writes_csv_unless_told_otherwise(run_dir, tmp_path):
    assert main(["export", str(run_dir), "-o", str(tmp_path / "all.csv")]) == 0
    assert (tmp_path / "all.csv").read_text().startswith("id,generation,feasible,")
    assert main(["export", str(run_dir), "--format", "json", "-o", str(tmp_path / "asked.csv")]) == 0
    assert len(json.loads((tmp_path / "asked.csv").read_text())) == 30
    assert main(["export", str(run_dir), "-o", str(tmp_path / "all.txt")]) == 0
    assert len(json.loads((tmp_path / "all.txt").read_text())) == 30


def test_export_of_missing_run(tmp_path, capsys):
    assert main(["export", str(tmp_path / "none")]) == 2
    assert "no run archive" in one_error_line(capsys)


def test_export_never_overwrites_a_runs_own_files_and_names_its_output(run_dir, capsys, tmp_path):
    before = digest(run_dir / "archive.sqlite")
    for name in ("archive.sqlite", "problem.yaml", "archive.sqlite-wal"):
        assert main(["export", str(run_dir), "-o", str(run_dir / name)]) == 2
        assert f"{run_dir / name}: is a file of the run in {run_dir}" in one_error_line(capsys)
    sneaky = run_dir / "nosuch" / ".." / "archive.sqlite"  # a folder that does not exist yet, then back
    assert main(["export", str(run_dir), "-o", str(sneaky)]) == 2
    assert "is a file of the run" in one_error_line(capsys)
    assert digest(run_dir / "archive.sqlite") == before and not (run_dir / "nosuch").exists()
    run = tmp_path / "run"  # a refined design's trained child is the run's too
    (run / "refined" / "3").mkdir(parents=True)
    (run / "archive.sqlite").write_bytes((run_dir / "archive.sqlite").read_bytes())
    (run / "refined" / "3" / "child.pt").write_bytes(b"child")
    assert main(["export", str(run), "-o", str(run / "refined" / "3" / "child.pt")]) == 2
    assert f"child.pt: is a file of the run in {run};" in one_error_line(capsys)
    assert (run / "refined" / "3" / "child.pt").read_bytes() == b"child"
    long_name = tmp_path / ("b" * 245 + ".csv")  # fits; a temporary file named after it would not
    assert main(["export", str(run_dir), "--format", "csv", "-o", str(long_name)]) == 0 and long_name.is_file()
    (tmp_path / "adir").mkdir()
    assert main(["export", str(run_dir), "-o", str(tmp_path / "adir")]) == 2
    assert f"{tmp_path / 'adir'}: is a directory, not an export file" in one_error_line(capsys)
    (tmp_path / "afile").write_text("x")
    assert main(["export", str(run_dir), "-o", str(tmp_path / "afile" / "x.csv")]) == 2
    assert f"{tmp_path / 'afile' / 'x.csv'}: cannot write the export here" in one_error_line(capsys)
    assert main(["export", str(run_dir), "-o", str(tmp_path / "ok.json")]) == 0  # the permissions of a new file
    plain = tmp_path / "plain"
    plain.write_text("")
    assert (tmp_path / "ok.json").stat().st_mode & 0o777 == plain.stat().st_mode & 0o777


def test_resume_without_options_continues_the_run(run_dir, capsys):
    assert main(["search", "--problem", str(DEMO), "--out", str(run_dir), "--proxy-accuracy"]) == 0
    assert "30 designs in 3 generations" in capsys.readouterr().out
    assert main(["export", str(run_dir)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 30


def test_missing_supernet_checkpoint(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["search", "--problem", str(DEMO), "--out", str(out), "--supernet", str(tmp_path / "no.pt"),
                 "--quiet"]) == 2
    assert one_error_line(capsys) == f"error: --supernet {tmp_path / 'no.pt'}: checkpoint not found"
    assert not out.exists()


def test_an_empty_supernet_path_is_the_empty_path_error(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["search", "--problem", str(DEMO), "--out", str(out), "--supernet", "", "--quiet"]) == 2
    assert one_error_line(capsys) == "error: an empty path given for the supernet checkpoint"
    assert not out.exists()


def test_errors_of_the_search_name_its_flags_from_the_command_line(tmp_path, capsys):
    # the checks are the Python API's, which names its parameters (workers=-1); the CLI's messages name flags
    out = tmp_path / "r"
    assert main(["search", "--problem", str(DEMO), "--out", str(out), "--workers", "-1", "--quiet"]) == 2
    assert one_error_line(capsys) == "error: --workers: -1 is not an integer >= 0"
    assert main(["search", "--problem", str(DEMO), "--out", str(out), "--workers", "2", "--dask-scheduler",
                 "tcp://localhost:1", "--quiet"]) == 2
    assert one_error_line(capsys) == ("error: --workers 2 with --dask-scheduler: give one (the Dask workers "
                                      "evaluate)")
    assert not out.exists()


def test_bench_search_overhead_writes_json(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "search-overhead", "--pop", "8", "--gens", "3", "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    assert printed["pop"] == 8 and printed["generations"] == 3 and printed["designs"] == 24
    assert {"overhead_ms_per_generation", "overhead_cpu_ms_per_generation", "target_ms"} <= set(printed)


def test_a_ready_problems_relative_data_path_that_is_missing_says_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # an installed package, run from a folder without data/
    assert main(["search", "--problem", "joint_fashion_mnist", "--out", "run", "--pop", "4", "--gens", "1"]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: data/fashion_mnist.npz: dataset path not found (looked for in the current folder, "
                   f"{Path.cwd()}); pass --data PATH\n")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_says_what_the_run_keeps_and_how_to_resume(tmp_path, capsys, monkeypatch):
    # it printed "interrupted" alone
    from evo_cosearch.evaluate import ProxyAccuracy

    calls = []
    proxy = ProxyAccuracy.__call__

    def interrupted_in_generation_3(self, X):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return proxy(self, X)

    monkeypatch.setattr(ProxyAccuracy, "__call__", interrupted_in_generation_3)
    out = tmp_path / "r"
    args = ["search", "--problem", str(DEMO), "--out", str(out), "--pop", "8", "--gens", "4", "--proxy-accuracy",
            "--quiet"]
    assert main(args) == 130
    assert capsys.readouterr().err == (f"interrupted: {out} keeps its 2 completed generations of 4: run the same "
                                       "command again to resume it\n")
    with open_archive(out) as arc:  # a stop, not a failure
        assert arc.meta.status == "interrupted"
    calls[:] = [1] * 10  # no more interruptions
    assert main(args) == 0
    assert main(["export", str(out)]) == 0 and len(json.loads(capsys.readouterr().out)) == 32
    calls[:] = [1, 1]
    new = tmp_path / "new"
    assert main(args[:4] + [str(new)] + args[5:]) == 130  # it said "interrupted" alone
    assert capsys.readouterr().err == f"interrupted: {new}: no generation completed, nothing kept\n"
    assert not new.exists()
    calls[:] = [1]  # interrupted in generation 2: "1 completed generation", not "generations"
    assert main(args[:4] + [str(new)] + args[5:]) == 130
    assert capsys.readouterr().err.startswith(f"interrupted: {new} keeps its 1 completed generation of 4: ")


def test_layer_groups_without_an_energy_objective_is_refused_before_a_supernet_trains(tmp_path, capsys,
                                                                                       monkeypatch):
    # it was refused only when the search started, after the supernet had trained
    monkeypatch.chdir(tmp_path)
    text = (DEMO.read_text().replace("objectives: [error, latency_ms, energy_uj]", "objectives: [error, latency_ms]")
            .replace("  epochs: 20", "  epochs: 1\n  max_train_images: 64"))
    Path("p.yaml").write_text(text)
    assert main(["search", "--problem", "p.yaml", "--out", "r", "--strategy", "layer_groups", "--quiet"]) == 2
    assert one_error_line(capsys) == ("error: --strategy: layer_groups needs objectives error, energy_uj "
                                      "(missing: energy_uj)")
    Path("q.yaml").write_text(text.replace("mutation_prob: 0.067}", "mutation_prob: 0.067, strategy: layer_groups}"))
    assert main(["search", "--problem", "q.yaml", "--out", "r", "--quiet"]) == 2
    assert "q.yaml: search.strategy: layer_groups needs objectives" in one_error_line(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.yaml", "q.yaml"]  # no supernet, no run


def test_a_search_whose_output_is_closed_stops_as_on_ctrl_c(tmp_path):
    """``search 2>&1 | head``: the pipe's reader is gone before the first progress line. The search
    stopped with a traceback-free exit code 0 and a "failed" run; now it keeps its committed generation,
    exits with 141 (128 + SIGPIPE) like any program a closed pipe ends, and resumes."""
    import os
    import subprocess
    import sys

    out = tmp_path / "r"
    argv = [sys.executable, "-m", "evo_cosearch", "search", "--problem", str(DEMO), "--out", str(out), "--pop",
            "4", "--gens", "3", "--proxy-accuracy"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the search writes its first line
    try:
        done = subprocess.run(argv, stdout=write_end, stderr=write_end, cwd=ROOT, env=env, timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    resumed = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert resumed.returncode == 0 and resumed.stderr.startswith(f"resuming {out} from generation 2 of 3 "
                                                                 "(1 completed)\n")


def test_a_closed_output_is_said_where_stderr_can_take_it(tmp_path, capsys, monkeypatch):
    # the run it stopped was recorded as "failed"; now "interrupted", as Ctrl-C records it
    from evo_cosearch.engine import runner

    def closed(self, n):
        raise BrokenPipeError(32, "Broken pipe")

    with monkeypatch.context() as m:
        m.setattr(runner._LineProgress, "update", closed)
        out = tmp_path / "r"
        args = ["search", "--problem", str(DEMO), "--out", str(out), "--pop", "4", "--gens", "3", "--proxy-accuracy"]
        assert main(args) == 141
    assert capsys.readouterr().err == (f"stopped, its output was closed: {out} keeps its 1 completed generation "
                                       "of 3: run the same command again to resume it\n")
    with open_archive(out) as arc:
        assert arc.meta.status == "interrupted" and len(arc.history()) == 1
    assert main(args + ["--quiet"]) == 0  # and it resumes
    with open_archive(out) as arc:
        assert arc.meta.status == "completed" and len(arc.history()) == 3
