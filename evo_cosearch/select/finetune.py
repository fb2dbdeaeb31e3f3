"""Fine-tune an exported design's network: extract it from the supernet, train, test, save.

The child starts from the problem's trained supernet (``supernet`` checkpoint, or the one
the run's search used), is trained for
a few epochs on the problem's train split, and evaluated on the validation and test splits.
Training happens before anything is written; :func:`save_finetuned` writes
``child.pt`` (state_dict + architecture JSON + input normalization, loadable with
:func:`evo_cosearch.supernet.load_child`), ``child_architecture.json``, ``finetune.json``
(accuracies, epochs, seed) and, when the ``onnx`` and ``onnxscript`` packages are installed
(``pip install evo-cosearch[onnx]``), ``child.onnx``: the child with its fake quantization
written as plain ONNX ops (opset 20 with torch 2.13), any batch size, input ``image`` and output ``logits``.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from evo_cosearch.errors import EvoCosearchError, InputError, as_called
from evo_cosearch.files import given_path, replace_atomically, write_text_atomic
from evo_cosearch.supernet import CHILD_PT  # torch-free: the package's names load on first use

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem
    from evo_cosearch.space import NetworkSpec
    from evo_cosearch.supernet import InputNormalization

__all__ = ["Finetuned", "finetune", "check_finetune_inputs", "save_finetuned", "save_trained_child", "CHILD_PT",
           "CHILD_JSON", "FINETUNE_JSON", "CHILD_ONNX"]

CHILD_JSON, FINETUNE_JSON, CHILD_ONNX = "child_architecture.json", "finetune.json", "child.onnx"


@dataclass(frozen=True)
class Finetuned:
    """A fine-tuned child network and its accuracies (fractions)."""

    module: object   # evo_cosearch.supernet.ChildNet (torch stays out of this module's imports)
    spec: "NetworkSpec"
    val_accuracy: float
    test_accuracy: float
    epochs: int
    seed: int
    supernet: str
    input_normalization: "InputNormalization"  # the child reads (pixel - mean) / std
    device: str = "cpu"  # where it trained


def finetune(problem: "Problem", spec: "NetworkSpec", *, epochs: int, seed: int = 0,
             supernet: str | Path | None = None, recorded: Mapping[str, Any] | None = None,
             cache_dir: str | Path | None = None, progress: bool = False,
             device: str | None = None) -> Finetuned:
    """Extract ``spec`` from a supernet and train it for ``epochs`` on ``device`` (default the CPU;
    nothing is written except a supernet trained into ``cache_dir`` when none is cached). The
    supernet: ``supernet``, else the one of ``recorded`` (a run's accuracy source), else the
    problem's cached one."""
    if epochs < 1:
        raise InputError(f"{as_called('--finetune', 'epochs')}: {epochs} epochs must be >= 1")
    from evo_cosearch.supernet.runtime import training_device

    dev = training_device(device)
    asked = as_called("--finetune", "finetune")
    try:
        from evo_cosearch.supernet import InputNormalization, load_supernet, problem_splits, train_child
    except ImportError as exc:  # pragma: no cover - the supernet package ships with the project
        raise EvoCosearchError(f"{asked}: fine-tuning needs the supernet module ({exc})") from None
    from evo_cosearch.runs import run_checkpoint
    ckpt = run_checkpoint(problem, recorded, supernet=supernet, where=asked, cache_dir=cache_dir,
                          progress=progress)
    net = load_supernet(problem, ckpt)
    splits = problem_splits(problem)
    result = train_child(spec, splits, epochs=epochs, supernet=net, seed=seed, progress=progress, device=dev)
    return Finetuned(result.module, spec, float(result.val_accuracy), float(result.test_accuracy), epochs, seed,
                     str(ckpt), InputNormalization.of(splits), str(dev))


def check_finetune_inputs(problem: "Problem", recorded: Mapping[str, Any] | None, *,
                          supernet: str | Path | None = None) -> None:
    """What :func:`finetune` reads, checked before a caller prints anything: the dataset file of
    ``problem`` and the supernet checkpoint (``supernet`` or the one ``recorded`` names), which must
    be a trained supernet of its network (a problem whose cached supernet is missing gets it
    trained, which is not an error)."""
    from evo_cosearch.runs import named_checkpoint
    path = problem.dataset.path
    if problem.dataset.name != "digits" and path is not None and not Path(path).exists():
        raise InputError(f"{as_called('--finetune', 'finetune')}: {path}: dataset path not found")
    ckpt = named_checkpoint(recorded, supernet=supernet, where=as_called("--finetune", "finetune"))
    if ckpt is not None:
        from evo_cosearch.supernet import check_supernet
        check_supernet(problem, ckpt)


def save_finetuned(done: Finetuned, out_dir: str | Path) -> tuple[Path, ...]:
    """Write the fine-tuned child into ``out_dir``, each file whole or not at all (an earlier
    fine-tuning's ``finetune.json`` and ``child.onnx`` are removed first); return the paths written."""
    from evo_cosearch.supernet import save_child
    from evo_cosearch.supernet.onnx_export import export_onnx

    out = given_path(out_dir, "export")  # "": an error, not the current folder
    out.mkdir(parents=True, exist_ok=True)
    # an earlier fine-tuning's reports go first: a save stopped midway (Ctrl-C) or an ONNX export that
    # fails must not leave them beside this child
    _remove_reports(out)
    save_child(out / CHILD_PT, done.module, done.spec, input_normalization=done.input_normalization)
    _write_architecture(out, done.spec)
    report = {"val_accuracy": done.val_accuracy, "test_accuracy": done.test_accuracy, "epochs": done.epochs,
              "seed": done.seed, "supernet": done.supernet, "device": done.device,
              "input": {**done.input_normalization.to_dict(), "layout": "NCHW",
                        "feed": "(pixel - mean) / std, pixels as the dataset stores them (e.g. 0..255 for the "
                                "MNIST family, 0..16 for digits)"}}
    paths = [out / CHILD_PT, out / CHILD_JSON]
    if importlib.util.find_spec("onnx") is not None:
        try:
            paths.append(replace_atomically(out / CHILD_ONNX, lambda tmp: export_onnx(done.module, done.spec, tmp)))
        except Exception as exc:  # the exporter's optional parts (onnxscript, ...) may be missing
            report["onnx_error"] = f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    write_text_atomic(out / FINETUNE_JSON, json.dumps(report, indent=2) + "\n", "export")
    return (*paths, out / FINETUNE_JSON)


def save_trained_child(path: str | Path, module, spec: "NetworkSpec", *,
                       input_normalization: "InputNormalization") -> tuple[Path, ...]:
    """Save a child trained another way (``train-child --out``) as ``path``; return the files removed.
    Saved as an export's ``child.pt``, it replaces the fine-tuned child there: the ``finetune.json``
    and ``child.onnx`` of that child are removed first (a crash never leaves them beside the new
    one), and a ``child_architecture.json`` there is rewritten for this child."""
    from evo_cosearch.supernet import save_child

    p = given_path(path, "child checkpoint")  # "": an error, not the current folder
    export = p.name == CHILD_PT
    stale = _remove_reports(p.parent) if export else ()
    save_child(p, module, spec, input_normalization=input_normalization)
    if export and (p.parent / CHILD_JSON).exists():
        _write_architecture(p.parent, spec)
    return stale


def _remove_reports(out: Path) -> tuple[Path, ...]:
    """Remove the ``finetune.json`` and ``child.onnx`` in ``out`` (they describe the child being
    replaced); return those that were there."""
    removed = tuple(out / name for name in (FINETUNE_JSON, CHILD_ONNX) if (out / name).exists())
    for f in removed:
        f.unlink(missing_ok=True)
    return removed


def _write_architecture(out: Path, spec: "NetworkSpec") -> None:
    write_text_atomic(out / CHILD_JSON, json.dumps(spec.to_dict(), indent=2) + "\n", "export")
