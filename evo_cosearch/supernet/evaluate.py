"""Child evaluation: BatchNorm/activation-range recalibration, then batched inference accuracy.

A child is extracted from the supernet (a small stand-alone module), its BatchNorm
statistics and activation ranges are re-estimated on a fixed subset of training images,
and its accuracy is measured on the validation split in inference mode (channels_last,
BatchNorm folded into the convolutions).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from evo_cosearch.data import Splits
from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.supernet.config import EvaluationConfig
from evo_cosearch.supernet.layers import ChildNet, fold_batchnorm
from evo_cosearch.supernet.network import Supernet, extract_child
from evo_cosearch.supernet.quant import ActQuant

__all__ = ["EvalData", "eval_data", "recalibrate", "accuracy", "child_accuracy", "evaluate_child"]


@dataclass(frozen=True)
class EvalData:
    """The fixed images a child evaluation uses (chosen once from the seed)."""

    recal_x: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    batch_size: int


def eval_data(splits: Splits, cfg: EvaluationConfig, *, seed: int = 0) -> EvalData:
    g = torch.Generator().manual_seed(seed)
    recal = torch.randperm(len(splits.train_x), generator=g)[: cfg.recal_images]
    n_val = len(splits.val_x) if cfg.val_images is None else min(cfg.val_images, len(splits.val_x))
    cl = torch.channels_last
    return EvalData(recal_x=splits.train_x[recal].contiguous(memory_format=cl),
                    val_x=splits.val_x[:n_val].contiguous(memory_format=cl), val_y=splits.val_y[:n_val],
                    batch_size=cfg.batch_size)


@torch.no_grad()
def recalibrate(model: nn.Module, images: torch.Tensor, *, batch_size: int) -> None:
    """Re-estimate BatchNorm statistics and activation ranges as cumulative means over ``images``."""
    saved = []
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            saved.append((m, m.momentum))
            m.momentum = None
        elif isinstance(m, ActQuant):
            m.reset_range()
            saved.append((m, m.momentum))
            m.momentum = None
    was_training = model.training
    model.train()
    try:
        for i in range(0, len(images), batch_size):
            model(images[i:i + batch_size])
    finally:
        for m, momentum in saved:
            m.momentum = momentum
        model.train(was_training)


@torch.inference_mode()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int) -> float:
    """Top-1 accuracy in [0, 1] of ``model`` (evaluation mode) on ``x, y``."""
    model.eval()
    correct = 0
    for i in range(0, len(x), batch_size):
        correct += int((model(x[i:i + batch_size]).argmax(1) == y[i:i + batch_size]).sum())
    return correct / max(1, len(x))


def child_accuracy(child: ChildNet, data: EvalData) -> float:
    """Validation accuracy of ``child`` as every archived accuracy is measured: ``child`` is made
    channels_last and recalibrated in place, then evaluated with BatchNorm folded."""
    child.to(memory_format=torch.channels_last)  # another memory format sums in another order
    recalibrate(child, data.recal_x, batch_size=data.batch_size)
    folded = fold_batchnorm(child.eval()).to(memory_format=torch.channels_last)
    return accuracy(folded, data.val_x, data.val_y, batch_size=data.batch_size)


def evaluate_child(supernet: Supernet, spec: NetworkSpec, data: EvalData) -> float:
    """Validation accuracy of ``spec`` with inherited weights (after recalibration)."""
    return child_accuracy(extract_child(supernet, spec), data)
