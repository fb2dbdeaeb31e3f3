"""``evo-cosearch demo``: the main job end to end on the embedded digits data.

search (training and caching the supernet first) -> plot -> select (knee) -> export,
through the same commands a user types; prints where the figures and the design are.
"""

from __future__ import annotations

import time
from pathlib import Path

from evo_cosearch.cli import problem_help
from evo_cosearch.errors import OutputClosed

DEMO_PROBLEM = "demo_digits"  # a ready problem (problems/demo_digits.yaml), found wherever the package is installed


def register(sub) -> None:
    p = sub.add_parser("demo", help="search -> plot -> select -> export on the embedded digits problem")
    p.add_argument("--problem", default=DEMO_PROBLEM, help=problem_help(DEMO_PROBLEM))
    p.add_argument("--out", default="results/demo", help="output directory (default: results/demo)")
    p.add_argument("--pop", type=int, help="population size (default: the problem's)")
    p.add_argument("--gens", type=int, help="generations (default: the problem's)")
    p.set_defaults(handler=run)


def run(args) -> int:
    from evo_cosearch.cli import main

    out = Path(args.out)
    run_dir, plots, chosen = out / "run", out / "plots", out / "chosen"
    sizes = [*(["--pop", str(args.pop)] if args.pop is not None else []),  # 0 is search's error, not a default
             *(["--gens", str(args.gens)] if args.gens is not None else [])]
    steps = [
        ("search", ["search", "--problem", args.problem, "--out", str(run_dir), *sizes]),
        ("plot", ["plot", str(run_dir), "--out", str(plots)]),
        ("select", ["select", str(run_dir), "--by", "knee", "--export", str(chosen)]),
    ]
    from evo_cosearch.select.export import DESIGN_JSON, SCALESIM_CFG, TOPOLOGY_CSV
    from evo_cosearch.select.finetune import CHILD_JSON, CHILD_ONNX, FINETUNE_JSON
    from evo_cosearch.supernet import CHILD_PT

    start = time.perf_counter()
    for name, argv in steps:
        if name == "select":  # replaces an earlier demo's choice (say, with other --gens) and a child
            # fine-tuned from it by hand; only now, so that a search or plot that fails leaves them be
            for old in (DESIGN_JSON, SCALESIM_CFG, TOPOLOGY_CSV, CHILD_PT, CHILD_JSON, FINETUNE_JSON, CHILD_ONNX):
                (chosen / old).unlink(missing_ok=True)
        try:
            print(f"\n$ evo-cosearch {' '.join(argv)}", flush=True)
        except BrokenPipeError:  # the output's reader gone (`| head`): stop as a step stops (exit 141)
            raise OutputClosed(f"{out}: the demo stopped before its {name} step; run the same command again to "
                               "go on") from None
        rc = main(argv)  # a step whose output closes says what it kept and exits with 141
        if rc != 0:
            print(f"demo: step {name!r} failed (exit {rc})")
            return rc
    print(f"\ndemo finished in {time.perf_counter() - start:.0f} s")
    print(f"  archive : {run_dir / 'archive.sqlite'}")
    print(f"  figures : {plots}/")
    print(f"  design  : {chosen / 'design.json'} (+ scalesim.cfg, topology.csv for SCALE-Sim)")
    return 0
