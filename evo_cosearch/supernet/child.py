"""Stand-alone children: build from scratch, train or fine-tune, save and load.

A saved child is a ``torch.save`` of ``{"state_dict": ..., "spec": <architecture JSON>, "input":
<JSON {mean, std}: the child reads (pixel - mean) / std>}``, and a refined child's also of
``REFINED_KEY: <JSON {block: hidden channels}>``; loading rebuilds the architecture
from the JSON and reads the file with ``weights_only=True``, and hands back a :class:`SavedChild`:
the network, its spec and its :class:`InputNormalization`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

import torch
import torch.nn.functional as F
from tqdm import tqdm

from evo_cosearch.data import Splits
from evo_cosearch.errors import InputError, as_called
from evo_cosearch.files import given_path, writable_path
from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.supernet.checkpoint import load_torch_file, save_atomic
from evo_cosearch.supernet.evaluate import accuracy, recalibrate
from evo_cosearch.supernet.layers import ChildNet
from evo_cosearch.supernet.network import Supernet, extract_child
from evo_cosearch.supernet.runtime import configure_torch, training_device, training_threads
from evo_cosearch.supernet.sample import template_of

if TYPE_CHECKING:
    import numpy as np

__all__ = ["REFINED_KEY", "build_child", "child_out_path", "save_child", "load_child", "train_child",
           "ChildTrainResult", "CHILD_FORMAT", "InputNormalization", "SavedChild", "read_normalization"]

#: Version of what a stand-alone child is and how it trains (its modules, their initialisation,
#: the quantizers, :func:`train_child`); results kept of earlier trainings are keyed by it. The
#: supernet's checkpoint ``FORMAT`` also covers its training recipe, which a child never sees.
CHILD_FORMAT = 2


def build_child(spec: NetworkSpec, *, seed: int = 0) -> ChildNet:
    """A freshly initialised stand-alone child (seeded)."""
    torch.manual_seed(seed)
    return extract_child(Supernet(template_of(spec)), spec).train()


@dataclass(frozen=True)
class InputNormalization:
    """What a child reads: ``(pixels - mean) / std``, NCHW float32, the pixels as the dataset
    stores them (0..255 for the MNIST family and CIFAR-10, 0..16 for digits), ``mean`` and
    ``std`` those of the training split. ``norm(pixels)`` applies it."""

    mean: float
    std: float

    def __call__(self, pixels: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``pixels`` (a tensor or array of any number type, NCHW) as the child's float32 input."""
        return (torch.as_tensor(pixels, dtype=torch.float32) - self.mean) / self.std

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "std": self.std}

    @classmethod
    def of(cls, splits: Splits) -> InputNormalization:
        """The normalization ``splits`` applied to its images (its training split's mean and std)."""
        return cls(float(splits.mean), float(splits.std))


@dataclass(frozen=True)
class SavedChild:
    """A saved child, loaded: the network in eval mode, its architecture, the normalization its
    input needs (None: a file saved before children recorded it) and, for a refined child, the
    hidden widths its channels were pruned to (empty: not pruned).

    ``logits = saved.module(saved.input_normalization(pixels))``."""

    module: ChildNet
    spec: NetworkSpec
    input_normalization: InputNormalization | None
    hidden: Mapping[str, int] = field(default_factory=dict)


def save_child(path: str | Path, module: ChildNet, spec: NetworkSpec, *,
               input_normalization: InputNormalization | Mapping[str, float],
               hidden: Mapping[str, int] | None = None) -> None:
    """Save ``module`` with its architecture and the ``{mean, std}`` its input is normalised with;
    ``hidden``: a refined child's pruned widths (``module`` is ``spec`` narrowed to them), which
    make it a file :func:`load_child` refuses and :func:`evo_cosearch.refine.load_refined` loads."""
    norm = input_normalization.to_dict() if isinstance(input_normalization, InputNormalization) \
        else dict(input_normalization)
    obj = {"state_dict": module.state_dict(), "spec": json.dumps(spec.to_dict()), "input": json.dumps(norm)}
    if hidden is not None:
        obj[REFINED_KEY] = json.dumps({k: int(v) for k, v in hidden.items()})
    save_atomic(obj, given_path(path, "child checkpoint"))  # "": an error, not a rename onto the current folder


def read_normalization(obj: Mapping[str, Any], path: Path) -> InputNormalization | None:
    """The :class:`InputNormalization` a saved child's file records (None: it records none); one
    that is not a finite ``mean`` and a finite, non-zero ``std`` is an :class:`InputError`."""
    if "input" not in obj:
        return None
    try:
        saved = json.loads(obj["input"])
        norm = InputNormalization(float(saved["mean"]), float(saved["std"]))
    except (TypeError, ValueError, KeyError):
        norm = None
    if norm is None or not (math.isfinite(norm.mean) and math.isfinite(norm.std) and norm.std != 0):
        raise InputError(f"{path}: its input normalization {obj['input']!r} is not a finite mean and a non-zero std")
    return norm


#: What a refined child (``evo-cosearch refine``'s ``RUN/refined/<id>/child.pt``) records beside a
#: saved child's keys: the hidden widths its channels were pruned to, so it is another network.
REFINED_KEY = "hidden"


