"""CLI: train-supernet, evaluate, train-child (json output, exit codes, one-line errors)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from evo_cosearch.cli import main

_spec = importlib.util.spec_from_file_location("_sn_conftest", Path(__file__).parents[1] / "supernet" / "conftest.py")
_conf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conf)


def _zeros(problem: Path) -> str:
    from evo_cosearch.problem import load_problem

    return ",".join(["0"] * load_problem(problem).space.n_var)


@pytest.fixture(scope="module")
def trained(tiny_supernet):
    return tiny_supernet


def test_evaluate_json(trained, capsys):
    problem, ckpt = trained
    capsys.readouterr()
    assert main(["evaluate", "--problem", str(problem), "--supernet", str(ckpt), "--genome", _zeros(problem),
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"accuracy", "macs", "params"} and 0 <= out["accuracy"] <= 1 and out["macs"] > 0


def test_train_child_json(trained, capsys):
    problem, ckpt = trained
    capsys.readouterr()
    assert main(["train-child", "--problem", str(problem), "--genome", _zeros(problem), "--epochs", "0",
                 "--from-supernet", str(ckpt), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert 0 <= out["test_accuracy"] <= 1


@pytest.mark.parametrize("argv,needle", [
    (["--genome", "0,0"], "genes"),
    (["--supernet", "MISSING.pt"], "MISSING.pt: supernet checkpoint not found"),
    (["--supernet", "."], r"\.: is a directory, not a supernet checkpoint"),
    (["--supernet", ""], r"^error: an empty path given for the supernet checkpoint$"),  # it read the current folder
    (["--data", "fashion.npz"], "--data fashion.npz: .*dataset digits is embedded"),
])
def test_errors_are_one_line_exit_2(trained, capsys, argv, needle):
    problem, ckpt = trained
    args = {"--problem": str(problem), "--supernet": str(ckpt), "--genome": _zeros(problem)}
    args.update(dict(zip(argv[::2], argv[1::2])))
    capsys.readouterr()
    rc = main(["evaluate", *[x for kv in args.items() for x in kv]])
    err = capsys.readouterr().err
    assert rc == 2 and re.search(needle, err, re.M) and err.count("\n") == 1


def test_missing_dataset_file_is_a_one_line_error(tmp_path, capsys):
    problem = Path(__file__).resolve().parents[2] / "problems" / "joint_fashion_mnist.yaml"
    missing = tmp_path / "nowhere.npz"
    rc = main(["train-supernet", "--problem", str(problem), "--data", str(missing), "--out", str(tmp_path / "x.pt"),
               "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "nowhere.npz" in err and err.count("\n") == 1
    assert not (tmp_path / "x.pt").exists()


def test_train_supernet_never_overwrites_another_configuration_or_trains_for_nothing(trained, tmp_path, capsys):
    problem, ckpt = trained
    before = ckpt.read_bytes()
    capsys.readouterr()
    rc = main(["train-supernet", "--problem", str(problem), "--out", str(ckpt), "--epochs", "2", "--quiet"])
    err = capsys.readouterr().err
    # both values: --epochs is the problem's supernet.epochs, and a finished training is not extended
    assert rc == 2 and "another supernet.epochs (1, not 2);" in err and err.count("\n") == 1
    assert ckpt.read_bytes() == before
    rc = main(["train-supernet", "--problem", str(problem), "--out", str(ckpt), "--seed", "7", "--quiet"])
    assert rc == 2 and "trained with another seed (0, not 7);" in capsys.readouterr().err
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    for out, needle in ((a_file / "sn.pt", "not a writable directory"), (tmp_path, "is a directory")):
        rc = main(["train-supernet", "--problem", str(problem), "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
        assert rc == 2 and needle in err and err.count("\n") == 1


def test_train_child_checks_its_flags_before_training(trained, tmp_path, capsys):
    problem, _ = trained
    base = ["train-child", "--problem", str(problem), "--genome", _zeros(problem), "--epochs", "1"]
    capsys.readouterr()
    for lr in ("-1", "inf", "nan"):
        assert main(base + ["--lr", lr]) == 2 and "must be a finite number > 0" in capsys.readouterr().err
    assert main(base + ["--out", str(tmp_path)]) == 2 and "is a directory" in capsys.readouterr().err
    # an empty path is an error, as for every other command's paths: --out '' trained and saved nothing,
    # --from-supernet '' trained from scratch
    for flag, what in (("--out", "child checkpoint"), ("--from-supernet", "supernet checkpoint")):
        assert main(base + [flag, ""]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err == f"error: an empty path given for the {what}\n", flag
    out_file = tmp_path / "child.pt"
    assert main(base + ["--device", "tpu", "--out", str(out_file)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "error: --device tpu: not a device (cpu, cuda, cuda:N)\n"
    assert not out_file.exists()


def test_a_path_that_cannot_be_written_is_a_one_line_error(tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    rc = main(["bench", "simulator", "--designs", "8", "--repeats", "1", "--out", str(a_file / "b.json")])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "a_file" in err and "Traceback" not in err


def test_genome_may_be_an_exported_design_json(trained, tmp_path, capsys):
    from evo_cosearch.api import search
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem
    from evo_cosearch.select import export_design

    problem, ckpt = trained
    p = load_problem(problem)
    with search(p, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(p), quiet=True) as arc:
        d = arc.designs()
        done = export_design(arc, int(d.id[-1]), tmp_path / "x")
    genome = ",".join(str(g) for g in d.genome[-1])
    base = ["evaluate", "--problem", str(problem), "--supernet", str(ckpt), "--format", "json"]
    capsys.readouterr()
    assert main([*base, "--genome", genome]) == 0
    by_indices = json.loads(capsys.readouterr().out)
    assert main([*base, "--genome", str(done.design_json)]) == 0
    assert json.loads(capsys.readouterr().out) == by_indices
    assert main(["train-child", "--problem", str(problem), "--genome", str(done.design_json), "--epochs", "0",
                 "--format", "json"]) == 0
    assert 0 <= json.loads(capsys.readouterr().out)["test_accuracy"] <= 1

    design = json.loads(done.design_json.read_text())
    accel = {**design["accelerator"], "mac_bits": 12}  # a table value this problem does not have
    for change, needle in [({"network": {**design["network"], "refined": {"s1.l1": 4}}}, "is refined"),
                           ({"network": {**design["network"], "in_channels": 3}}, "its genome is another network"),
                           ({"accelerator": accel}, "its genome is another accelerator"),
                           ({"provenance": {"genome": [0, 1]}}, "bad.json: provenance.genome: genome has 2 genes")]:
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps({**design, **change}))
        assert main([*base, "--genome", str(bad)]) == 2
        err = capsys.readouterr().err
        assert needle in err and len(err.strip().splitlines()) == 1


def test_train_child_out_replaces_only_a_child_of_the_same_network(trained, tmp_path, capsys):
    problem, ckpt = trained
    genome = _zeros(problem)
    base = ["train-child", "--problem", str(problem), "--epochs", "0", "--format", "json"]
    other = tmp_path / "other.pt"
    assert main([*base, "--genome", "1" + genome[1:], "--out", str(other)]) == 0
    supernet_copy = tmp_path / "sn.pt"
    supernet_copy.write_bytes(ckpt.read_bytes())
    capsys.readouterr()
    for out, needle in ((supernet_copy, "is not a saved child"), (other, "holds a child of another network")):
        before = out.read_bytes()
        assert main([*base, "--genome", genome, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert needle in err and str(out) in err and err.count("\n") == 1 and out.read_bytes() == before
    assert main([*base, "--genome", "1" + genome[1:], "--out", str(other), "--seed", "1"]) == 0  # a retraining


def test_train_child_into_an_export_leaves_no_file_of_the_child_it_replaced(trained, tmp_path, capsys):
    # select --export --finetune wrote child.pt, child_architecture.json, finetune.json and child.onnx
    problem, ckpt = trained
    genome = _zeros(problem)
    base = ["train-child", "--problem", str(problem), "--genome", genome, "--epochs", "0", "--format", "json"]
    export = tmp_path / "export"
    assert main([*base, "--out", str(export / "child.pt")]) == 0
    for name in ("finetune.json", "child.onnx", "child_architecture.json", "design.json"):
        (export / name).write_text("the earlier fine-tuned child's\n")
    aside = tmp_path / "aside.pt"
    (tmp_path / "finetune.json").write_text("not about aside.pt\n")
    capsys.readouterr()
    assert main([*base, "--out", str(aside), "--seed", "1"]) == 0  # not an export's child.pt: nothing else goes
    assert capsys.readouterr().err == "" and (tmp_path / "finetune.json").exists()
    assert main([*base, "--out", str(export / "child.pt"), "--seed", "1"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["epochs"] == 0
    assert err == (f"removed {export / 'finetune.json'}, {export / 'child.onnx'}: they described the child "
                   f"{export / 'child.pt'} replaced\n")
    assert sorted(p.name for p in export.iterdir()) == ["child.pt", "child_architecture.json", "design.json"]
    from evo_cosearch.supernet import load_child
    spec = load_child(export / "child.pt").spec
    assert json.loads((export / "child_architecture.json").read_text()) == json.loads(json.dumps(spec.to_dict()))


@pytest.mark.parametrize("seed", ["-1", str(2 ** 63)])
def test_a_seed_out_of_range_is_a_one_line_error(trained, tmp_path, capsys, seed):
    problem, ckpt = trained
    genome = _zeros(problem)
    out = tmp_path / "x.pt"
    capsys.readouterr()
    for argv in (["train-supernet", "--problem", str(problem), "--out", str(out), "--quiet"],
                 ["evaluate", "--problem", str(problem), "--supernet", str(ckpt), "--genome", genome],
                 ["train-child", "--problem", str(problem), "--genome", genome, "--epochs", "0"]):
        with pytest.raises(SystemExit) as exit_:  # argparse's own error: before the problem is read
            main([*argv, "--seed", seed])
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and f"--seed: {seed} must be" in err and err.count("\n") == 1 and not out.exists()


def test_a_saved_child_loads_weights_only_records_its_input_and_scores_as_reported(trained, tmp_path, capsys):
    import torch

    from evo_cosearch.problem import load_problem
    from evo_cosearch.supernet import accuracy, load_child, problem_splits

    problem, ckpt = trained
    out = tmp_path / "child.pt"
    capsys.readouterr()
    assert main(["train-child", "--problem", str(problem), "--genome", _zeros(problem), "--epochs", "1",
                 "--from-supernet", str(ckpt), "--out", str(out), "--format", "json"]) == 0
    reported = json.loads(capsys.readouterr().out)["test_accuracy"]
    splits = problem_splits(load_problem(problem))
    saved = torch.load(out, weights_only=True)
    assert json.loads(saved["input"]) == {"mean": splits.mean, "std": splits.std}  # the child reads (x - mean) / std
    saved = load_child(out)
    assert accuracy(saved.module, splits.test_x, splits.test_y, batch_size=500) == reported
    # a user holds raw pixels: the loaded child's own normalization turns them into what it was scored on
    raw = splits.test_x * splits.std + splits.mean
    assert torch.allclose(saved.input_normalization(raw), splits.test_x, atol=1e-5)
    assert saved.input_normalization.to_dict() == {"mean": splits.mean, "std": splits.std}


@pytest.mark.parametrize("command", ["train-supernet", "evaluate", "train-child"])
def test_help_describes_every_option(command):
    import argparse

    from evo_cosearch.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    bare = [a.option_strings[0] for a in sub.choices[command]._actions if a.option_strings and not a.help]
    assert bare == []


def test_evaluate_scores_an_exported_design_as_its_run_did(trained, tmp_path, capsys, monkeypatch):
    """A run's accuracies depend on its torch thread count: evaluating its design.json takes the run's
    count (and recalibration seed), whatever OMP_NUM_THREADS says, and notes a count or seed asked for
    that differs from the run's."""
    import torch

    from evo_cosearch.api import search
    from evo_cosearch.problem import load_problem
    from evo_cosearch.select import export_design

    problem, ckpt = trained
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    with search(load_problem(problem), out=tmp_path / "run", pop=4, gens=1, supernet=ckpt, quiet=True) as arc:
        d = arc.designs()
        design_json = export_design(arc, int(d.id[-1]), tmp_path / "x").design_json
    archived = float(d.metrics["accuracy"][-1])
    old_export = tmp_path / "old.json"  # one made before exports recorded the run's accuracy source
    data = json.loads(design_json.read_text())
    assert data["provenance"]["accuracy_source"]["threads"] == 1
    del data["provenance"]["accuracy_source"]
    old_export.write_text(json.dumps(data))
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    before = torch.get_num_threads()
    base = ["evaluate", "--problem", str(problem), "--supernet", str(ckpt)]
    try:
        for genome in (design_json, old_export):
            torch.set_num_threads(2)
            capsys.readouterr()
            assert main([*base, "--genome", str(genome), "--format", "json"]) == 0
            out, err = capsys.readouterr()
            assert torch.get_num_threads() == 1 and err == ""
            assert json.loads(out)["accuracy"] == archived
        assert main([*base, "--genome", str(design_json), "--threads", "2", "--seed", "5"]) == 0
        out, err = capsys.readouterr()
        assert torch.get_num_threads() == 2 and f", archived {archived:.4f})" in out
        assert err == ("note: run run scored its accuracies on the recalibration images of --seed 0, not 5\n"
                       "note: run run scored its accuracies on 1 torch thread, not 2: another count sums in "
                       "another order and moves a few validation images\n")
        data["provenance"]["accuracy_source"] = {**json.loads(design_json.read_text())["provenance"]["accuracy_source"],
                                                 "sha256": "0" * 16}
        old_export.write_text(json.dumps(data))  # as if the run had been scored by another supernet
        assert main([*base, "--genome", str(old_export)]) == 0
        assert f"note: run run scored its accuracies with supernet {ckpt.resolve()}, and --supernet {ckpt} holds " \
               "other weights\n" == capsys.readouterr().err
    finally:
        torch.set_num_threads(before)


