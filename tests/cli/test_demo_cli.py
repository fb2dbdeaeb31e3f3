"""``evo-cosearch demo``: its sizes reach the search as given."""

from __future__ import annotations

import pytest

from evo_cosearch.cli import main


@pytest.mark.parametrize("flag", ["--pop", "--gens"])
def test_a_size_of_zero_is_refused_not_replaced_by_the_problems_default(flag, tmp_path, monkeypatch, capsys):
    # a zero used to be dropped, so the demo trained a supernet and ran the problem's full 24 x 10 search
    monkeypatch.chdir(tmp_path)
    assert main(["demo", flag, "0"]) == 2
    out, err = capsys.readouterr()
    assert f"$ evo-cosearch search --problem demo_digits --out results/demo/run {flag} 0\n" in out
    assert err.startswith(f"error: {flag}: 0 is not an integer >= ") and "demo: step 'search' failed (exit 2)" in out
    assert list(tmp_path.iterdir()) == []


def test_a_demo_that_fails_before_choosing_keeps_the_earlier_demos_choice(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    chosen = tmp_path / "results" / "demo" / "chosen"
    chosen.mkdir(parents=True)
    (chosen / "design.json").write_text("{}")  # an earlier demo's export
    assert main(["demo", "--gens", "0"]) == 2  # the search step fails
    assert (chosen / "design.json").read_text() == "{}"
