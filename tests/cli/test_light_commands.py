"""``--help`` of every command, and the commands that need neither, load no PyTorch and no pymoo.

Each check runs in a fresh interpreter: within the test session PyTorch is long loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from evo_cosearch.problem import load_problem

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "pymoo", "matplotlib")

# Builds the parser, asks every command and subcommand for its --help (stdout discarded) and prints,
# as JSON, the heavy modules each one loaded: {"": [...], "space": [...], "space show": [...], ...}.
_EVERY_HELP = f"""
import argparse, contextlib, io, json, sys
from evo_cosearch.cli import build_parser

def commands(parser, words=()):
    yield words
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*words, name))

loaded = {{}}
for words in list(commands(build_parser())):
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser().parse_args([*words, "--help"])
        except SystemExit:
            pass
    loaded[" ".join(words)] = [m for m in {HEAVY!r} if m in sys.modules]
print(json.dumps(loaded))
"""


def _loaded_by(argv: list[str], cwd: Path = ROOT) -> list[str]:
    """The heavy modules that ``evo-cosearch argv`` loaded (it must succeed)."""
    code = ("import json, runpy, sys\n"
            f"sys.argv = ['evo-cosearch', *{argv!r}]\n"
            "try:\n"
            "    runpy.run_module('evo_cosearch', run_name='__main__')\n"
            "except SystemExit as exc:\n"
            "    assert not exc.code, exc.code\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.splitlines()[-1])  # the list printed last


def test_python_m_evo_cosearch_help_loads_neither_torch_nor_pymoo():
    assert _loaded_by(["--help"]) == []


def test_the_help_of_every_command_loads_neither_torch_nor_pymoo():
    done = subprocess.run([sys.executable, "-c", _EVERY_HELP], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    loaded = json.loads(done.stdout)
    assert {"", "search", "space show", "bench supernet-train", "bench autoqkeras", "demo"} <= set(loaded)
    assert {words: heavy for words, heavy in loaded.items() if heavy} == {}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from evo_cosearch.api import search
    from evo_cosearch.evaluate import ProxyAccuracy

    problem = load_problem("demo_digits")
    out = tmp_path_factory.mktemp("light") / "run"
    search(problem, out=out, pop=4, gens=1, seed=0, accuracy_fn=ProxyAccuracy(problem), quiet=True).close()
    return out


def test_space_show_and_simulate_load_neither_torch_nor_pymoo():
    genome = ",".join(["0"] * load_problem("demo_digits").space.n_var)
    assert _loaded_by(["space", "show", "--problem", "demo_digits"]) == []
    assert _loaded_by(["simulate", "--problem", "demo_digits", "--genome", genome]) == []


def test_export_and_select_of_a_run_load_no_torch(run_dir, tmp_path):
    assert _loaded_by(["export", str(run_dir), "-o", str(tmp_path / "designs.csv")]) == []
    assert "torch" not in _loaded_by(["export", str(run_dir), "--pareto"])  # the front is pymoo's
    assert "torch" not in _loaded_by(["select", str(run_dir), "--export", str(tmp_path / "chosen")])
