"""Reading a problem file: its supernet and evaluation sections are checked without PyTorch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_reading_a_problem_does_not_import_torch():
    code = ("import sys; from evo_cosearch.problem import load_problem; "
            "load_problem('problems/demo_digits.yaml'); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
