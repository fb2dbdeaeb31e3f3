"""Supernet training with the sandwich rule and in-place distillation; resumable per epoch.

Each step trains the largest child on the labels, then the smallest and
``random_children`` random children (random bit-widths included) on the largest's
softened outputs (``distill`` weight; the rest is label cross-entropy). The smallest child's
block type is drawn per step from those the space allows, so the smallest weights of every
block type (e.g. a fused e=1 conv, which random children pick least often) are trained as
often. Its quantizers are the least precise fixed-point ones (binary, ternary and power-of-two
layers are trained by the random children): an all-binary smallest child trained every step left
the first channels, which every child shares, dead for all children (``problems/README.md``).
Gradients of all children are summed before one optimizer step. A checkpoint is
written after every epoch; a run finding an unfinished checkpoint for the same configuration
continues from it, and a checkpoint of another configuration is never overwritten. A checkpoint
keeps no wall-clock times, so the same training gives the same bytes (straight or resumed), and
a run scored by a supernet accepts one retrained with the same command (runs record its hash).
It records the torch threads it trains on (:func:`training_threads`), and a resume trains on them.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from evo_cosearch.data import Splits
from evo_cosearch.errors import InputError, arg, stopped
from evo_cosearch.files import writable_path
from evo_cosearch.space.network import NetworkTemplate
from evo_cosearch.supernet.checkpoint import load_checkpoint, save_atomic, trained_otherwise, training_differences
from evo_cosearch.supernet.config import SupernetConfig
from evo_cosearch.supernet.network import Supernet
from evo_cosearch.supernet.runtime import configure_torch, training_threads
from evo_cosearch.supernet.sample import random_bits, random_spec

__all__ = ["TrainResult", "train_supernet", "sandwich_step"]


@dataclass(frozen=True)
class TrainResult:
    path: Path
    epochs: int
    history: tuple[dict[str, float], ...]  # per epoch: loss, train_acc (largest child); seconds: epochs trained now


def _param_groups(net: Supernet, weight_decay: float) -> list[dict[str, Any]]:
    decay, no_decay = [], []
    for name, p in net.named_parameters():
        (decay if p.dim() > 1 and "transforms" not in name else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def sandwich_step(net: Supernet, x: torch.Tensor, y: torch.Tensor, cfg: SupernetConfig,
                  rng: np.random.Generator) -> tuple[float, float]:
    """Accumulate gradients of the largest, smallest and random children on one batch."""
    t = net.template
    net.set_active(t.largest())
    logits = net(x)
    loss = F.cross_entropy(logits, y, label_smoothing=cfg.label_smoothing)
    loss.backward()
    soft = logits.detach().softmax(dim=1)
    total = loss.item()
    kinds = t.block_types  # one kind: no draw, so such spaces train exactly as before format 3
    block = kinds[int(rng.integers(len(kinds)))] if len(kinds) > 1 else None
    smallest = t.smallest(block=block, fixed_point=True)
    if cfg.smallest_bits == "random":  # the smallest weights then serve every bit-width, not the 2-bit one alone
        smallest = random_bits(smallest, t, rng)
    for spec in [smallest] + [random_spec(t, rng) for _ in range(cfg.random_children)]:
        net.set_active(spec)
        out = net(x)
        kd = F.cross_entropy(out, soft) if cfg.distill > 0 else out.new_zeros(())
        ce = F.cross_entropy(out, y) if cfg.distill < 1 else out.new_zeros(())
        sub = cfg.distill * kd + (1 - cfg.distill) * ce
        sub.backward()
        total += sub.item()
    acc = float((logits.argmax(1) == y).float().mean())
    return total, acc


def _untimed(history: list[dict[str, float]]) -> list[dict[str, float]]:
    """``history`` without its wall-clock ``seconds``: what a checkpoint keeps."""
    return [{k: v for k, v in h.items() if k != "seconds"} for h in history]


def _interned(state: dict[str, Any]) -> dict[str, Any]:
    """An optimizer's ``state_dict`` with its keys interned. Pickle writes each string object once,
    and the keys a resumed optimizer loaded are other objects than the one torch gives a parameter
    it updates for the first time after the resume: such a checkpoint had other bytes."""
    return {**state, "state": {i: {sys.intern(k): v for k, v in s.items()} for i, s in state["state"].items()},
            "param_groups": [{sys.intern(k): v for k, v in g.items()} for g in state["param_groups"]]}


def _saved_epochs(out: Path) -> int:
    """The epochs the checkpoint at ``out`` holds (0: none there)."""
    try:
        return int(load_checkpoint(out)["epoch"]) if out.exists() else 0
    except InputError:
        return 0


def train_supernet(template: NetworkTemplate, splits: Splits | Callable[[], Splits], cfg: SupernetConfig,
                   out: str | Path, *, meta: dict[str, Any], data: dict[str, Any] | None = None, seed: int = 0,
                   progress: bool = True, remedy: str | None = None) -> TrainResult:
    """Train (or resume) a supernet to ``cfg.epochs``; checkpoint to ``out`` after each epoch,
    with ``meta`` and ``data`` (the identity of the data ``splits`` came from, when known).
    A checkpoint at ``out`` is resumed only when it was trained with the same ``meta`` and data
    (:func:`~evo_cosearch.supernet.checkpoint.training_differences`); the error that refuses
    one, or a damaged one, ends with ``remedy`` (what the user can do; default: remove it or choose another
    ``out``, the ``--out`` of the CLI). ``splits`` may be a
    function giving them: it is called only once such a checkpoint is accepted and epochs remain,
    so a refused or finished checkpoint costs no loading of the data."""
    out = writable_path(out, "supernet checkpoint")  # not after the first epoch's training
    remedy = f"remove it or choose another {arg('out')}" if remedy is None else remedy
    threads = training_threads()
    configure_torch(threads=threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.manual_seed(seed)
    net = Supernet(template)
    opt = torch.optim.SGD(_param_groups(net, cfg.weight_decay), lr=cfg.lr, momentum=cfg.momentum, nesterov=True)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    start, history = 0, []
    if out.exists():
        ckpt = load_checkpoint(out)
        differ = training_differences(ckpt, meta, data)
        if differ:
            raise InputError(f"{out}: holds a supernet {trained_otherwise(differ, ckpt['meta'], meta)}; {remedy}")
        meta = ckpt["meta"]  # the same training: its record stays as written (a path as first spelled)
        data = ckpt.get("data") or data  # and so does its data's, or that of the same file it reads now
        try:
            net.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["optimizer"])
            gen.set_state(ckpt["torch_rng"])
            rng.bit_generator.state = json.loads(ckpt["numpy_rng"])
            start, history = int(ckpt["epoch"]), json.loads(ckpt["history"])
            threads = int(ckpt.get("threads", threads))  # another thread count sums in another order:
            configure_torch(threads=threads)  # a resume trains on the one its checkpoint was trained on
        except (RuntimeError, TypeError, ValueError, KeyError) as exc:
            raise InputError(f"{out}: a damaged supernet checkpoint ({exc.__class__.__name__}); {remedy}") from None
    if start >= cfg.epochs:
        return TrainResult(path=out, epochs=cfg.epochs, history=tuple(history))
    splits = splits() if callable(splits) else splits
    train_x, train_y = splits.train_x, splits.train_y
    if cfg.max_train_images is not None and cfg.max_train_images < len(train_x):
        keep = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(seed + 1))[: cfg.max_train_images]
        train_x, train_y = train_x[keep], train_y[keep]
    train_x = train_x.contiguous(memory_format=torch.channels_last)  # ~3x faster convolutions on CPU
    n = len(train_x)
    steps_per_epoch = max(1, n // cfg.batch_size)  # drop the last partial batch (BatchNorm needs > 1)
    total_steps = steps_per_epoch * cfg.epochs
    try:  # Ctrl-C: say what the checkpoint keeps and how to go on, as an interrupted search does
        for epoch in range(start, cfg.epochs):
            net.train()
            perm = torch.randperm(n, generator=gen)
            sum_loss = sum_acc = 0.0
            bar = tqdm(range(steps_per_epoch), desc=f"supernet epoch {epoch + 1}/{cfg.epochs}",
                       disable=None if progress else True,
                       leave=False, dynamic_ncols=True)
            t0 = time.perf_counter()
            for i in bar:
                step = epoch * steps_per_epoch + i
                lr = 0.5 * cfg.lr * (1 + math.cos(math.pi * step / total_steps))
                for g in opt.param_groups:
                    g["lr"] = lr
                idx = perm[i * cfg.batch_size:(i + 1) * cfg.batch_size]
                opt.zero_grad(set_to_none=True)
                loss, acc = sandwich_step(net, train_x[idx], train_y[idx], cfg, rng)
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                sum_loss += loss
                sum_acc += acc
                bar.set_postfix(loss=f"{sum_loss / (i + 1):.3f}", acc=f"{sum_acc / (i + 1):.3f}")
            bar.close()
            history.append({"epoch": epoch + 1, "loss": sum_loss / steps_per_epoch,
                            "train_acc": sum_acc / steps_per_epoch, "seconds": time.perf_counter() - t0})
            save_atomic({
                "meta": json.dumps(meta, sort_keys=True), "epoch": epoch + 1, "epochs": cfg.epochs,
                "model": net.state_dict(), "optimizer": _interned(opt.state_dict()), "torch_rng": gen.get_state(),
                "numpy_rng": json.dumps(rng.bit_generator.state), "history": json.dumps(_untimed(history)),
                "threads": threads,
                **({} if data is None else {"data": json.dumps(data, sort_keys=True)}),
            }, out)
            if progress:  # after the save: an epoch whose line cannot be written (`| head`) is kept
                h = history[-1]
                print(f"supernet epoch {epoch + 1}/{cfg.epochs}: loss {h['loss']:.3f}, largest-child train acc "
                      f"{h['train_acc']:.3f}, {h['seconds']:.1f} s", file=sys.stderr, flush=True)
    except (KeyboardInterrupt, BrokenPipeError) as exc:  # Ctrl-C, or the output's reader gone (`| head`)
        saved = _saved_epochs(out)
        kept = (f"{out} keeps {saved} of {cfg.epochs} epochs: run the same command again to resume it" if saved
                else f"{out}: no supernet epoch of {cfg.epochs} finished, nothing saved")
        raise stopped(exc, kept) from None
    return TrainResult(path=out, epochs=cfg.epochs, history=tuple(history))
