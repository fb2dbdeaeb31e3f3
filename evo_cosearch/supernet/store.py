"""A problem's supernet on disk: train-or-reuse a cached checkpoint, and load one back (a supernet
of another network, or trained on other data than the problem reads, is refused)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evo_cosearch.data import Splits, data_identity, data_mismatch, load_dataset
from evo_cosearch.errors import InputError
from evo_cosearch.files import spelling_free_path
from evo_cosearch.supernet import SUPERNET_CACHE
from evo_cosearch.supernet.checkpoint import (FORMAT, load_checkpoint, meta_key, other_data, template_json,
                                             training_meta)
from evo_cosearch.supernet.config import SupernetConfig
from evo_cosearch.supernet.network import Supernet
from evo_cosearch.supernet.train import TrainResult, train_supernet

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem

__all__ = ["problem_splits", "supernet_meta", "ensure_supernet", "cached_supernet_path", "train_problem_supernet",
           "check_supernet", "load_supernet", "SPLIT_SEED"]

#: The train/validation split is the same for every run (a supernet never sees validation images).
SPLIT_SEED = 0


def problem_splits(problem: "Problem") -> Splits:
    t = problem.network
    return load_dataset(problem.dataset, seed=SPLIT_SEED, size=t.in_size, channels=t.in_channels,
                        classes=t.num_classes)


def supernet_meta(problem: "Problem", *, epochs: int | None = None, seed: int = 0) -> dict:
    cfg = SupernetConfig.from_section(problem.supernet, epochs=epochs)
    return training_meta(problem.network, problem.dataset, cfg, seed)


#: What to do about a cached supernet of other data (one trained on the same path before its file changed).
_CACHE_REMEDY = "remove this cached supernet to train one on this data"


def train_problem_supernet(problem: "Problem", out: str | Path, *, epochs: int | None = None, seed: int = 0,
                           progress: bool = True, remedy: str | None = None) -> TrainResult:
    """Train (or resume) ``problem``'s supernet into ``out`` (``remedy``: see :func:`train_supernet`).
    A checkpoint at ``out`` of other settings or data is refused before the data are loaded (its
    data's identity needs only the file's fingerprint)."""
    cfg = SupernetConfig.from_section(problem.supernet, epochs=epochs)
    meta = training_meta(problem.network, problem.dataset, cfg, seed)
    return train_supernet(problem.network, lambda: problem_splits(problem), cfg, out, meta=meta,
                          data=data_identity(problem.dataset), seed=seed, progress=progress, remedy=remedy)


def ensure_supernet(problem: "Problem", *, cache_dir: str | Path = SUPERNET_CACHE, epochs: int | None = None,
                    progress: bool = True, seed: int = 0) -> Path:
    """The cached checkpoint for this problem's network + dataset + supernet section + seed.

    Trains one (resuming an unfinished one) when it is missing; the file name carries a
    content hash of that configuration (:func:`_cache_path`).
    """
    path = cached_supernet_path(problem, cache_dir=cache_dir, epochs=epochs, seed=seed)
    if path.exists():
        try:
            ckpt = load_checkpoint(path)
        except InputError:  # a damaged cache entry is retrained, not trusted
            path.unlink()
        else:
            if int(ckpt.get("epoch", -1)) == int(ckpt.get("epochs", -2)):
                _check_data(problem, path, ckpt, _CACHE_REMEDY)
                return path
    train_problem_supernet(problem, path, epochs=epochs, seed=seed, progress=progress, remedy=_CACHE_REMEDY)
    return path


def cached_supernet_path(problem: "Problem", *, cache_dir: str | Path = SUPERNET_CACHE, epochs: int | None = None,
                         seed: int = 0) -> Path:
    """Where :func:`ensure_supernet` keeps this problem's supernet (it may not be there yet): one file
    per network + dataset + supernet section + seed, so a problem of the same name but another of
    these never shares one."""
    return _cache_path(problem, Path(cache_dir), supernet_meta(problem, epochs=epochs, seed=seed))


def _cache_path(problem: "Problem", cache_dir: Path, meta: dict[str, Any]) -> Path:
    """Where ``meta``'s supernet is cached: named by the key of ``meta`` with its dataset file's
    path spelled one way (:func:`~evo_cosearch.files.spelling_free_path`), so that every spelling
    of one file finds one supernet; an entry named by the path as typed (as earlier versions
    named them) is used while there is none of that name."""
    typed = cache_dir / f"{problem.name}-{meta_key(meta)}.pt"
    dataset = meta["dataset"]
    if dataset["path"] is None:  # embedded data: one spelling
        return typed
    one_way_meta = {**meta, "dataset": {**dataset, "path": spelling_free_path(dataset["path"])}}
    one_way = cache_dir / f"{problem.name}-{meta_key(one_way_meta)}.pt"
    return typed if typed.exists() and not one_way.exists() else one_way


def check_supernet(problem: "Problem", path: str | Path) -> dict[str, Any]:
    """The checkpoint at ``path`` if it is a finished supernet of ``problem``'s network, trained on
    the data ``problem`` reads when it records them (see :func:`load_supernet`, which builds it);
    a one-line error otherwise."""
    ckpt = load_checkpoint(path)
    if ckpt["meta"].get("format") != FORMAT:
        raise InputError(f"{path}: supernet format {ckpt['meta'].get('format')} was written by another version of "
                         f"evo_cosearch (this one reads format {FORMAT}); train it again")
    if json.dumps(ckpt["meta"].get("network"), sort_keys=True) != template_json(problem.network):
        raise InputError(f"{path}: this supernet was trained for a different network section than {problem.source}")
    if int(ckpt["epoch"]) < int(ckpt["epochs"]):
        raise InputError(f"{path}: training unfinished (epoch {ckpt['epoch']} of {ckpt['epochs']}); "
                         "rerun train-supernet to resume it")
    _check_data(problem, path, ckpt, "pass a supernet trained on that data")
    return ckpt


def _check_data(problem: "Problem", path: str | Path, ckpt: dict[str, Any], remedy: str) -> None:
    """Refuse a checkpoint whose recorded data differ from what ``problem`` reads (one written
    before checkpoints recorded their data is accepted)."""
    if ckpt.get("data") is None:
        return
    mismatch = data_mismatch(ckpt["data"], data_identity(problem.dataset))
    if mismatch is not None:
        raise InputError(f"{path}: holds a supernet {other_data(mismatch)}; {remedy}")


def load_supernet(problem: "Problem", path: str | Path) -> Supernet:
    """A trained supernet for ``problem`` (evaluation mode); errors if it belongs to another space."""
    ckpt = check_supernet(problem, path)
    net = Supernet(problem.network)
    try:
        net.load_state_dict(ckpt["model"])
    except RuntimeError:
        raise InputError(f"{path}: weights do not fit the network of {problem.source}") from None
    return net.eval()
