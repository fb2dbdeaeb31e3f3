"""FiGS-style refinement of an archived design: channel masks, differentiable cost, pruning."""

from evo_cosearch.refine.cost import COSTS, CostTerms, cost_terms, expected_cost
from evo_cosearch.refine.masks import ChannelMask
from evo_cosearch.refine.model import MaskedChild, mask_child, narrow_child
from evo_cosearch.refine.refine import REFINED_DIR, STRATEGY, Figures, Refined, load_refined, refine_design
from evo_cosearch.refine.report import refine_table
from evo_cosearch.refine.train import EpochStat, RefineSettings, masked_cost, train_masked
from evo_cosearch.refine.workload import PrunableBlock, prunable_blocks, refined_workload

__all__ = [
    "COSTS", "ChannelMask", "CostTerms", "EpochStat", "Figures", "MaskedChild", "PrunableBlock", "REFINED_DIR",
    "RefineSettings", "Refined", "STRATEGY", "cost_terms", "expected_cost", "load_refined", "mask_child",
    "masked_cost", "narrow_child", "prunable_blocks", "refine_design", "refine_table", "refined_workload",
    "train_masked",
]
