"""The example script runs a ready problem through the public API end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pareto_search_example_prints_the_front(tmp_path):
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "pareto_search.py"), str(ROOT / "problems" / "demo_digits.yaml"),
         "--out", str(out), "--pop", "8", "--gens", "2", "--proxy-accuracy"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert "Pareto designs of 16 evaluated" in first
    assert (out / "archive.sqlite").exists()
    rows = proc.stdout.splitlines()[2:]
    assert rows and all(len(r.split()) == 5 for r in rows)


def test_pareto_search_example_runs_its_default_problem_from_any_folder(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "pareto_search.py"), "--pop", "4", "--gens", "1", "--proxy-accuracy"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Pareto designs of 4 evaluated" in proc.stdout.splitlines()[0]
    assert (tmp_path / "results" / "runs" / "script" / "archive.sqlite").exists()
