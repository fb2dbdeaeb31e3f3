"""Reading a problem file: its supernet and evaluation sections are checked without PyTorch; ready
problems by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from evo_cosearch.errors import ProblemError
from evo_cosearch.problem import load_problem

ROOT = Path(__file__).resolve().parents[1]


def test_reading_a_problem_does_not_import_torch():
    code = ("import sys; from evo_cosearch.problem import load_problem; "
            "load_problem('problems/demo_digits.yaml'); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_ready_problem_is_found_by_name_from_any_folder(tmp_path, monkeypatch):
    from evo_cosearch.problem import ready_problem, ready_problem_names
    monkeypatch.chdir(tmp_path)
    assert load_problem("demo_digits").source == str(ready_problem("demo_digits"))
    assert load_problem("demo_digits.yaml").name == "demo_digits"
    assert "autoqkeras_fashion_mnist" in ready_problem_names()
    with pytest.raises(ProblemError, match=r"^nope: problem file not found \(ready problems, .*demo_digits"):
        load_problem("nope")
    (tmp_path / "demo_digits").write_text("name: [")  # a file of that name here is read, not the ready one
    with pytest.raises(ProblemError, match="^demo_digits: "):
        load_problem("demo_digits")
    with pytest.raises(ProblemError, match="problem file not found"):
        load_problem(tmp_path / "sub" / "demo_digits")  # a path with a folder is only that path
    with pytest.raises(ProblemError, match="problem file not found"):
        load_problem("./autoqkeras_digits")  # so is one written with ./


def test_a_folder_named_like_a_ready_problem_does_not_hide_it(tmp_path, monkeypatch):
    from evo_cosearch.problem import ready_problem
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo_digits").mkdir()  # e.g. search --problem demo_digits --out demo_digits, resumed
    assert load_problem("demo_digits").source == str(ready_problem("demo_digits"))
    (tmp_path / "nope").mkdir()
    with pytest.raises(ProblemError, match="^nope: cannot read problem file"):
        load_problem("nope")


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_data_path_given_is_refused_not_read_as_the_current_folder(path, tmp_path, monkeypatch):
    from evo_cosearch.errors import InputError, cli_names

    monkeypatch.chdir(tmp_path)  # a folder that is there: '' would have read its dataset files from it
    p = load_problem("joint_fashion_mnist")
    for strict in (True, False):  # the benchmarks pass --data without strict
        with pytest.raises(InputError, match=r"^an empty path given for the dataset \(data\)$"):  # it said --data
            p.with_data(path, strict=strict)
        with cli_names(), pytest.raises(InputError, match=r"^an empty path given for the dataset \(--data\)$"):
            p.with_data(path, strict=strict)
    assert p.with_data(None, strict=True) is p


def test_with_data_names_the_argument_from_python_and_the_flag_from_the_command_line(tmp_path):
    # it said '--data PATH' to Python callers too
    from evo_cosearch.errors import InputError, cli_names

    digits, fashion = load_problem("demo_digits"), load_problem(ROOT / "problems" / "network_only_fashion_mnist.yaml")
    missing = str(tmp_path / "none.npz")
    with pytest.raises(InputError, match=r"^data='x.npz': .*dataset digits is embedded"):
        digits.with_data("x.npz", strict=True)
    with pytest.raises(InputError, match=f"^data='{missing}': dataset path not found$"):
        fashion.with_data(missing, strict=True)
    with cli_names(), pytest.raises(InputError, match=f"^--data {missing}: dataset path not found$"):
        fashion.with_data(missing, strict=True)


def test_numbers_in_exponent_notation_are_numbers_as_in_yaml_1_2():
    from evo_cosearch.problem import parse_problem, read_yaml
    assert read_yaml("a: [1e-4, 2E3, -1.5e+2, 1e, e3, '1e-4', 0.5]") == {"a": [1e-4, 2000.0, -150.0, "1e", "e3",
                                                                             "1e-4", 0.5]}
    text = (ROOT / "problems" / "demo_digits.yaml").read_text().replace("supernet:", "supernet:\n  weight_decay: 4e-5", 1)
    assert "weight_decay: 4e-5" in text
    assert parse_problem(text).supernet["weight_decay"] == 4e-5  # YAML 1.1 alone would read the string '4e-5'
