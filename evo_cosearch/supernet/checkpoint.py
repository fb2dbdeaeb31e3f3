"""Supernet checkpoints: plain tensors and JSON strings, written atomically, read weights-only.

A checkpoint holds the model and optimizer state, the epochs done, the RNG states and a JSON
``meta`` (network template, dataset, supernet config, seed). Its ``key`` (a content hash of
``meta``) names cached checkpoints, so another configuration never reuses one. Checkpoints also
record the identity of the data they were trained on (``data``:
:func:`~evo_cosearch.data.data_identity`, outside ``meta``, so the cache keys of checkpoints
written before it stay valid; older checkpoints lack it), and the torch ``threads`` they were
trained on (older ones lack it too).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from evo_cosearch.data import data_identity, data_mismatch
from evo_cosearch.errors import EvoCosearchError, InputError
from evo_cosearch.files import given_path, replace_atomically, same_file
from evo_cosearch.problem import DatasetConfig
from evo_cosearch.space.network import NetworkTemplate

__all__ = ["training_meta", "meta_key", "training_differences", "trained_otherwise", "other_data", "save_atomic",
           "load_checkpoint", "template_json"]

#: Version of the supernet's modules and training recipe; a checkpoint of another version is
#: neither reused from the cache nor loaded (2: separate e=1 blocks, zero-initialised residual
#: branches, grid-matched clipping; 3: the smallest child's block type drawn per step; 4: the
#: smallest child's quantizers are the least precise fixed-point ones).
FORMAT = 4

#: What :func:`~evo_cosearch.supernet.train.train_supernet` writes after every epoch.
_KEYS = ("meta", "epoch", "epochs", "model", "optimizer", "torch_rng", "numpy_rng", "history")


def template_json(template: NetworkTemplate) -> str:
    """The network template as JSON, without ``acc_bits`` (a simulator setting the weights never see)."""
    d = asdict(template)
    del d["acc_bits"]
    return json.dumps(d, sort_keys=True, default=list)


def training_meta(template: NetworkTemplate, dataset: Any, config: Any, seed: int) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "network": json.loads(template_json(template)),
        "dataset": {"name": dataset.name, "path": dataset.path, "options": dict(dataset.options)},
        "supernet": config.to_dict(),
        "seed": int(seed),
    }


def meta_key(meta: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:12]


def training_differences(ckpt: dict[str, Any], meta: dict[str, Any], data: dict[str, Any] | None) -> list[str]:
    """What the loaded checkpoint ``ckpt`` was trained with otherwise than ``meta`` and ``data``
    (its data's identity; None: not known) would train: dotted keys of ``meta``, and
    :func:`other_data` for other data; [] when it may be resumed. A ``dataset.path`` spelled otherwise
    is no difference when it holds the same data: by the identity ``ckpt`` records, or, for a
    checkpoint written before they recorded one, when both paths name the same file or the file
    at its recorded path now holds the bytes ``data`` identifies (a copy: trusted as far as that
    path itself is, whose contents such a checkpoint does not record either)."""
    out = _differ(ckpt["meta"], meta)
    if ckpt.get("data") is not None and data is not None:
        mismatch = data_mismatch(ckpt["data"], data)
        same = mismatch is None
    else:
        mismatch = None
        same = same_file(_data_path(ckpt["meta"]), _data_path(meta)) or _holds_now(ckpt["meta"], data)
    if same and "dataset.path" in out:
        out.remove("dataset.path")
    if mismatch is not None and not {"dataset.name", "dataset.options"} & set(out):
        out = [k for k in out if k != "dataset.path"] + [other_data(mismatch)]
    return out


def other_data(mismatch: tuple[str, str]) -> str:
    """A supernet's other data, as every refusal names them (``mismatch``: the recorded and the
    current data, from :func:`~evo_cosearch.data.data_mismatch`)."""
    return f"trained on {mismatch[0]}, not on {mismatch[1]}, the data this command reads"


def trained_otherwise(differ: list[str], was: dict[str, Any] | None = None, now: dict[str, Any] | None = None) -> str:
    """``differ`` (:func:`training_differences`, not empty) as a refusal says it, after "holds a
    supernet": "trained with another seed, supernet.lr", :func:`other_data`, or both. Given the
    checkpoint's meta ``was`` and the one asked for ``now``, a key of plain values says both:
    "supernet.epochs (1, not 2)"."""
    keys = [d for d in differ if not d.startswith("trained on ")]
    data = [d for d in differ if d not in keys]
    if was is not None and now is not None:
        keys = [_with_values(k, was, now) for k in keys]
    return " and ".join(([f"trained with another {', '.join(keys)}"] if keys else []) + data)


def _with_values(key: str, was: dict[str, Any], now: dict[str, Any]) -> str:
    """``key`` (dotted) with its values in ``was`` and ``now`` when both are plain (not a list or section)."""
    def value(meta: Any) -> Any:
        for part in key.split("."):
            meta = meta.get(part) if isinstance(meta, dict) else None
        return meta
    a, b = value(was), value(now)
    plain = (str, int, float, bool, type(None))
    return f"{key} ({json.dumps(a)}, not {json.dumps(b)})" if isinstance(a, plain) and isinstance(b, plain) else key


def _holds_now(meta: dict[str, Any], data: dict[str, Any] | None) -> bool:
    """Whether the dataset ``meta`` records, read at its recorded path now, is the data ``data``
    identifies (False where that path is gone or unreadable, or ``data`` is not known)."""
    dataset = meta.get("dataset")
    if data is None or _data_path(meta) is None:
        return False
    try:
        there = data_identity(DatasetConfig(str(dataset.get("name")), str(dataset["path"]),
                                            dict(dataset.get("options") or {})))
    except (EvoCosearchError, OSError, TypeError, ValueError):
        return False
    return data_mismatch(there, data) is None


def _data_path(meta: dict[str, Any]) -> str | None:
    dataset = meta.get("dataset")
    return dataset.get("path") if isinstance(dataset, dict) else None


def _differ(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """The keys (dotted, one level into sections) whose values differ between two metas."""
    out = []
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if isinstance(x, dict) and isinstance(y, dict) and not prefix:
            out += _differ(x, y, f"{k}.")
        elif x != y:
            out.append(prefix + k)
    return out


def save_atomic(obj: Any, path: str | Path) -> None:
    """``torch.save`` to a temporary file beside ``path``, then rename (never half a file)."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:  # a file object: torch names the zip's root folder itself, whatever tmp is called
            torch.save(obj, f)
    replace_atomically(path, write)


