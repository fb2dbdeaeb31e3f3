"""select.evaluation: score one design on a supernet from Python (evaluate's library function)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from evo_cosearch.cli import main
from evo_cosearch.errors import EvoCosearchError, InputError
from evo_cosearch.files import file_sha256
from evo_cosearch.problem import load_problem
from evo_cosearch.select import evaluate_design
from evo_cosearch.select.evaluation import evaluated_design_line

_spec = importlib.util.spec_from_file_location("_sn_conftest", Path(__file__).parents[1] / "supernet" / "conftest.py")
_conf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conf)


@pytest.fixture(scope="module")
def trained(tiny_supernet):
    return tiny_supernet


def _design_json(problem_path: Path, ckpt: Path, out: Path, genome: list[int], *, sha256: str | None = None) -> Path:
    """An exported design.json of ``genome``, as a run scored by ``ckpt`` on one thread records it."""
    design = load_problem(problem_path).design(genome)
    source = {"kind": "supernet", "supernet": str(ckpt), "sha256": sha256 or file_sha256(ckpt)[:16],
              "evaluation_seed": 0, "threads": 1}
    out.write_text(json.dumps({"id": 3, "network": design.network.to_dict(),
                               "accelerator": design.accelerator.to_dict(), "metrics": {"accuracy": 0.25},
                               "provenance": {"run": "r", "seed": 0, "genome": genome, "accuracy_source": source}}))
    return out


def test_evaluate_design_is_what_evaluate_prints(trained, capsys):
    problem_path, ckpt = trained
    problem = load_problem(problem_path)
    ones = [1] + [0] * (problem.space.n_var - 1)  # the wider stem
    done = evaluate_design(problem, ones, supernet=ckpt)
    assert 0 <= done.accuracy <= 1 and done.macs > 0 and done.params > 0
    assert (done.seed, done.archived, done.notes) == (0, None, ())
    assert evaluate_design(problem, ",".join(map(str, ones)), supernet=ckpt) == done  # "I,J,..." too
    argv = ["evaluate", "--problem", str(problem_path), "--supernet", str(ckpt), "--genome", ",".join(map(str, ones))]
    capsys.readouterr()
    assert main(argv + ["--format", "json"]) == 0
    assert capsys.readouterr().out == json.dumps(done.report()) + "\n"
    assert main(argv) == 0
    assert capsys.readouterr().out == evaluated_design_line(done) + "\n"


def test_an_exported_design_is_scored_as_its_run_did_with_notes_naming_the_parameters(trained, tmp_path, capsys):
    problem_path, ckpt = trained
    problem = load_problem(problem_path)
    zeros = [0] * problem.space.n_var
    design_json = _design_json(problem_path, ckpt, tmp_path / "design.json", zeros)
    done = evaluate_design(problem, design_json, supernet=ckpt)
    assert (done.seed, done.threads, done.archived, done.notes) == (0, 1, 0.25, ())
    assert evaluated_design_line(done).startswith(f"accuracy {done.accuracy:.4f} (validation, archived 0.2500)  MACs ")
    moved = evaluate_design(problem, design_json, supernet=ckpt, seed=5, threads=2)
    assert (moved.seed, moved.threads) == (5, 2)
    assert moved.notes[0] == "run r scored its accuracies on the recalibration images of seed=0, not 5"
    capsys.readouterr()
    assert main(["evaluate", "--problem", str(problem_path), "--supernet", str(ckpt), "--genome", str(design_json),
                 "--seed", "5", "--threads", "2"]) == 0
    out, err = capsys.readouterr()
    assert out == evaluated_design_line(moved) + "\n"
    assert err.startswith("note: run r scored its accuracies on the recalibration images of --seed 0, not 5\n")
    other = _design_json(problem_path, ckpt, tmp_path / "other.json", zeros, sha256="0" * 16)
    assert evaluate_design(problem, other, supernet=ckpt).notes == (
        f"run r scored its accuracies with supernet {ckpt}, and supernet='{ckpt}' holds other weights",)


def test_errors_are_those_of_the_command(trained, tmp_path):
    problem_path, ckpt = trained
    problem = load_problem(problem_path)
    with pytest.raises(EvoCosearchError, match=f"^genome has 2 genes, the space has {problem.space.n_var}$"):
        evaluate_design(problem, [0, 0], supernet=ckpt)
    with pytest.raises(InputError, match="MISSING.pt: supernet checkpoint not found$"):
        evaluate_design(problem, [0] * problem.space.n_var, supernet=tmp_path / "MISSING.pt")
    with pytest.raises(InputError, match="^an empty path given for the supernet checkpoint$"):
        evaluate_design(problem, [0] * problem.space.n_var, supernet="")


@pytest.mark.parametrize("kwargs, error", [
    ({"seed": -1}, "seed: -1 must be an integer from 0 to 2**63 - 1"),  # torch would take it
    ({"seed": 2 ** 63}, "seed: 9223372036854775808 must be an integer from 0 to 2**63 - 1"),
    ({"seed": 1.5}, "seed: 1.5 must be an integer from 0 to 2**63 - 1"),
    ({"threads": 0}, "threads: 0 is not an integer >= 1"),  # torch's own RuntimeError before
    ({"threads": True}, "threads: True is not an integer >= 1")])
def test_a_seed_or_thread_count_torch_cannot_take_is_one_line_naming_the_parameter(tmp_path, kwargs, error):
    problem = load_problem(_conf.write_tiny(tmp_path))  # checked before the supernet is read
    with pytest.raises(InputError, match=f"^{re.escape(error)}$"):
        evaluate_design(problem, [0] * problem.space.n_var, supernet=tmp_path / "sn.pt", **kwargs)
