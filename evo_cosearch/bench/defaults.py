"""The defaults of the benchmarks that load PyTorch or pymoo: problems, data, budgets, output paths.

They live here, free of both, so that the CLI shows them in ``--help`` without loading a
benchmark. Each benchmark module takes its own under its own names (``bench.supernet``'s
``DEFAULT_PROBLEM`` is :data:`SUPERNET_PROBLEM`, ``bench.joint``'s ``RESULT_PATH`` is
:data:`JOINT_RESULT_PATH`).
"""

from __future__ import annotations

from evo_cosearch.bench.output import RESULTS_DIR, RUNS_ROOT
from evo_cosearch.problem import ready_problem

__all__ = ["SUPERNET_PROBLEM", "SUPERNET_DATA", "SUPERNET_CKPT", "SEARCH_PROBLEM", "STRATEGIES_PROBLEM",
           "STRATEGIES_NAME", "STRATEGIES_RUNS_DIR", "STRATEGIES_RESULT_PATH", "STRATEGIES_FIGURE_PATH",
           "STRATEGIES_POP", "STRATEGIES_GENS", "JOINT_PROBLEM", "JOINT_NAME", "JOINT_RUNS_DIR", "JOINT_RESULT_PATH",
           "AUTOQKERAS_PROBLEM"]

# bench supernet-speed | supernet-train | supernet-ranking (evo_cosearch.bench.supernet)
SUPERNET_PROBLEM = str(ready_problem("joint_fashion_mnist"))
SUPERNET_DATA = "../shared/data/fashion_mnist.npz"  # the default problems' data in this repository's workspace
SUPERNET_CKPT = "results/supernets/bench_fashion.pt"  # where bench supernet-train writes by default

# bench search-overhead (evo_cosearch.bench.search)
SEARCH_PROBLEM = ready_problem("demo_digits")

# bench strategies (evo_cosearch.bench.compare)
STRATEGIES_PROBLEM = str(ready_problem("demo_digits"))
#: The output name (:func:`~evo_cosearch.bench.output.output_name`): the default problem's run
#: folder, JSON and figure are the three below; another problem's end in ``-<problem name>``
#: (:func:`~evo_cosearch.bench.compare.runs_dir`: ``results/runs/strategies-<problem name>``,
#: ``…/strategies-<problem name>.json``, ``…/strategies-<problem name>_hv.png``).
STRATEGIES_NAME = "strategies"
STRATEGIES_RUNS_DIR = RUNS_ROOT / STRATEGIES_NAME
STRATEGIES_RESULT_PATH = RESULTS_DIR / f"{STRATEGIES_NAME}.json"
STRATEGIES_FIGURE_PATH = RESULTS_DIR / f"{STRATEGIES_NAME}_hv.png"
#: Default budget: designs per generation x generations (1000 designs). With this budget NSGA-II
#: did better with more, smaller generations than with 50 x 20 (README, head-to-head).
STRATEGIES_POP, STRATEGIES_GENS = 25, 40

# bench joint (evo_cosearch.bench.joint)
JOINT_PROBLEM = str(ready_problem("demo_digits"))
#: The output name (:func:`~evo_cosearch.bench.output.output_name`): the default problem's run
#: folder and JSON are the two below; another problem's end in ``-<problem name>``.
JOINT_NAME = "joint_vs_separate"
JOINT_RUNS_DIR = RUNS_ROOT / JOINT_NAME
JOINT_RESULT_PATH = RESULTS_DIR / f"{JOINT_NAME}.json"

# bench autoqkeras (evo_cosearch.bench.autoqkeras)
AUTOQKERAS_PROBLEM = str(ready_problem("autoqkeras_fashion_mnist"))
