"""Choose a design from a run archive (filters + rules) and export it."""

from evo_cosearch.select.choose import (
    Knee, NoMatch, Reward, Rule, Score, Selection, Weights, reference_row, select_design,
)
from evo_cosearch.select.child import TrainedChild, train_design_child
from evo_cosearch.select.evaluation import EvaluatedDesign, evaluate_design
from evo_cosearch.select.export import Export, check_export_folder, design_record, export_design
from evo_cosearch.select.filters import Bounds, Violation
from evo_cosearch.select.finetune import Finetuned, finetune, save_finetuned, save_trained_child
from evo_cosearch.select.rules import (
    REWARD_MODES, ScoreParams, asf, energy_score, nahas_reward, pseudo_weight_distance, tradeoff,
)

__all__ = [
    "Bounds", "EvaluatedDesign", "Export", "check_export_folder", "Finetuned", "Knee", "NoMatch", "REWARD_MODES",
    "Reward", "Rule", "Score", "ScoreParams",
    "Selection", "Violation", "Weights", "asf", "design_record", "energy_score", "evaluate_design", "export_design",
    "finetune", "nahas_reward", "pseudo_weight_distance", "reference_row", "save_finetuned", "save_trained_child",
    "select_design", "tradeoff", "TrainedChild", "train_design_child",
]
