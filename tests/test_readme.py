"""The README's example commands: each one parses, and what it writes goes under ``results/``
(git-ignored), so following the README from a checkout leaves the checkout clean."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from evo_cosearch.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ("evo-cosearch ", ".venv/bin/evo-cosearch ")
#: Parsed options that name where a command writes.
OUTPUTS = ("out", "export", "json", "output")


def readme_commands() -> list[list[str]]:
    """The ``evo-cosearch`` command lines of the README's ``bash`` and ``text`` blocks, as argv."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|text)\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.strip().removeprefix("$ ")
            for program in PROGRAMS:
                if line.startswith(program):
                    commands.append(shlex.split(line[len(program):], comments=True))
    return commands


def test_the_readme_has_commands_to_check():
    assert {argv[0] for argv in readme_commands()} >= {"search", "plot", "select", "bench"}


@pytest.mark.parametrize("argv", readme_commands(), ids=" ".join)
def test_a_readme_command_parses_and_writes_under_results(argv):
    args = build_parser().parse_args(argv)
    for dest in OUTPUTS:
        path = getattr(args, dest, None)
        if path is not None and not path.isupper():  # a placeholder such as CKPT stands for the reader's own path
            assert Path(path).parts[0] == "results", f"{' '.join(argv)}: --{dest} {path} is not under results/"


def readme_python(heading: str) -> list[str]:
    """The ``python`` blocks of the README section under ``heading``."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_from_python_examples_run_as_written(tmp_path, monkeypatch):
    """The examples, in a folder where the README's relative paths hold (a small budget, scored by the
    proxy, and a supernet of one epoch: the API is what is checked, not a supernet)."""
    import evo_cosearch as ec
    from evo_cosearch.cli import main
    from evo_cosearch.evaluate import ProxyAccuracy
    from evo_cosearch.problem import load_problem

    search, load_child_example, commands = readme_python("## From Python")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "problems").symlink_to(ROOT / "problems")
    real = ec.search

    def small(problem, **kwargs):
        return real(problem, **{**kwargs, "pop": 4, "gens": 1, "quiet": True,
                                "accuracy_fn": ProxyAccuracy(load_problem(problem))})

    monkeypatch.setattr(ec, "search", small)
    ns: dict = {}
    exec(compile(search, "README.md", "exec"), ns)  # noqa: S102 - our own README
    ns["arc"].close()
    child = re.search(r'load_child\("([^"]+)"\)', load_child_example).group(1)
    n_var = load_problem("problems/demo_digits.yaml").space.n_var
    assert main(["train-child", "--problem", "problems/demo_digits.yaml", "--genome", ",".join(["0"] * n_var),
                 "--epochs", "0", "--out", child, "--format", "json"]) == 0
    ns = {}
    exec(compile(load_child_example, "README.md", "exec"), ns)  # noqa: S102
    assert tuple(ns["logits"].shape) == (len(ns["images"]), 10)
    supernet = re.search(r'supernet="([^"]+)"', commands).group(1)
    assert main(["train-supernet", "--problem", "problems/demo_digits.yaml", "--epochs", "1", "--out", supernet,
                 "--quiet"]) == 0
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(commands, "README.md", "exec"), ns)  # noqa: S102
    assert out.getvalue().startswith("template=edge, ")  # simulate's table
    assert 0 <= ns["scored"].accuracy <= 1 and 0 <= ns["child"].test_accuracy <= 1
    assert ns["child"].out.is_file() and ns["scored"].macs == ns["sim"].totals.macs