def load_torch_file(path: str | Path, what: str) -> Any:
    """``torch.load(path, weights_only=True)`` on the CPU; one-line errors name the file and ``what`` it is."""
    path = given_path(path, what)  # "": an error, not the current folder
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a {what}")
    if not path.is_file():
        raise InputError(f"{path}: {what} not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise InputError(f"{path}: not a readable {what} ({exc.__class__.__name__})") from None


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load a supernet checkpoint (``weights_only=True``); one-line errors name the file."""
    ckpt = load_torch_file(path, "supernet checkpoint")  # first: it names an empty path as such
    path = Path(path)
    if not isinstance(ckpt, dict):
        raise InputError(f"{path}: not an evo_cosearch supernet checkpoint")
    missing = [k for k in _KEYS if k not in ckpt]
    if missing:
        raise InputError(f"{path}: not an evo_cosearch supernet checkpoint (no {missing[0]!r})")
    ckpt["meta"] = _json_object(ckpt["meta"], path, "meta")
    if "data" in ckpt:  # checkpoints written before they recorded their data have none
        ckpt["data"] = _json_object(ckpt["data"], path, "data record")
    return ckpt


def _json_object(text: Any, path: Path, what: str) -> dict[str, Any]:
    """A checkpoint's JSON string ``text`` as a dict; anything else names ``path`` and ``what``."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise InputError(f"{path}: not an evo_cosearch supernet checkpoint (its {what} is not a JSON object)")
    return value
