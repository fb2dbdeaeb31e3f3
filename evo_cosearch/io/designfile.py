"""An exported ``design.json`` (``select --export``) read back as the workload it describes.

The file's ``network`` is a :class:`~evo_cosearch.space.spec.NetworkSpec` dict, with a refined
design's hidden widths under ``refined`` (``evo-cosearch refine``); its layers keep the design's
own bit-widths, which a SCALE-Sim topology CSV cannot carry. Its ``accelerator`` is read by
:func:`~evo_cosearch.io.hwfile.read_hw_json`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from evo_cosearch.errors import EvoCosearchError, InputError, arg
from evo_cosearch.files import given_path, read_text
from evo_cosearch.provenance import describe_simulator
from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.workload import LayerArrays, spec_workload

if TYPE_CHECKING:
    import numpy as np

__all__ = ["record_workload", "read_design_workload", "genome_arg", "genome_of", "design_of_arg", "resimulation_warning"]


def record_workload(spec: NetworkSpec, record_network: Mapping[str, Any]) -> LayerArrays:
    """The layers of ``spec``; a refined design's (``record_network["refined"]``) with its narrower
    hidden widths."""
    if "refined" not in record_network:
        return spec_workload(spec)
    from evo_cosearch.refine.workload import refined_workload
    return refined_workload(spec, record_network["refined"])


def _read(p: Path, hint: str) -> dict[str, Any]:
    try:
        data = json.loads(read_text(p, "design file"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("network"), Mapping):
        raise InputError(f"{p}: not an exported design.json (no network object); {hint}")
    return dict(data)


def read_design_workload(path: str | Path) -> LayerArrays:
    """The layers of the network of the exported design file ``path``."""
    p = given_path(path, "design file")
    data = _read(p, f"give {arg('topology', 'FILE.csv')} or {arg('problem', 'FILE')} {arg('genome', 'I,J,...')} "
                    "for the workload")
    network = {k: v for k, v in data["network"].items() if k not in ("refined", "refined_from", "refined_with")}
    try:
        return record_workload(NetworkSpec.from_dict(network), data["network"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{p}: network: not a network of this project ({type(exc).__name__}: {exc})") from None


def design_of_arg(text: str) -> dict[str, Any] | None:
    """The exported design.json a ``--genome`` argument names, as data (None: gene indices)."""
    if not str(text).endswith(".json"):
        return None
    return _read(Path(text), f"{arg('genome')} takes I,J,... or an exported design.json")


def resimulation_warning(path: str | Path | None) -> str | None:
    """What to tell the user who simulates the exported design.json ``path`` with the built-in
    simulator when its run's metrics came from a user's ``simulate_fn`` (its
    ``provenance.simulator``); None for any other file, and for a design the built-in model scored."""
    p = Path(path) if path and str(path).endswith(".json") else None
    try:
        recorded = json.loads(p.read_text(encoding="utf-8"))["provenance"]["simulator"] if p else None
    except (OSError, ValueError, KeyError, TypeError):  # not a design.json: its reader says what is wrong
        return None
    if not isinstance(recorded, Mapping) or recorded.get("kind") in (None, "builtin"):
        return None
    return (f"{p}: its metrics came from {describe_simulator(recorded)} (provenance.simulator); these are the "
            "built-in simulator's, not comparable with them")


def genome_arg(problem, text: str):
    """The genome of a ``--genome`` argument: ``I,J,...`` gene indices, or an exported design.json
    of ``problem``'s space (its recorded genome, which must decode to its network here)."""
    if not str(text).endswith(".json"):
        return problem.space.parse_genome(text)
    p = Path(text)
    data = design_of_arg(text)
    if "refined" in data["network"]:
        raise InputError(f"{p}: design {data.get('id')} is refined (evo-cosearch refine): its network is narrower "
                         "than its genome's; its trained child is RUN/refined/<id>/child.pt")
    genome = data.get("provenance", {}).get("genome") if isinstance(data.get("provenance"), Mapping) else None
    if not isinstance(genome, list):
        raise InputError(f"{p}: no provenance.genome to take")
    try:
        genome = genome_of(problem, genome)
    except EvoCosearchError as exc:
        raise InputError(f"{p}: provenance.genome: {exc}; the design comes from another problem") from None
    design = problem.design(genome)
    for part, mine in (("network", design.network.to_dict()), ("accelerator", design.accelerator.to_dict())):
        if json.loads(json.dumps(mine)) != data.get(part):  # tuples as lists
            raise InputError(f"{p}: its genome is another {part} in {problem.source}; the design comes from "
                             "another problem")
    return genome


def genome_of(problem, genome: str | os.PathLike | Sequence[int]) -> np.ndarray:
    """The genome a Python caller gives: a :func:`genome_arg` text or design.json path, or the gene
    indices themselves."""
    if isinstance(genome, (str, os.PathLike)):
        return genome_arg(problem, os.fspath(genome))
    return problem.space.parse_genome(",".join(str(g) for g in genome))
