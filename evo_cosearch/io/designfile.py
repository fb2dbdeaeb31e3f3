"""An exported ``design.json`` (``select --export``) read back as the workload it describes.

The file's ``network`` is a :class:`~evo_cosearch.space.spec.NetworkSpec` dict, with a refined
design's hidden widths under ``refined`` (``evo-cosearch refine``); its layers keep the design's
own bit-widths, which a SCALE-Sim topology CSV cannot carry. Its ``accelerator`` is read by
:func:`~evo_cosearch.io.hwfile.read_hw_json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from evo_cosearch.errors import InputError
from evo_cosearch.files import read_text
from evo_cosearch.space.spec import NetworkSpec
from evo_cosearch.workload import LayerArrays, spec_workload

__all__ = ["network_workload", "read_design_workload"]


def network_workload(spec: NetworkSpec, record_network: Mapping[str, Any]) -> LayerArrays:
    """The layers of ``spec``; a refined design's (``record_network["refined"]``) with its narrower
    hidden widths."""
    if "refined" not in record_network:
        return spec_workload(spec)
    from evo_cosearch.refine.workload import refined_workload
    return refined_workload(spec, record_network["refined"])


def read_design_workload(path: str | Path) -> LayerArrays:
    """The layers of the network of the exported design file ``path``."""
    p = Path(path)
    try:
        data = json.loads(read_text(p, "design file"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{p}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("network"), Mapping):
        raise InputError(f"{p}: not an exported design.json (no network object); give --topology FILE.csv "
                         "or --problem FILE --genome I,J,... for the workload")
    network = {k: v for k, v in data["network"].items() if k not in ("refined", "refined_from")}
    try:
        return network_workload(NetworkSpec.from_dict(network), data["network"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{p}: network: not a network of this project ({type(exc).__name__}: {exc})") from None