def _read_saved(path: Path) -> tuple[dict, NetworkSpec]:
    obj = load_torch_file(path, "child file")
    try:
        return obj, NetworkSpec.from_dict(json.loads(obj["spec"]))
    except Exception as exc:
        raise InputError(f"{path}: not a saved child ({exc.__class__.__name__})") from None


def child_out_path(path: str | Path, spec: NetworkSpec, *, remedy: str | None = None) -> Path:
    """``path`` checked, before training, as where to save a child of ``spec``: a new file, or a
    saved child of the same network (an earlier training of it, which is replaced); anything else
    there (a supernet checkpoint, another network's child, a refined child) is refused, not overwritten.
    ``remedy``: what the refusal tells the user to do instead of removing the file (default: choose
    another ``path``, the CLI's ``--out``)."""
    p = writable_path(path, "child checkpoint")
    remedy = f"choose another {as_called('--out', 'path')}" if remedy is None else remedy
    if p.exists():
        try:
            obj, saved = _read_saved(p)
        except InputError:
            raise InputError(f"{p}: exists and is not a saved child; remove it or {remedy}") from None
        if REFINED_KEY in obj:  # its spec is its unpruned source's: the same spec is another network
            raise InputError(f"{p}: holds a refined child (evo-cosearch refine); remove it or {remedy}")
        if saved != spec:
            raise InputError(f"{p}: holds a child of another network; remove it or {remedy}")
    return p


def load_child(path: str | Path) -> SavedChild:
    """A child saved by ``train-child --out`` or ``select --finetune`` (``child.pt``): its network in
    eval mode, its spec and the :class:`InputNormalization` that turns raw pixels into its input. A
    refined child is refused (it loads with :func:`evo_cosearch.refine.load_refined`)."""
    path = given_path(path, "child file")  # "": an error, not the current folder
    obj, spec = _read_saved(path)
    if REFINED_KEY in obj:
        raise InputError(f"{path}: is a refined child (evo-cosearch refine), whose channels are pruned; "
                         "load it with evo_cosearch.refine.load_refined")
    norm = read_normalization(obj, path)
    child = build_child(spec)
    try:
        child.load_state_dict(obj["state_dict"])
    except RuntimeError:
        raise InputError(f"{path}: weights do not match the child's architecture") from None
    return SavedChild(child.eval(), spec, norm)


@dataclass(frozen=True)
class ChildTrainResult:
    module: ChildNet
    val_accuracy: float
    test_accuracy: float
    epochs: int


def train_child(spec: NetworkSpec, splits: Splits, *, epochs: int, supernet: Supernet | None = None,
                seed: int = 0, lr: float = 0.05, batch_size: int = 128, weight_decay: float = 4e-5,
                eval_batch_size: int = 500, progress: bool = False,
                device: str | torch.device | None = None) -> ChildTrainResult:
    """Train ``spec`` stand-alone (from scratch, or fine-tuned from ``supernet``'s weights) on
    ``device`` (:func:`~evo_cosearch.supernet.runtime.training_device`; default the CPU). The
    initial weights, the batches and the recalibration images are drawn on the CPU, so only the
    arithmetic moves; the trained module comes back on the CPU."""
    dev = training_device(device)
    configure_torch(threads=training_threads())
    torch.use_deterministic_algorithms(True, warn_only=True)
    if supernet is None:
        child = build_child(spec, seed=seed)
    else:  # inherited weights: start from statistics of this child, not the supernet's mixture
        child = extract_child(supernet, spec)
    cl = torch.channels_last
    child.to(dev)
    if supernet is not None:
        recal = torch.randperm(len(splits.train_x), generator=torch.Generator().manual_seed(seed))[:500]
        recalibrate(child, splits.train_x[recal].to(dev), batch_size=eval_batch_size)
    child.train()
    torch.manual_seed(seed)
    opt = torch.optim.SGD(child.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    gen = torch.Generator().manual_seed(seed)
    train_x = splits.train_x.to(dev).contiguous(memory_format=cl)
    train_y = splits.train_y.to(dev)
    n = len(train_x)
    steps = max(1, n // batch_size)
    total = max(1, steps * epochs)
    for epoch in range(epochs):
        child.train()
        perm = torch.randperm(n, generator=gen).to(dev)
        bar = tqdm(range(steps), desc=f"child epoch {epoch + 1}/{epochs}", disable=None if progress else True,
                   leave=False)  # None: no bar when stderr is not a terminal
        for i in bar:
            for g in opt.param_groups:
                g["lr"] = 0.5 * lr * (1 + math.cos(math.pi * (epoch * steps + i) / total))
            idx = perm[i * batch_size:(i + 1) * batch_size]
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(child(train_x[idx]), train_y[idx]).backward()
            opt.step()
    child.eval()
    val = accuracy(child, splits.val_x.to(dev).contiguous(memory_format=cl), splits.val_y.to(dev),
                   batch_size=eval_batch_size)
    test = accuracy(child, splits.test_x.to(dev).contiguous(memory_format=cl), splits.test_y.to(dev),
                    batch_size=eval_batch_size)
    child.cpu()
    return ChildTrainResult(module=child, val_accuracy=val, test_accuracy=test, epochs=epochs)
