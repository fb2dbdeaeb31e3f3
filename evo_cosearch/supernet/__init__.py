"""The weight-sharing, elastic, quantized supernet: training, child evaluation and extraction.

The names below are imported on first use (PEP 562), so that the torch-free
:mod:`evo_cosearch.supernet.config` -- which validates a problem file's ``supernet:`` and
``evaluation:`` sections -- can be imported without loading PyTorch.
"""

from __future__ import annotations

import numbers
from typing import Any

from evo_cosearch.errors import InputError, arg
from evo_cosearch.lazy import lazy_names

_HOME = {
    "ChildTrainResult": "child", "build_child": "child", "child_out_path": "child", "load_child": "child",
    "save_child": "child", "train_child": "child", "InputNormalization": "child", "SavedChild": "child",
    "EvaluationConfig": "config", "SupernetConfig": "config",
    "count_macs": "count", "count_params": "count",
    "EvalData": "evaluate", "accuracy": "evaluate", "child_accuracy": "evaluate", "eval_data": "evaluate",
    "evaluate_child": "evaluate", "recalibrate": "evaluate",
    "AccuracyEvaluator": "evaluator",
    "ChildNet": "layers",
    "Supernet": "network", "extract_child": "network",
    "random_spec": "sample", "template_of": "sample",
    "cached_supernet_path": "store", "check_supernet": "store", "ensure_supernet": "store",
    "load_supernet": "store", "problem_splits": "store", "supernet_meta": "store",
    "train_problem_supernet": "store",
    "TrainResult": "train", "train_supernet": "train",
}

#: The file name of a saved child (:func:`save_child`, :func:`load_child`) in an export folder
#: (``select --finetune``) and of a refined child (``RUN/refined/<id>/``). Defined here, not in
#: :mod:`.child`, so that the torch-free layers above can name it without loading PyTorch.
CHILD_PT = "child.pt"
#: Where trained supernets are cached (by network space and data): the default ``cache_dir`` of
#: :func:`ensure_supernet`, and the folder a run's supernet comes from (:mod:`evo_cosearch.runs`).
SUPERNET_CACHE = "results/supernets"
#: The largest seed of a training or an evaluation: torch's and numpy's generators both take 0 to it.
MAX_SEED = 2 ** 63 - 1

__all__ = sorted([*_HOME, "CHILD_PT", "MAX_SEED", "SUPERNET_CACHE", "check_seed", "seed_error"])


def check_seed(seed: Any) -> None:
    """Refuse a training or evaluation seed that is not an integer from 0 to :data:`MAX_SEED` (torch
    takes -1 without a word), as one line naming the ``seed`` argument as the caller spelled it."""
    if (wrong := seed_error(seed)) is not None:
        raise InputError(f"{arg('seed')}: {seed!r} {wrong}")


def seed_error(seed: Any) -> str | None:
    """What is wrong with ``seed`` as a training or evaluation seed (None: nothing), for a caller that
    says it its own way (the CLI's argparse type)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= MAX_SEED:
        return "must be an integer from 0 to 2**63 - 1"
    return None


__getattr__, __dir__ = lazy_names(__name__, globals(), _HOME)
