"""The weight-sharing, elastic, quantized supernet: training, child evaluation and extraction."""

from evo_cosearch.supernet.child import ChildTrainResult, build_child, load_child, save_child, train_child
from evo_cosearch.supernet.config import EvaluationConfig, SupernetConfig
from evo_cosearch.supernet.count import count_macs, count_params
from evo_cosearch.supernet.evaluate import EvalData, accuracy, eval_data, evaluate_child, recalibrate
from evo_cosearch.supernet.evaluator import AccuracyEvaluator
from evo_cosearch.supernet.layers import ChildNet
from evo_cosearch.supernet.network import Supernet, extract_child
from evo_cosearch.supernet.sample import random_spec, template_of
from evo_cosearch.supernet.store import (
    ensure_supernet, load_supernet, problem_splits, supernet_meta, train_problem_supernet,
)
from evo_cosearch.supernet.train import TrainResult, train_supernet

__all__ = [
    "AccuracyEvaluator", "ChildNet", "ChildTrainResult", "EvalData", "EvaluationConfig", "Supernet",
    "SupernetConfig", "TrainResult", "accuracy", "build_child", "count_macs", "count_params", "ensure_supernet",
    "eval_data", "evaluate_child", "extract_child", "load_child", "load_supernet", "problem_splits",
    "random_spec", "recalibrate", "save_child", "supernet_meta", "template_of", "train_child",
    "train_problem_supernet", "train_supernet",
]
