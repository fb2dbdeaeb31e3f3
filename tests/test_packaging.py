"""The wheel holds every module of the package, the ready problem files (pyproject.toml lists
the packages by hand, to map problems/ into the package) and the PEP 561 marker."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import evo_cosearch

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_carries_every_module_and_ready_problem(tmp_path):
    src = tmp_path / "src"  # a copy: building writes build/ and *.egg-info beside the sources
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("evo_cosearch", "problems"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("evo_cosearch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "evo_cosearch").rglob("*.py")}
    assert modules - names == set()
    problems = {f"evo_cosearch/problems/{p.name}" for p in (ROOT / "problems").glob("*.yaml")}
    assert len(problems) >= 7 and problems - names == set()
    assert "evo_cosearch/problems/README.md" in names
    assert "evo_cosearch/py.typed" in names  # its annotations reach a user's type checker
    assert wheel.name.startswith(f"evo_cosearch-{evo_cosearch.__version__}-")  # one version, however asked
