"""The ``random`` strategy: end to end into an archive, determinism, exact resume, no repeats."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import ProxyAccuracy
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.engine.random_search import RandomSearch

DEMO = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"
PROBLEM = load_problem(DEMO)


def run(out: Path, **kw) -> Path:
    kw = {"pop": 8, "gens": 3, "seed": 2, "strategy": "random", "accuracy_fn": ProxyAccuracy(PROBLEM), **kw}
    search(PROBLEM, out=out, quiet=True, **kw).close()
    return out


def test_runs_into_the_archive_with_pop_designs_per_generation(tmp_path):
    with open_archive(run(tmp_path / "r")) as arc:
        table = arc.designs()
        assert arc.meta.strategy == "random" and arc.meta.status == "completed"
        assert set(table.strategy) == {"random"}
        assert [h.n_evals for h in arc.history()] == [8, 16, 24]
        assert list(np.bincount(table.generation)) == [8, 8, 8]
        assert len({tuple(g) for g in table.genome}) == 24        # no genome drawn twice
        assert np.all(table.genome >= 0) and np.all(table.genome <= PROBLEM.space.xu)
        # the recorded population is the archive's Pareto set (non-dominated feasible designs)
        population = arc.resume_state().population
        assert sorted(population) == sorted(arc.pareto().id.tolist())


def test_same_seed_same_archive_other_seed_other_designs(tmp_path, contents):
    assert contents(run(tmp_path / "a")) == contents(run(tmp_path / "b"))
    assert contents(run(tmp_path / "c", seed=3))[0] != contents(tmp_path / "a")[0]


def test_resume_equals_an_uninterrupted_run(tmp_path, contents):
    run(tmp_path / "part", gens=2)
    run(tmp_path / "part", gens=3)
    assert contents(tmp_path / "part") == contents(run(tmp_path / "straight"))


def test_a_resume_whose_redraws_miss_the_saved_state_is_refused_untouched(tmp_path, contents, monkeypatch):
    """As with another numpy version: the run cannot resume exactly, and is left as it was."""
    out = run(tmp_path / "r", gens=2)
    before = contents(out)
    with open_archive(out) as arc:
        meta = arc.meta
    sample = RandomSearch._sample

    def drifted(self):  # one draw more per batch than the run made
        self.random_state.random()
        return sample(self)

    monkeypatch.setattr(RandomSearch, "_sample", drifted)
    with pytest.raises(InputError, match="does not reproduce the saved state"):
        run(out, gens=3)
    assert contents(out) == before
    with open_archive(out) as arc:
        assert (arc.meta.status, arc.meta.gens, arc.meta.settings) == (meta.status, meta.gens, meta.settings)


def test_a_small_space_is_exhausted_without_repeats():
    alg = RandomSearch(batch=3, seed=0)
    alg.problem = SimpleNamespace(space=SimpleNamespace(cardinalities=np.array([2, 2])))
    alg.random_state = np.random.default_rng(0)
    batches = [alg._sample() for _ in range(3)]
    assert [len(b) for b in batches] == [3, 1, 0]
    assert {tuple(r) for b in batches for r in b} == {(0, 0), (0, 1), (1, 0), (1, 1)}


def test_the_summary_says_when_a_search_stopped_before_its_generations(tmp_path, capsys):
    # it used to print "2 designs in 1 generations" for --gens 3 without a word on why
    cfg = yaml.safe_load(DEMO.read_text())
    net = cfg["network"]
    net["stem"]["width"] = net["stem"]["width"][:1]
    net["layer"] = {k: v[:1] for k, v in net["layer"].items()}
    net["stages"] = [{**st, "depth": [1], "width": st["width"][:1]} for st in net["stages"]]
    cfg["accelerator"] = {k: v[:2] if k == "pes_x" else v[:1] for k, v in cfg["accelerator"].items()}
    p = parse_problem(yaml.safe_dump(cfg))
    assert p.space.size == 2
    search(p, out=tmp_path / "r", pop=4, gens=3, seed=0, strategy="random", accuracy_fn=ProxyAccuracy(p),
           progress=False).close()
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("2 designs in 1 generations, 2 feasible")
    assert out[1] == ("stopped after 1 of 3 generations: the strategy had no new design to propose (a small space, "
                      "or one its population has used up)")
    search(PROBLEM, out=tmp_path / "full", pop=4, gens=2, seed=0, strategy="random", accuracy_fn=ProxyAccuracy(PROBLEM),
           progress=False).close()
    out = capsys.readouterr().out
    assert out.startswith("8 designs in 2 generations") and "stopped" not in out
