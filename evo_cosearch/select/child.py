"""Train one design's child network (``evo-cosearch train-child``): stand-alone from fresh weights, or
fine-tuned from a supernet's, tested, and saved where asked."""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from evo_cosearch.errors import InputError, arg
from evo_cosearch.io.designfile import genome_of
from evo_cosearch.supernet import check_seed

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem
    from evo_cosearch.space import NetworkSpec

__all__ = ["TrainedChild", "train_design_child", "trained_child_line"]


@dataclass(frozen=True)
class TrainedChild:
    """A trained child, its accuracies (fractions), and the files its saving wrote and removed."""

    module: object   # evo_cosearch.supernet.ChildNet (torch stays out of this module's imports)
    spec: "NetworkSpec"
    val_accuracy: float
    test_accuracy: float
    epochs: int
    out: Path | None                   # where it was saved (None: not saved)
    removed: tuple[Path, ...] = ()     # what the saved child replaced in an export (finetune.json, child.onnx)

    def report(self) -> dict[str, Any]:
        """``train-child --format json``: test and validation accuracy, and the epochs trained."""
        return {"test_accuracy": self.test_accuracy, "val_accuracy": self.val_accuracy, "epochs": self.epochs}


def train_design_child(problem: "Problem", genome: str | os.PathLike | Sequence[int], *, epochs: int,
                       supernet: str | Path | None = None, out: str | Path | None = None, lr: float = 0.05,
                       seed: int = 0, progress: bool = False, device: str | None = None) -> TrainedChild:
    """Train the child of ``genome`` (gene indices, ``"I,J,..."``, or an exported design.json of
    ``problem``) for ``epochs`` on ``problem``'s train split (0: evaluate it as it starts), from the
    weights of the ``supernet`` checkpoint if given, else from scratch, at peak learning rate ``lr``;
    test it, and save it as ``out`` if given (checked before training: a new file or a saved child of the
    same network; as an export's ``child.pt`` it replaces that export's fine-tuned child). ``device``
    (``"cuda"``, ``"cuda:N"``; default the CPU) is where it trains."""
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise InputError(f"{arg('epochs')}: {epochs!r} is not an integer")
    if epochs < 0:
        raise InputError(f"{arg('epochs')}: {epochs} must be >= 0")
    if not (lr > 0 and math.isfinite(lr)):
        raise InputError(f"{arg('lr')}: {lr} must be a finite number > 0")
    check_seed(seed)
    from evo_cosearch.select.finetune import save_trained_child
    from evo_cosearch.supernet import InputNormalization, child_out_path, load_supernet, problem_splits, train_child
    from evo_cosearch.supernet.runtime import training_device

    training_device(device)  # refused before anything is read
    X = genome_of(problem, genome)
    spec = problem.design(X).network
    path = child_out_path(out, spec, remedy=f"choose another {arg('out')}") if out is not None else None  # '': an error
    net = load_supernet(problem, supernet) if supernet is not None else None
    splits = problem_splits(problem)
    result = train_child(spec, splits, epochs=epochs, supernet=net, seed=seed, lr=lr, progress=progress, device=device)
    removed = ()
    if path is not None:
        removed = save_trained_child(path, result.module, spec, input_normalization=InputNormalization.of(splits))
    return TrainedChild(result.module, spec, result.val_accuracy, result.test_accuracy, epochs, path, removed)


def trained_child_line(done: TrainedChild) -> str:
    """``train-child``'s line: test accuracy, then validation accuracy and epochs."""
    return (f"test accuracy {done.test_accuracy:.4f}  (validation {done.val_accuracy:.4f}, "
            f"{done.epochs} epoch{'s' * (done.epochs != 1)})")
