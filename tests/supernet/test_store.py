"""Where a problem's supernet is cached: one file per network, data, supernet section and seed."""

from __future__ import annotations

from pathlib import Path

from evo_cosearch.problem import load_problem
from evo_cosearch.supernet import cached_supernet_path

DIGITS = Path(__file__).resolve().parents[2] / "problems" / "demo_digits.yaml"


def test_a_copy_of_a_problem_keeping_its_name_shares_the_cached_supernet_only_when_it_trains_the_same(tmp_path):
    text = DIGITS.read_text()
    edits = {"same": text, "supernet": text.replace("epochs: 20", "epochs: 2"),
             "network": text.replace("kernel: [3, 5, 7]", "kernel: [3, 5]"),
             "data": text.replace("val_fraction: 0.2", "val_fraction: 0.25"),
             "search": text.replace("mutation_prob: 0.067", "mutation_prob: 0.1")}
    paths = {}
    for what, edited in edits.items():
        (tmp_path / what).mkdir()
        (tmp_path / what / "demo_digits.yaml").write_text(edited)
        paths[what] = cached_supernet_path(load_problem(tmp_path / what / "demo_digits.yaml"), cache_dir=tmp_path)
    original = cached_supernet_path(load_problem(DIGITS), cache_dir=tmp_path)
    assert all(p.parent == tmp_path and p.name.startswith("demo_digits-") for p in paths.values())
    assert paths["same"] == paths["search"] == original  # the supernet trains on neither the file's place nor search:
    assert len({original, paths["supernet"], paths["network"], paths["data"]}) == 4
    assert not any(tmp_path.glob("*.pt"))  # a path only: nothing trained
