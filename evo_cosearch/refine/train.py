"""Joint training of a masked child's weights and mask logits on task loss + lambda * cost.

Each step samples hard masks (straight-through, :mod:`evo_cosearch.refine.masks`), computes
``cross_entropy + lam * cost(theta)`` with the expected cost of :func:`expected_cost`, and
takes one step of SGD (Nesterov, cosine learning rate; the weights) and one of Adam (the
logits). All randomness comes from the seed: batch order and mask samples use their own
``torch.Generator``. It trains on :func:`training_threads`, as a supernet or a child does, so
``OMP_NUM_THREADS`` does not change the result.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from evo_cosearch.data import Splits
from evo_cosearch.engine.settings import SEED_END
from evo_cosearch.errors import InputError, arg
from evo_cosearch.refine.cost import COSTS, CostTerms, expected_cost
from evo_cosearch.refine.model import MaskedChild
from evo_cosearch.supernet.runtime import configure_torch, training_threads

__all__ = ["RefineSettings", "EpochStat", "train_masked", "masked_cost"]


@dataclass(frozen=True)
class RefineSettings:
    """How one design is refined (see ``evo-cosearch refine --help``)."""

    epochs: int = 5
    lam: float = 1.0            # weight of the normalised cost in the loss
    cost: str = "macs"          # macs | latency | energy
    threshold: float = 0.5      # channels with keep probability below it are removed
    seed: int | None = None     # None: the run's seed
    tau: float = 0.5            # temperature of the relaxed Bernoulli samples
    init_keep: float = 0.9      # initial keep probability of every channel
    lr: float = 0.05            # weights: SGD with Nesterov momentum, cosine schedule
    mask_lr: float = 0.1        # mask logits: Adam
    batch_size: int = 64
    from_scratch: bool = False  # start from fresh weights instead of the supernet's

    def check(self) -> None:
        """Raise :class:`InputError` naming the first bad setting."""
        if self.epochs < 1:
            raise InputError(f"{arg('epochs')}: {self.epochs} must be >= 1")
        if not (self.lam >= 0 and math.isfinite(self.lam)):
            raise InputError(f"{arg('lam')}: {self.lam} must be a finite number >= 0")
        if self.cost not in COSTS:
            raise InputError(f"{arg('cost')}: {self.cost!r} is not one of {', '.join(COSTS)}")
        if not 0.0 < self.threshold < 1.0:
            raise InputError(f"{arg('threshold')}: {self.threshold} must be in (0, 1)")
        if not (self.tau > 0 and math.isfinite(self.tau)):  # an infinite temperature masks every channel
            raise InputError(f"{arg('tau')}: {self.tau} must be a finite number > 0")
        if self.seed is not None and not 0 <= self.seed < SEED_END:
            raise InputError(f"{arg('seed')}: {self.seed} must be in [0, 2**64)")
        if not 0.0 < self.init_keep < 1.0:
            raise InputError(f"{arg('init_keep')}: {self.init_keep} must be in (0, 1)")
        if not (self.lr > 0 and self.mask_lr > 0) or self.batch_size < 2:
            raise InputError("learning rates must be > 0 and the batch size >= 2")


@dataclass(frozen=True)
class EpochStat:
    epoch: int
    loss: float
    task_loss: float
    cost: float                 # expected normalised cost at the end of the epoch
    kept: int                   # hidden channels above the threshold at the end of the epoch


def masked_cost(model: MaskedChild, terms: CostTerms) -> torch.Tensor:
    """The expected normalised cost of ``model``'s current mask logits (differentiable)."""
    return expected_cost(terms, {name: m.expected() for name, m in model.masks().items()})


def train_masked(model: MaskedChild, terms: CostTerms, splits: Splits, settings: RefineSettings, *, seed: int,
                 progress: bool = False) -> tuple[EpochStat, ...]:
    """Train ``model`` in place for ``settings.epochs`` epochs; per-epoch statistics."""
    configure_torch(threads=training_threads())
    torch.use_deterministic_algorithms(True, warn_only=True)
    opt_w = torch.optim.SGD(model.weight_parameters(), lr=settings.lr, momentum=0.9, nesterov=True,
                            weight_decay=4e-5)
    opt_m = torch.optim.Adam(model.mask_parameters(), lr=settings.mask_lr)
    gen = torch.Generator().manual_seed(seed)
    train_x = splits.train_x.contiguous(memory_format=torch.channels_last)
    n = len(train_x)
    bs = min(settings.batch_size, n)
    steps = max(1, n // bs)
    total = steps * settings.epochs
    history = []
    for epoch in range(settings.epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        sum_loss = sum_task = 0.0
        for i in range(steps):
            for g in opt_w.param_groups:
                g["lr"] = 0.5 * settings.lr * (1 + math.cos(math.pi * (epoch * steps + i) / total))
            idx = perm[i * bs:(i + 1) * bs]
            opt_w.zero_grad(set_to_none=True)
            opt_m.zero_grad(set_to_none=True)
            task = F.cross_entropy(model(train_x[idx]), splits.train_y[idx])
            loss = task + settings.lam * masked_cost(model, terms) if settings.lam else task
            loss.backward()
            opt_w.step()
            opt_m.step()
            sum_loss += loss.item()
            sum_task += task.item()
        if not math.isfinite(sum_loss):  # the weights or logits are no longer numbers: nothing to prune by
            raise InputError(f"{arg('lam', settings.lam)}: the loss became {sum_loss} in epoch {epoch + 1}; the "
                             f"training diverged (a smaller {arg('lam')} trains)")
        with torch.no_grad():
            cost = float(masked_cost(model, terms))
        kept = sum(int(k.numel()) for k in model.kept(settings.threshold).values())
        history.append(EpochStat(epoch + 1, sum_loss / steps, sum_task / steps, cost, kept))
        if progress:
            h = history[-1]
            print(f"refine epoch {h.epoch}/{settings.epochs}: loss {h.loss:.3f} (task {h.task_loss:.3f}), "
                  f"expected {terms.kind} {100 * h.cost:.1f} %, {h.kept} hidden channels kept",
                  file=sys.stderr, flush=True)
    model.eval()
    return tuple(history)
