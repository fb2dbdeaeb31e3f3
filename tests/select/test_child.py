"""select.child: train one design's child from Python (train-child's library function)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

from evo_cosearch.cli import main
from evo_cosearch.errors import InputError
from evo_cosearch.problem import load_problem
from evo_cosearch.select import train_design_child
from evo_cosearch.select.child import trained_child_line

_spec = importlib.util.spec_from_file_location("_sn_conftest", Path(__file__).parents[1] / "supernet" / "conftest.py")
_conf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conf)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return _conf.write_tiny(tmp_path_factory.mktemp("child"))


def test_train_design_child_is_what_train_child_prints(tiny, capsys):
    problem = load_problem(tiny)
    zeros = [0] * problem.space.n_var
    done = train_design_child(problem, zeros, epochs=0)
    assert done.out is None and done.removed == () and 0 <= done.test_accuracy <= 1
    capsys.readouterr()
    argv = ["train-child", "--problem", str(tiny), "--genome", ",".join(map(str, zeros)), "--epochs", "0"]
    assert main(argv + ["--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == done.report()
    assert main(argv) == 0
    assert capsys.readouterr().out == trained_child_line(done) + "\n"


@pytest.mark.parametrize("kwargs,python,cli", [
    ({"lr": -1.0}, "lr: -1.0 must be", "--lr: -1.0 must be"),
    ({"epochs": -1}, "epochs: -1 must be >= 0", "--epochs: -1 must be >= 0"),
])
def test_errors_name_the_parameter_from_python_and_the_flag_from_the_cli(tiny, capsys, kwargs, python, cli):
    problem = load_problem(tiny)
    with pytest.raises(InputError) as exc:
        train_design_child(problem, [0] * problem.space.n_var, **{"epochs": 1, **kwargs})
    assert str(exc.value).startswith(python)
    argv = ["train-child", "--problem", str(tiny), "--genome", ",".join(["0"] * problem.space.n_var),
            "--epochs", str(kwargs.get("epochs", 1)), "--lr", str(kwargs.get("lr", 0.05))]
    capsys.readouterr()
    assert main(argv) == 2 and capsys.readouterr().err.startswith(f"error: {cli}")


def test_an_out_that_is_no_child_is_refused_naming_out(tiny, tmp_path, capsys):
    problem = load_problem(tiny)
    other = tmp_path / "notes.pt"
    other.write_text("not a child")
    with pytest.raises(InputError, match="remove it or choose another out$"):
        train_design_child(problem, [0] * problem.space.n_var, epochs=0, out=other)
    capsys.readouterr()
    assert main(["train-child", "--problem", str(tiny), "--genome", ",".join(["0"] * problem.space.n_var),
                 "--epochs", "0", "--out", str(other)]) == 2
    assert capsys.readouterr().err.endswith("remove it or choose another --out\n")


@pytest.mark.parametrize("seed", [-1, 2 ** 63, 1.5, True])
def test_a_seed_torch_would_take_or_choke_on_is_refused_before_training(tiny, tmp_path, seed):
    problem = load_problem(tiny)  # checked before the supernet is read (it is missing)
    with pytest.raises(InputError, match=r"^seed: .* must be an integer from 0 to 2\*\*63 - 1$"):
        train_design_child(problem, [0] * problem.space.n_var, epochs=1, seed=seed, supernet=tmp_path / "missing.pt")


@pytest.mark.parametrize("epochs", [1.5, True, "1"])
def test_an_epoch_count_that_is_no_integer_is_refused_before_training(tiny, tmp_path, epochs):
    problem = load_problem(tiny)  # checked before the supernet is read (it is missing)
    with pytest.raises(InputError, match=rf"^epochs: {re.escape(repr(epochs))} is not an integer$"):
        train_design_child(problem, [0] * problem.space.n_var, epochs=epochs, supernet=tmp_path / "missing.pt")
