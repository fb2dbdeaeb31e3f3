"""Run provenance: what a run's accuracies and hardware metrics come from, as it records them
(a supernet and its hash, the proxy, a user's function and a digest of its code, the built-in
simulator), how to name them, and why a run cannot continue with another source."""

from __future__ import annotations

import hashlib
import types
from typing import Any, Callable, Mapping

__all__ = ["accuracy_source", "simulator_source", "function_source", "function_name", "source_kind",
           "describe_source", "describe_simulator", "source_mismatch", "simulator_mismatch"]


def function_name(fn: Callable) -> str:
    """``module.qualname`` of a function (of its class, for a callable object)."""
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{getattr(fn, '__module__', None) or '?'}.{name}"


def accuracy_source(accuracy_fn) -> dict[str, Any]:
    """What a run's accuracies come from, as the run records it: ``accuracy_fn.source()`` when
    it has one (the supernet and its hash, the proxy), else the function's qualified name."""
    source = getattr(accuracy_fn, "source", None)
    if callable(source):
        return dict(source())
    return function_source(accuracy_fn)


def simulator_source(simulate_fn: Callable | None) -> dict[str, Any]:
    """What a run's hardware metrics come from, as the run records it: ``{"kind": "builtin"}`` for
    :func:`evo_cosearch.hardware.simulate` (``None``), else the user's function (:func:`function_source`)."""
    from evo_cosearch.hardware import simulate
    return {"kind": "builtin"} if simulate_fn is None or simulate_fn is simulate else function_source(simulate_fn)


def function_source(fn: Callable) -> dict[str, Any]:
    """A user's function as a run records it: its qualified name and, for a def or lambda, a digest
    of its code and default values (two of the same name differ by their code)."""
    out = {"kind": "custom", "function": function_name(fn)}
    code = getattr(fn, "__code__", None)
    if isinstance(code, types.CodeType):
        defaults = repr((getattr(fn, "__defaults__", None), getattr(fn, "__kwdefaults__", None)))
        out["code"] = hashlib.sha256(_code_bytes(code) + defaults.encode()).hexdigest()[:16]
    return out


def _code_bytes(code: types.CodeType) -> bytes:
    """What a function computes, without where it stands in its file (line numbers, file name):
    its bytecode, the names it uses and its constants, nested functions included."""
    parts = [code.co_code, repr((code.co_names, code.co_varnames, code.co_freevars)).encode()]
    for c in code.co_consts:
        parts.append(_code_bytes(c) if isinstance(c, types.CodeType) else repr(c).encode())
    return b"\0".join(parts)


def describe_source(source: Mapping[str, Any]) -> str:
    kind = source_kind(source)
    if kind == "supernet":
        if source.get("supernet") is None:  # only the kind is known yet
            return "a supernet"
        return f"supernet {source.get('supernet')} (sha256 {source.get('sha256')})"
    if kind == "custom":
        return f"accuracy function {source.get('function')}"
    return f"the {kind} accuracy"


def source_kind(source: Mapping[str, Any] | None) -> str | None:
    """``supernet``, ``proxy`` or ``custom``; runs made before runs recorded a kind held only a
    supernet's path and hash (and None for anything else)."""
    if not source:
        return None
    return source.get("kind") or ("supernet" if "sha256" in source else None)


def source_mismatch(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str | None:
    """Why a run scored by ``old`` cannot continue with accuracies from ``new`` (None: it can).
    What either does not record (runs made before runs recorded their source, or the evaluation
    seed: a search used its own seed, a benchmark the shared one) compares as equal."""
    if not old or not new:
        return None
    if source_kind(old) != source_kind(new):
        return f"run was scored by {describe_source(old)}, not {describe_source(new)}"
    if source_kind(old) == "supernet":
        if old.get("sha256") != new.get("sha256"):
            return f"run was scored by {describe_source(old)}, not {describe_source(new)}"
        was, now = old.get("evaluation_seed"), new.get("evaluation_seed")
        if was is not None and now is not None and int(was) != int(now):
            return (f"run's supernet accuracies used evaluation seed {was} (BatchNorm recalibration images), "
                    f"not {now}")
    elif source_kind(old) == "custom":
        differs = _function_differs(old, new)
        if differs == "name":
            return f"run was scored by {describe_source(old)}, not {describe_source(new)}"
        if differs == "code":
            return f"run was scored by another {describe_source(old)}: {_CODE_DIFFERS}"
    elif dict(old) != dict(new):  # the proxy's settings
        return f"run was scored by {describe_source(old)} {dict(old)}, not {dict(new)}"
    return None


def simulator_mismatch(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str | None:
    """Why a run whose hardware metrics came from ``old`` (:func:`simulator_source`) cannot continue
    with ``new`` (None: it can; a run made before runs recorded it compares as equal)."""
    if not old or not new:
        return None
    differs = "name" if old.get("kind") != new.get("kind") else _function_differs(old, new)
    if differs == "name":
        return f"run's hardware metrics came from {describe_simulator(old)}, not {describe_simulator(new)}"
    if differs == "code":
        return f"run's hardware metrics came from another {describe_simulator(old)}: {_CODE_DIFFERS}"
    return None


_CODE_DIFFERS = "its code differs (an edited function, another of the same name, or another Python version)"


def _function_differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> str | None:
    """How two users' functions a run recorded (:func:`function_source`) differ: ``"name"``,
    ``"code"`` (one digest missing: not compared) or None."""
    if old.get("function") != new.get("function"):
        return "name"
    if old.get("code") is not None and new.get("code") is not None and old["code"] != new["code"]:
        return "code"
    return None


def describe_simulator(source: Mapping[str, Any]) -> str:
    """The hardware model a :func:`simulator_source` record names, as messages name it."""
    if source.get("kind") == "builtin":
        return "the built-in simulator (evo_cosearch.hardware.simulate)"
    return f"simulate_fn {source.get('function')}"