def test_a_training_whose_output_is_closed_keeps_its_saved_epochs_and_exits_141(tmp_path):
    """``train-supernet ... 2>&1 | head``: the pipe's reader is gone before the first epoch line. The
    training ended with exit code 0 as if it had finished; now it keeps the epoch it saved, stops as on
    Ctrl-C with 141 (128 + SIGPIPE), and the same command resumes it."""
    import os
    import subprocess
    import sys

    from evo_cosearch.supernet.checkpoint import load_checkpoint

    problem, out = _conf.write_tiny(tmp_path), tmp_path / "sn.pt"
    argv = [sys.executable, "-m", "evo_cosearch", "train-supernet", "--problem", str(problem), "--out", str(out),
            "--epochs", "2"]
    read_end, write_end = os.pipe()
    os.close(read_end)  # closed before the training writes its first line
    try:
        done = subprocess.run(argv, stdout=write_end, stderr=write_end, cwd=Path(__file__).parents[2],
                              env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == 141
    assert int(load_checkpoint(out)["epoch"]) == 1  # the first epoch, saved before its line


def test_a_closed_output_of_a_training_is_said_where_stderr_can_take_it(tmp_path, capsys, monkeypatch):
    import builtins

    from evo_cosearch.supernet import train

    def closed(*args, file=None, **kwargs):
        if file is not None:  # the epoch line
            raise BrokenPipeError(32, "Broken pipe")
        builtins.print(*args, **kwargs)
    monkeypatch.setattr(train, "print", closed, raising=False)
    problem, out = _conf.write_tiny(tmp_path), tmp_path / "sn.pt"
    assert main(["train-supernet", "--problem", str(problem), "--out", str(out), "--epochs", "2"]) == 141
    assert capsys.readouterr().err == (f"stopped, its output was closed: {out} keeps 1 of 2 epochs: run the same "
                                       "command again to resume it\n")



@pytest.mark.parametrize("out", [False, True])
def test_a_bad_epoch_count_or_seed_is_refused_before_training(tmp_path, capsys, out):
    """--epochs by SupernetConfig (the command's own check was the same), --seed by argparse with
    check_seed's range."""
    base = ["train-supernet", "--problem", "demo_digits", *(["--out", str(tmp_path / "sn.pt")] if out else [])]
    assert main([*base, "--epochs", "0"]) == 2
    assert capsys.readouterr().err == "error: --epochs: 0 must be >= 1\n"
    for seed in ("-1", str(2 ** 63)):
        with pytest.raises(SystemExit) as exited:
            main([*base, "--seed", seed])
        assert exited.value.code == 2
        assert capsys.readouterr().err.endswith(f"argument --seed: {seed} must be an integer from 0 to 2**63 - 1\n")
    assert not (tmp_path / "sn.pt").exists()
