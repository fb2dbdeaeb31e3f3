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


def test_a_demo_whose_output_is_closed_stops_with_141(tmp_path):
    """``demo | head``: the pipe's reader is gone before the first line. The demo ended quietly with exit
    code 0, as if it had run; now it stops as a search does, with 141 (128 + SIGPIPE), having done nothing."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "evo_cosearch", "demo", "--out", str(tmp_path / "demo")],
                              stdout=write_end, stderr=write_end, cwd=Path(__file__).parents[2],
                              env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    finally:
        os.close(write_end)
    assert done.returncode == 141 and list(tmp_path.iterdir()) == []


def test_a_closed_output_of_the_demo_is_said_where_stderr_can_take_it(tmp_path, capsys, monkeypatch):
    from evo_cosearch.cli import demo

    def closed(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")
    monkeypatch.setattr(demo, "print", closed, raising=False)
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 141
    assert capsys.readouterr().err == (f"stopped, its output was closed: {out}: the demo stopped before its search "
                                       "step; run the same command again to go on\n")
