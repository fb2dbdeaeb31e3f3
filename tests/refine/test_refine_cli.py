"""``evo-cosearch refine``: one 'refine' row added, archive readable, child saved; bad input exit 2."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch

from evo_cosearch.api import search
from evo_cosearch.archive import ArchiveWriter, open_archive, pareto_of
from evo_cosearch.archive.store import REFINED_DIR
from evo_cosearch.cli import main
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.io.designfile import read_design_workload
from evo_cosearch.io.topology import parse_topology
from evo_cosearch.plots import make_plots
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.refine import RefineSettings, load_refined, prunable_blocks, refine_design, refined_workload
from evo_cosearch.select import check_export_folder, export_design
from evo_cosearch.supernet import (
    EvaluationConfig, child_accuracy, count_macs, eval_data, load_child, problem_splits, train_problem_supernet,
)

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("refine")
    problem = load_problem(DEMO)
    # a tiny supernet of the same network section: one step on 64 images; it scores the run
    tiny = parse_problem(problem.text.replace("epochs: 20", "epochs: 1\n  max_train_images: 64"))
    ckpt = train_problem_supernet(tiny, root / "supernet.pt", epochs=1, progress=False).path
    search(problem, out=root / "run", pop=8, gens=2, supernet=ckpt, quiet=True, progress=False).close()
    with open_archive(root / "run") as arc:
        d = arc.designs()
        ok = [i for i in range(len(d)) if prunable_blocks(problem.design(d.genome[i]).network)]
        ids = [int(d.id[i]) for i in sorted(ok, key=lambda i: d.metrics["macs"][i])]  # smallest first: fast
    return root / "run", ckpt, ids


def _digest(run: Path) -> str:
    return hashlib.sha256((run / "archive.sqlite").read_bytes()).hexdigest()


def _listing(run: Path) -> list[str]:
    """Files and folders of ``run`` (SQLite's -wal/-shm files come and go with readers)."""
    return sorted(str(p.relative_to(run)) for p in run.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def test_refine_adds_one_refine_row_and_the_archive_stays_readable(setup, tmp_path, capsys):
    run, ckpt, ids = setup
    with open_archive(run) as arc:
        before, history = arc.designs(), arc.history()
    src = ids[0]
    argv = ["refine", str(run), "--design", str(src), "--epochs", "2", "--lam", "20", "--supernet", str(ckpt)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"design {src} -> refined design {len(before)}" in out and "hidden channels" in out and "MACs" in out

    with open_archive(run) as arc:
        after = arc.designs()
        assert len(after) == len(before) + 1 and arc.history() == history  # search history untouched
        row = after.record(len(after) - 1)
        pareto = arc.pareto()
        assert len(pareto) >= 1
    assert row["strategy"] == "refine" and row["id"] == len(before)
    assert row["generation"] == int(before.generation.max())  # added after the run's last generation
    src_row = before.record(int(np.flatnonzero(before.id == src)[0]))
    assert row["genome"] == src_row["genome"] and row["accelerator"] == src_row["accelerator"]
    assert row["network"]["refined_from"] == src
    assert row["network"]["refined_with"] == {**asdict(RefineSettings(epochs=2, lam=20.0)), "seed": 0}  # the run's
    hidden = row["network"]["refined"]
    spec = load_problem(DEMO).design(row["genome"]).network
    assert set(hidden) == {p.name for p in prunable_blocks(spec)}
    assert row["metrics"]["macs"] == refined_workload(spec, hidden).macs.sum() < src_row["metrics"]["macs"]
    assert row["metrics"]["latency_ms"] < src_row["metrics"]["latency_ms"]
    assert row["metrics"]["energy_uj"] < src_row["metrics"]["energy_uj"]
    assert row["metrics"]["area_mm2"] == src_row["metrics"]["area_mm2"]  # the same accelerator
    assert make_plots([run], tmp_path / "plots")  # readers keep working
    with open_archive(run) as arc:
        # the refined design shares its source's genome but is a design of its own (lower latency)
        pair = after.take([int(np.flatnonzero(after.id == src)[0]), len(after) - 1])
        assert row["id"] in pareto_of(pair).id.tolist()
        done = export_design(arc, row["id"], tmp_path / "export")
        with pytest.raises(InputError, match="is refined"):  # fine-tuning would train the unrefined network
            export_design(arc, row["id"], tmp_path / "export2", finetune_epochs=1)
        with pytest.raises(InputError, match="is refined"):  # what select checks before printing its choice
            check_export_folder(arc, row["id"], tmp_path / "export2", finetune=True)
    assert not (tmp_path / "export2").exists()
    topo = parse_topology(done.topology_csv.read_text(), source="topology.csv")
    assert int(topo.macs.sum()) == row["metrics"]["macs"]
    assert int(read_design_workload(done.design_json).macs.sum()) == row["metrics"]["macs"]  # simulate --hw
    assert json.loads(done.design_json.read_text())["network"]["refined"] == hidden

    saved = load_refined(run / "refined" / str(row["id"]) / "child.pt")
    assert saved.spec == spec and saved.hidden == hidden
    refined_pt = run / "refined" / str(row["id"]) / "child.pt"
    with pytest.raises(InputError, match="is a refined child .* load it with evo_cosearch.refine.load_refined"):
        load_child(refined_pt)  # not "weights do not match"
    before_pt = refined_pt.read_bytes()  # its spec is its source's: a child of that genome is no replacement
    assert main(["train-child", "--problem", str(DEMO), "--genome", ",".join(map(str, row["genome"])),
                 "--epochs", "0", "--format", "json", "--out", str(refined_pt)]) == 2
    assert f"{refined_pt}: holds a refined child (evo-cosearch refine)" in capsys.readouterr().err
    assert refined_pt.read_bytes() == before_pt
    splits = problem_splits(load_problem(DEMO))  # what the child's input is normalised with, as a saved child's
    stored = torch.load(run / "refined" / str(row["id"]) / "child.pt", weights_only=True)
    assert json.loads(stored["input"]) == {"mean": splits.mean, "std": splits.std}
    assert saved.input_normalization.to_dict() == {"mean": splits.mean, "std": splits.std}  # as load_child gives it
    assert count_macs(saved.module, (1, 8, 8)) == row["metrics"]["macs"]
    report = json.loads((run / "refined" / str(row["id"]) / "refine.json").read_text())
    assert report["source_id"] == src and report["after"]["hidden"] == hidden

    # a refined design is not refined again, nor its source with the same settings (a duplicate)
    assert main(["refine", str(run), "--design", str(row["id"]), "--from-scratch"]) == 2
    assert "already refined" in capsys.readouterr().err
    digest = _digest(run)
    assert main(argv) == 2
    repeat = f"design {src} was already refined with these settings and seed: design {row['id']}"
    assert repeat in capsys.readouterr().err
    assert main([*argv, "--seed", "0"]) == 2  # the run's seed, which it used
    assert repeat in capsys.readouterr().err
    assert _digest(run) == digest

    # a row refined before rows recorded their settings: its refine.json says how it was made
    old = tmp_path / "older"
    shutil.copytree(run, old)
    network = {k: v for k, v in row["network"].items() if k != "refined_with"}
    with sqlite3.connect(old / "archive.sqlite") as db:
        db.execute("UPDATE designs SET network = ? WHERE id = ?", (json.dumps(network), row["id"]))
    db.close()
    assert main(["refine", str(old), *argv[2:]]) == 2
    assert repeat in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--design", "999"], "no design with id 999"),
    (["--design", "0", "--threshold", "1.5"], "--threshold"),
    (["--design", "0", "--epochs", "0"], "--epochs"),
    (["--design", "0", "--tau", "inf"], "--tau: inf must be a finite number > 0"),
    (["--design", "0", "--seed", str(2 ** 64)], "--seed: 18446744073709551616 must be in [0, 2**64)"),
    (["--design", "0", "--supernet", "/nonexistent.pt"], "checkpoint not found"),
    (["--design", "0", "--supernet", ""], "error: an empty path given for the supernet checkpoint\n"),  # not '.'
    (["--design", "0", "--from-scratch", "--supernet", "/x.pt"], "--supernet /x.pt: not used with --from-scratch"),
])
def test_bad_input_exits_2_and_changes_nothing(setup, capsys, args, message):
    run, _, _ = setup
    digest, listing = _digest(run), _listing(run)
    assert main(["refine", str(run), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1
    assert _digest(run) == digest
    assert _listing(run) == listing


def test_a_refined_folder_that_cannot_be_written_is_refused_before_the_training(setup, tmp_path, capsys):
    """It used to train, archive the row and then fail on RUN/refined: a row without its child, a
    leftover temporary folder, and the same refinement refused as a repeat from then on."""
    run, ckpt, ids = setup
    copy = tmp_path / "run"
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns(REFINED_DIR))
    (copy / REFINED_DIR).write_text("not a folder\n")
    digest, listing = _digest(copy), _listing(copy)
    assert main(["refine", str(copy), "--design", str(ids[-1]), "--epochs", "2", "--lam", "20"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {copy / REFINED_DIR}: is a file, not a directory for the refined designs\n"
    assert "refine epoch" not in err  # nothing trained
    assert _digest(copy) == digest and _listing(copy) == listing


def test_a_failure_to_place_the_refined_folder_archives_nothing(setup, tmp_path, capsys, monkeypatch):
    """The row is written after its folder is in place: failing to place it leaves the run as it was."""
    run, ckpt, ids = setup
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    digest, listing = _digest(copy), _listing(copy)

    real_replace = os.replace

    def replace(src, dst):  # the refined folder cannot be moved into RUN/refined (the child's file can be saved)
        if Path(dst).parent.name == REFINED_DIR:
            raise PermissionError(13, "Permission denied", str(dst))
        real_replace(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    assert main(["refine", str(copy), "--design", str(ids[-1]), "--epochs", "2", "--lam", "20"]) == 2
    assert capsys.readouterr().err.endswith("Permission denied\n")
    assert _digest(copy) == digest and _listing(copy) == listing  # no row, no temporary folder


def test_an_interrupted_refinement_says_nothing_was_archived(setup, capsys, monkeypatch):
    run, _, ids = setup
    digest, listing = _digest(run), _listing(run)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("evo_cosearch.refine.refine.train_masked", interrupted)
    assert main(["refine", str(run), "--design", str(ids[0]), "--from-scratch"]) == 130
    assert capsys.readouterr().err == f"interrupted: {run}: design {ids[0]} not refined, nothing archived\n"
    assert _digest(run) == digest and _listing(run) == listing


def test_a_run_of_any_search_seed_is_refined_with_it(setup, tmp_path, capsys):
    run, ckpt, ids = setup
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    writer = ArchiveWriter.open(copy)
    writer.set_meta(seed=2 ** 64 - 1)  # a search takes seeds below 2**64
    writer.close()
    assert main(["refine", str(copy), "--design", str(ids[0]), "--epochs", "2", "--lam", "20"]) == 0
    with open_archive(copy) as arc:
        d = arc.designs()
        assert d.record(len(d) - 1)["network"]["refined_with"]["seed"] == 2 ** 64 - 1
    capsys.readouterr()


def test_help_names_the_valid_ranges(capsys):
    with pytest.raises(SystemExit):
        main(["refine", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for words in ("epochs, >= 1", "cost, >= 0", "below this, in (0, 1)", "seed in [0, 2**64)", "finite > 0",
                  "(no --supernet)"):
        assert words in text


def test_missing_run_exits_2(tmp_path, capsys):
    assert main(["refine", str(tmp_path / "nope"), "--design", "0"]) == 2
    assert "no run archive" in capsys.readouterr().err
    assert not (tmp_path / "nope").exists()


def test_refuses_while_another_process_holds_the_writer_lock(setup, capsys):
    run, _, ids = setup
    digest = _digest(run)
    with open(run / "writer.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["refine", str(run), "--design", str(ids[0]), "--from-scratch"]) == 2
    err = capsys.readouterr().err
    assert "writer.lock" in err and len(err.splitlines()) == 1
    assert _digest(run) == digest


def test_continuing_the_search_keeps_refined_designs(setup):
    run, ckpt, ids = setup
    assert main(["refine", str(run), "--design", str(ids[-1]), "--epochs", "2", "--lam", "20",
                 "--supernet", str(ckpt)]) == 0
    with open_archive(run) as arc:
        refined = [arc.designs().record(i) for i in np.flatnonzero(arc.designs().strategy == "refine")]
    problem = load_problem(DEMO)
    search(problem, out=run, gens=3, quiet=True, progress=False).close()  # the run's own supernet
    with open_archive(run) as arc:
        d = arc.designs()
        assert len(set(d.id.tolist())) == len(d)  # new search designs take fresh ids
        kept = [d.record(i) for i in np.flatnonzero(d.strategy == "refine")]
        assert kept == refined
        assert len(arc.history()) == 3


def test_a_search_resumed_after_a_refine_keeps_the_history_of_one_refined_at_the_end(setup, tmp_path, capsys):
    """The search's per-generation counts and hypervolume are of its own designs: a refined design
    (trained for more epochs) is not one of its evaluations, mid-way or at the end."""
    _, ckpt, _ = setup
    problem = load_problem(DEMO)
    search(problem, out=tmp_path / "a", pop=4, gens=1, supernet=ckpt, quiet=True, progress=False).close()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    with open_archive(tmp_path / "a") as arc:
        d = arc.designs()
    row = max((i for i in range(len(d)) if prunable_blocks(problem.design(d.genome[i]).network)),
              key=lambda i: d.metrics["macs"][i])
    assert main(["refine", str(tmp_path / "a"), "--design", str(d.id[row]), "--epochs", "2", "--lam", "20"]) == 0
    capsys.readouterr()
    for run in ("a", "b"):
        assert main(["search", "--problem", str(DEMO), "--out", str(tmp_path / run), "--pop", "4", "--gens", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("8 designs in 2 generations and 1 refined, 9 feasible")
    assert out[2].startswith("8 designs in 2 generations, 8 feasible")
    with open_archive(tmp_path / "a") as a, open_archive(tmp_path / "b") as b:
        assert a.history() == b.history()  # n_evals 4, 8 and the same hypervolumes
        da, db = a.designs(), b.designs()
    searched = np.flatnonzero(da.strategy != "refine")
    assert len(set(da.id.tolist())) == len(da) == 9  # the new designs' ids run on after the refined one
    assert np.array_equal(da.genome[searched], db.genome) and np.array_equal(da.F[searched], db.F)


def test_an_empty_run_path_is_no_run_even_where_the_current_folder_is_one(tmp_path, monkeypatch, capsys):
    problem = load_problem(DEMO)
    search(problem, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    monkeypatch.chdir(tmp_path / "run")  # '' was the current folder: this run
    assert main(["refine", "", "--design", "0"]) == 2
    assert capsys.readouterr().err == "error: an empty path given for the run\n"


def test_refuses_a_run_or_a_supernet_on_another_accuracy_scale(setup, tmp_path, capsys):
    run, ckpt, ids = setup
    problem = load_problem(DEMO)
    proxy_run = tmp_path / "proxy"
    search(problem, out=proxy_run, pop=8, gens=1, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    digest = _digest(proxy_run)
    for extra in ([], ["--supernet", str(ckpt)], ["--from-scratch"]):
        assert main(["refine", str(proxy_run), "--design", "0", *extra]) == 2
        err = capsys.readouterr().err
        assert "scored by the proxy accuracy, not a supernet" in err and len(err.splitlines()) == 1
    assert _digest(proxy_run) == digest

    other = tmp_path / "other.pt"
    other.write_bytes(ckpt.read_bytes() + b"\0")  # another file: another hash
    digest = _digest(run)
    assert main(["refine", str(run), "--design", str(ids[0]), "--supernet", str(other)]) == 2
    assert "not the checkpoint this run was scored by" in capsys.readouterr().err
    assert _digest(run) == digest

    original = ckpt.read_bytes()
    ckpt.write_bytes(original + b"\0")  # the run's own checkpoint, changed since the search
    try:
        assert main(["refine", str(run), "--design", str(ids[0])]) == 2
    finally:
        ckpt.write_bytes(original)
    err = capsys.readouterr().err
    assert f"{ckpt}: changed since the run was scored by it" in err and len(err.splitlines()) == 1
    assert _digest(run) == digest


def _faster(layers, accelerators):
    """Another hardware model: the built-in one at half its latency."""
    import dataclasses

    from evo_cosearch.hardware import simulate
    hw = simulate(layers, accelerators)
    return dataclasses.replace(hw, latency_ms=hw.latency_ms / 2)


def test_refuses_a_run_simulated_by_another_hardware_model(setup, tmp_path, capsys):
    # refine simulates its design with the built-in simulator: beside a simulate_fn's designs it would mix models
    run, ckpt, ids = setup
    other = tmp_path / "other"
    search(load_problem(DEMO), out=other, pop=8, gens=1, supernet=ckpt, simulate_fn=_faster, quiet=True).close()
    digest, listing = _digest(other), _listing(other)
    assert main(["refine", str(other), "--design", "0", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert (f"{other}: run's hardware metrics came from simulate_fn {__name__}._faster, not the built-in simulator "
            "(evo_cosearch.hardware.simulate); a refined design is simulated with the built-in simulator") in err
    assert len(err.splitlines()) == 1 and _digest(other) == digest and _listing(other) == listing


def test_a_refinement_that_prunes_nothing_adds_nothing(setup, capsys):
    run, ckpt, ids = setup
    digest, listing = _digest(run), _listing(run)
    # no cost and a tiny threshold: no keep probability falls below it, so every channel stays
    argv = ["refine", str(run), "--design", str(ids[0]), "--epochs", "1", "--lam", "0", "--threshold", "0.001"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error: ")]  # the rest: epoch progress
    assert len(errors) == 1 and "in 1 epoch with --lam 0.0; nothing pruned, nothing archived" in errors[0]
    assert _digest(run) == digest and _listing(run) == listing


def _drop_first_channel(masked, terms, splits, settings, *, seed, progress=False):
    """In place of training (fast): channel 0 of every mask falls below any threshold."""
    with torch.no_grad():
        for mask in masked.masks().values():
            mask.theta[0] = -10.0
    return ()


def test_accuracies_are_measured_as_the_archives(setup, tmp_path, monkeypatch):
    """``before`` is every source design's archived accuracy, and the refined row's accuracy is its
    saved child's, measured as the search measures a child (training replaced by pruning channel 0)."""
    run, ckpt, ids = setup
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    monkeypatch.setattr("evo_cosearch.refine.refine.train_masked", _drop_first_channel)
    problem = load_problem(DEMO)
    data = eval_data(problem_splits(problem), EvaluationConfig.from_section(problem.evaluation), seed=0)
    with open_archive(copy) as arc:
        archived = dict(zip(arc.designs().id.tolist(), arc.designs().metrics["accuracy"].tolist()))
    for design_id in ids:
        done = refine_design(copy, design_id, RefineSettings(epochs=1), supernet=ckpt)
        assert done.before.accuracy == archived[design_id]
        with open_archive(copy) as arc:
            d = arc.designs()
            row = d.record(int(np.flatnonzero(d.id == done.design_id)[0]))
        child = load_refined(done.out_dir / "child.pt").module
        assert row["metrics"]["accuracy"] == done.after.accuracy == child_accuracy(child, data)


def test_json_output_is_the_report_with_its_provenance(setup, tmp_path, monkeypatch, capsys):
    run, ckpt, ids = setup
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    monkeypatch.setattr("evo_cosearch.refine.refine.train_masked", _drop_first_channel)
    argv = ["refine", str(copy), "--design", str(ids[0]), "--lam", "3", "--cost", "energy", "--seed", "7"]
    assert main([*argv, "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    report = json.loads((Path(out["out_dir"]) / "refine.json").read_text())
    assert out == {**report, "out_dir": str(copy / "refined" / str(out["design_id"]))}
    assert out["source_id"] == ids[0] and out["seed"] == 7 and out["supernet"] == str(ckpt)
    assert out["settings"]["lam"] == 3.0 and out["settings"]["cost"] == "energy"
    assert out["after"]["macs"] < out["before"]["macs"]

    assert main([*argv, "--seed", "8"]) == 0
    table = capsys.readouterr().out
    assert "λ 3 × expected energy, 5 epochs, threshold 0.5, tau 0.5, seed 8, from the supernet" in table


def test_refuses_other_data_while_the_runs_file_is_there(setup, tmp_path, capsys):
    """A design measured on other images would not be comparable with its archive (as for a resume)."""
    run, _, ids = setup
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    ours, other = tmp_path / "ours.npz", tmp_path / "other.npz"
    ours.write_bytes(b"")
    other.write_bytes(b"")
    with open_archive(copy) as arc:  # as if the run had read a dataset file
        text = arc.meta.problem_text.replace("  name: digits\n", f"  name: fashion_mnist\n  path: {ours}\n")
    writer = ArchiveWriter.open(copy)
    writer.set_meta(problem_text=text, data=str(ours))
    writer.close()
    digest = _digest(copy)
    assert main(["refine", str(copy), "--design", str(ids[0]), "--data", str(other)]) == 2
    err = capsys.readouterr().err
    assert f"the run read its data from {ours}, not {other}; leave out --data, or give that file" in err
    assert len(err.splitlines()) == 1 and _digest(copy) == digest


def test_a_refinement_whose_output_is_closed_exits_141_and_archives_nothing(setup):
    """``refine ... 2>&1 | head``: the pipe's reader is gone before the first epoch line. The refinement
    ended with exit code 0 as if it had succeeded; now it stops as on Ctrl-C, with 141 (128 + SIGPIPE)."""
    import subprocess
    import sys

    run, ckpt, ids = setup
    digest, listing = _digest(run), _listing(run)
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the refinement writes its first line
    try:
        done = subprocess.run([sys.executable, "-m", "evo_cosearch", "refine", str(run), "--design", str(ids[0]),
                               "--epochs", "2", "--supernet", str(ckpt)], stdout=write_end, stderr=write_end,
                              cwd=DEMO.parents[1], env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert _digest(run) == digest and _listing(run) == listing


def test_a_closed_output_of_a_refinement_is_said_where_stderr_can_take_it(setup, capsys, monkeypatch):
    run, _, ids = setup

    def closed(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")
    monkeypatch.setattr("evo_cosearch.refine.refine.train_masked", closed)
    assert main(["refine", str(run), "--design", str(ids[0]), "--from-scratch"]) == 141
    assert capsys.readouterr().err == (f"stopped, its output was closed: {run}: design {ids[0]} not refined, "
                                       "nothing archived\n")
