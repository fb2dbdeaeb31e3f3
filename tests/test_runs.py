"""What a run was made with: the accuracy source a resume must match, the evaluation seed, the data."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import pytest

from evo_cosearch.archive.reader import RunMeta
from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.evaluate import accuracy_source, source_mismatch
from evo_cosearch.problem import load_problem
from evo_cosearch.runs import evaluation_seed, resumed_problem, run_checkpoint, run_problem

DEMO = Path(__file__).resolve().parents[1] / "problems" / "demo_digits.yaml"
OLD = {"supernet": "a.pt", "sha256": "abc"}  # recorded before runs recorded a kind and evaluation seed


def meta(source=None, data=None, seed=5):
    return RunMeta(run="r", problem_name="p", problem_text="", objectives=("error",), constraints={}, seed=seed,
                   strategy="nsga2", status="completed", started="", ended=None, versions={}, pop=4, gens=1,
                   settings={}, fingerprint="", hv_ideal=None, hv_ref=None, accuracy_source=source, data=data)


def test_source_mismatch():
    new = {"kind": "supernet", "supernet": "b.pt", "sha256": "abc", "evaluation_seed": 5}
    assert source_mismatch(OLD, new) is None  # the same file's hash; no evaluation seed recorded
    assert source_mismatch(new, new) is None
    assert "evaluation seed 5 (BatchNorm recalibration images), not 0" in source_mismatch(
        new, {**new, "evaluation_seed": 0})
    assert "sha256 abc), not supernet b.pt (sha256 def)" in source_mismatch(OLD, {**new, "sha256": "def"})
    assert "not the proxy accuracy" in source_mismatch(OLD, {"kind": "proxy", "macs_scale": 1.0})
    assert source_mismatch(None, new) is None  # nothing recorded: nothing to compare
    custom = {"kind": "custom", "function": "m.f"}
    assert source_mismatch(custom, custom) is None
    assert "m.f" in source_mismatch(custom, {**custom, "function": "m.g"})
    assert source_mismatch(custom, {**custom, "code": "1234"}) is None  # recorded before runs kept the code


def test_a_custom_function_is_recorded_by_name_and_code():
    halves, same, other = (lambda g: [0.5] * len(g)), (lambda g: [0.5] * len(g)), (lambda g: [0.25] * len(g))
    a, b, c = accuracy_source(halves), accuracy_source(same), accuracy_source(other)
    assert a["function"] == b["function"] == c["function"]
    assert a["function"].endswith("test_a_custom_function_is_recorded_by_name_and_code.<locals>.<lambda>")
    assert source_mismatch(a, b) is None  # the same code
    assert "its code differs" in source_mismatch(a, c)

    def nested():  # a changed constant inside a nested function is a change too
        return lambda g: [0.5] * len(g)

    def nested2():
        return lambda g: [0.75] * len(g)
    nested2.__qualname__ = nested.__qualname__
    assert "its code differs" in source_mismatch(accuracy_source(nested), accuracy_source(nested2))

    def scaled(genomes, k=0.5):
        return [k] * len(genomes)
    digest = accuracy_source(scaled)["code"]
    scaled.__defaults__ = (0.9,)  # an edited default value is an edit
    assert accuracy_source(scaled)["code"] != digest

    class Scorer:  # a callable object is recorded by its class name alone
        def __call__(self, genomes):
            return [0.5] * len(genomes)
    assert set(accuracy_source(Scorer())) == {"kind", "function"}


def test_evaluation_seed_is_recorded_else_the_runs_own_for_old_supernet_runs_else_zero():
    assert evaluation_seed(None) == 0
    assert evaluation_seed(meta(OLD)) == 5
    assert evaluation_seed(meta({**OLD, "kind": "supernet", "evaluation_seed": 0})) == 0
    assert evaluation_seed(meta({"kind": "proxy"})) == 0


def test_run_problem_reads_the_data_the_run_read(tmp_path):
    p = load_problem(DEMO.with_name("joint_fashion_mnist.yaml"))
    data = tmp_path / "d.npz"
    data.write_bytes(b"")
    other = tmp_path / "other.npz"
    other.write_bytes(b"")
    assert run_problem(p, meta(data=str(data)), where="r").dataset.path == str(data)
    assert run_problem(p, meta(data=str(data)), str(other), where="r").dataset.path == str(other)
    assert run_problem(p, meta(), where="r").dataset == p.dataset
    # named by the run's folder as given, not by the run's name (which is no path)
    for names, data in ((cli_names, "--data"), (nullcontext, "data")):  # the CLI's flag, else the parameter
        with names(), pytest.raises(InputError, match=f"^{tmp_path}/run: the run read its data from .*gone.npz, "
                                                      f"which is not there any more; pass {data}$"):
            run_problem(p, meta(data=str(tmp_path / "gone.npz")), where=str(tmp_path / "run"))
    # the data given is named as the argument (the CLI's --data under errors.cli_names)
    with pytest.raises(InputError, match="^data='x.npz': .*digits is embedded"):  # digits reads no file
        run_problem(load_problem(DEMO), meta(), "x.npz", where="r")
    with pytest.raises(InputError, match=f"^data='{tmp_path}/gone.npz': dataset path not found$"):  # given, not there
        run_problem(p, meta(data=str(data)), str(tmp_path / "gone.npz"), where="r")


def test_run_checkpoint_prefers_the_given_then_the_recorded_file(tmp_path):
    p = load_problem(DEMO)
    given, recorded = tmp_path / "given.pt", tmp_path / "rec.pt"
    given.write_bytes(b"x")
    recorded.write_bytes(b"x")
    source = {"kind": "supernet", "supernet": str(recorded), "sha256": "abc"}
    assert run_checkpoint(p, source, supernet=given) == given
    assert run_checkpoint(p, source) == recorded
    with pytest.raises(InputError, match="^supernet=.*nope.pt.: checkpoint not found$"):
        run_checkpoint(p, source, supernet=tmp_path / "nope.pt")


def test_a_resume_reads_the_data_the_run_read_and_refuses_other_data(tmp_path):
    p = load_problem(DEMO.with_name("joint_fashion_mnist.yaml"))
    recorded, other = tmp_path / "a.npz", tmp_path / "b.npz"
    recorded.write_bytes(b"")
    other.write_bytes(b"")
    m = meta(data=str(recorded))
    assert resumed_problem(p, None, "r") is p and resumed_problem(p, meta(), "r") is p  # nothing recorded
    assert resumed_problem(p, m, "r").dataset.path == str(recorded)  # the file's own path: the run's data
    assert resumed_problem(p.with_data(str(recorded)), m, "r").dataset.path == str(recorded)
    with pytest.raises(InputError, match=f"r: the run read its data from {recorded}, not {other}"):
        resumed_problem(p.with_data(str(other)), m, "r")
    recorded.unlink()  # the run's file moved: --data says where, a resume without it is refused
    assert resumed_problem(p.with_data(str(other)), m, "r").dataset.path == str(other)
    with pytest.raises(InputError, match="a.npz, which is not there any more; pass data$"):
        resumed_problem(p, m, "r")
    with cli_names(), pytest.raises(InputError, match="a.npz, which is not there any more; pass --data$"):
        resumed_problem(p, m, "r")


def test_the_supernet_cache_folder_is_one_constant_named_without_torch():
    # supernet/store.py spelled "results/supernets" out again as its defaults
    import inspect
    import subprocess
    import sys

    from evo_cosearch import runs, supernet
    from evo_cosearch.supernet import store

    assert runs.SUPERNET_CACHE is supernet.SUPERNET_CACHE == "results/supernets"
    for fn in (store.ensure_supernet, store.cached_supernet_path):
        assert inspect.signature(fn).parameters["cache_dir"].default is supernet.SUPERNET_CACHE
    code = "import sys, evo_cosearch.runs; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=DEMO.parents[1], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_rescoring_notes_name_seed_and_supernet_as_the_caller_does(tmp_path):
    """They said '--seed' and '--supernet' from Python too."""
    from evo_cosearch.runs import rescoring

    supernet = tmp_path / "sn.pt"
    supernet.write_bytes(b"other weights")
    design = {"provenance": {"run": "r", "seed": 0, "accuracy_source": {
        "kind": "supernet", "supernet": "/runs/sn.pt", "sha256": "0" * 16, "evaluation_seed": 0, "threads": 1}}}
    python = ("run r scored its accuracies on the recalibration images of seed=0, not 5",
              f"run r scored its accuracies with supernet /runs/sn.pt, and supernet='{supernet}' holds other weights")
    assert rescoring(design, supernet=supernet, seed=5, threads=None).notes == python
    with cli_names():
        cli = rescoring(design, supernet=str(supernet), seed=5, threads=None).notes
    assert cli == ("run r scored its accuracies on the recalibration images of --seed 0, not 5",
                   f"run r scored its accuracies with supernet /runs/sn.pt, and --supernet {supernet} holds other "
                   "weights")
