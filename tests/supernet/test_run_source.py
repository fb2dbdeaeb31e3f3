"""A run records the supernet that scored it; resuming it with another supernet is refused."""

from __future__ import annotations

import pytest

from evo_cosearch.api import search
from evo_cosearch.archive import open_archive
from evo_cosearch.errors import InputError
from evo_cosearch.evaluate import file_sha256
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet.checkpoint import load_torch_file, save_atomic


def test_resume_with_another_supernet_is_refused(tiny_problem_path, tiny_ckpt, tmp_path):
    p = load_problem(tiny_problem_path)
    run = tmp_path / "run"
    search(p, out=run, pop=4, gens=1, seed=0, supernet=tiny_ckpt, quiet=True, progress=False).close()
    with open_archive(run) as arc:
        assert arc.meta.accuracy_source == {"supernet": str(tiny_ckpt), "sha256": file_sha256(tiny_ckpt)[:16]}
        n = len(arc.designs())

    other = tmp_path / "other.pt"
    ckpt = load_torch_file(tiny_ckpt, "supernet checkpoint")
    name = next(k for k, v in ckpt["model"].items() if v.is_floating_point())
    ckpt["model"][name] = ckpt["model"][name] + 0.5  # same configuration, other weights
    save_atomic(ckpt, other)
    with pytest.raises(InputError, match="scored by supernet .*tiny|use another --out"):
        search(p, out=run, pop=4, gens=2, seed=0, supernet=other, quiet=True, progress=False)
    with open_archive(run) as arc:
        assert len(arc.designs()) == n and arc.meta.gens == 1  # untouched

    search(p, out=run, pop=4, gens=2, seed=0, supernet=tiny_ckpt, quiet=True, progress=False).close()
    with open_archive(run) as arc:
        assert len(arc.designs()) == 2 * n


def test_missing_checkpoint_is_a_one_line_input_error(tmp_path):
    with pytest.raises(InputError, match="nope.pt: cannot read"):
        file_sha256(tmp_path / "nope.pt")
