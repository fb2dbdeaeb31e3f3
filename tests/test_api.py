"""The package-level API: ``evo_cosearch.search`` is the function, whatever was imported before."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import evo_cosearch as ec
import evo_cosearch.engine  # noqa: F401 - the search engine subpackage; must not shadow ec.search
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy

DEMO = Path(__file__).resolve().parents[1] / "problems" / "demo_digits.yaml"


def test_search_is_callable_again_after_its_first_call(tmp_path):
    p = ec.load_problem(DEMO)
    for name in ("a", "b"):
        arc = ec.search(p, out=tmp_path / name, pop=4, gens=1, seed=0, accuracy_fn=ProxyAccuracy(p), quiet=True,
                        progress=False)
        arc.close()
    with ec.load_archive(tmp_path / "b") as arc:
        assert len(arc.designs()) == 4


@pytest.mark.parametrize("workers", [-1, "2", 2.0, True])
def test_workers_that_are_no_count_of_processes_are_refused(workers, tmp_path):
    p = ec.load_problem(DEMO)
    with pytest.raises(InputError, match=rf"^workers: {re.escape(repr(workers))} is not an integer >= 0$"):
        ec.search(p, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(p), workers=workers, quiet=True)
    assert not (tmp_path / "run").exists()


def test_workers_may_be_a_numpy_integer(tmp_path):
    # workers=np.int64(2) (an array's element, a numpy computation) was refused as "not an integer"
    import numpy as np

    p = ec.load_problem(DEMO)
    with ec.search(p, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(p), workers=np.int64(1),
                   quiet=True) as arc:
        assert len(arc.designs()) == 4


def test_a_supernet_with_an_accuracy_function_is_refused_not_ignored(tmp_path):
    p = ec.load_problem(DEMO)
    with pytest.raises(InputError, match="^supernet='x.pt' with an accuracy function: give one"):
        ec.search(p, out=tmp_path / "run", pop=4, gens=1, accuracy_fn=ProxyAccuracy(p), supernet="x.pt", quiet=True)
    assert not (tmp_path / "run").exists()


def test_the_public_names_are_listed_before_their_first_use():
    # a fresh interpreter: tab completion and dir() see the lazy names before anything imported them
    import subprocess
    import sys

    code = "import evo_cosearch as ec; print(sorted(set(ec.__all__) - set(dir(ec))))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "[]\n", proc.stderr


@pytest.mark.parametrize("name", ["accuracy_fn", "simulate_fn"])
def test_a_function_argument_that_is_not_callable_is_refused_up_front(name, tmp_path):
    p = ec.load_problem(DEMO)
    given = {"accuracy_fn": ProxyAccuracy(p), name: 0.5}
    with pytest.raises(InputError, match=rf"^{name}: 0\.5 is not callable \(give a function, or None\)$"):
        ec.search(p, out=tmp_path / "run", pop=4, gens=2, quiet=True, progress=False, **given)
    assert not (tmp_path / "run").exists()
