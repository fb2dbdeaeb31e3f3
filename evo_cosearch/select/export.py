"""Export one archived design: ``design.json`` plus SCALE-Sim config and topology files.

``design.json`` holds the network and accelerator specs, the metrics and objectives, and
the provenance needed to reproduce the design (run, generation, genome, problem text, seed,
strategy, the accuracy source that scored it, versions, and the hardware model its metrics came
from: ``simulator``, the run's :func:`~evo_cosearch.provenance.simulator_source`, None for a run
that recorded none). ``scalesim.cfg`` is the SCALE-Sim array of the same MACs, SRAM and
bandwidth (:func:`evo_cosearch.io.hwfile.scalesim_equivalent`) and ``topology.csv`` the
network's layers, so the design can be checked with the cycle-accurate simulator.
Every file's text is built before the first is written: an error writes nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from evo_cosearch.archive.store import REFINED_DIR, run_of_file
from evo_cosearch.errors import InputError, as_called
from evo_cosearch.files import given_path, writable_path, write_text_atomic
from evo_cosearch.io.designfile import record_workload
from evo_cosearch.io.hwfile import scalesim_config_text, scalesim_equivalent
from evo_cosearch.io.topology import topology_text
from evo_cosearch.supernet import CHILD_PT  # torch-free: the package's names load on first use

if TYPE_CHECKING:
    from evo_cosearch.archive import Archive, DesignTable

__all__ = ["DESIGN_JSON", "SCALESIM_CFG", "TOPOLOGY_CSV", "design_record", "export_design", "check_export_folder",
           "Export"]

DESIGN_JSON = "design.json"
SCALESIM_CFG = "scalesim.cfg"
TOPOLOGY_CSV = "topology.csv"


@dataclass(frozen=True)
class Export:
    """Paths written by :func:`export_design` (``child`` files only with fine-tuning)."""

    design_json: Path
    scalesim_cfg: Path
    topology_csv: Path
    child: tuple[Path, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.design_json, self.scalesim_cfg, self.topology_csv, *self.child)


def _plain(name: str) -> str:
    """A SCALE-Sim run name: letters, digits, ``_``, ``-`` and ``.`` only (it names its output folder)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def design_record(archive: "Archive", table: "DesignTable", row: int) -> dict[str, Any]:
    """The export fields of design ``row`` of ``table``: id, network, accelerator, metrics,
    objectives, provenance (plain JSON-able data)."""
    rec = table.record(row)
    meta = archive.meta
    problem = archive.problem()
    return {
        "id": rec["id"],
        "network": rec["network"],
        "accelerator": rec["accelerator"],
        "metrics": rec["metrics"],
        "objectives": rec["objectives"],
        "feasible": rec["feasible"],
        "provenance": {
            "run": meta.run, "run_dir": str(Path(archive.path).resolve().parent), "generation": rec["generation"],
            "genome": rec["genome"], "genes": problem.space.values_of(rec["genome"]),
            "problem": {"name": meta.problem_name, "fingerprint": meta.fingerprint, "text": meta.problem_text},
            "seed": meta.seed, "strategy": rec["strategy"], "run_strategy": meta.strategy,
            "accuracy_source": meta.accuracy_source,  # what scored it: evaluate scores it the same way
            "versions": dict(meta.versions),
            "simulator": None if meta.simulator_source is None else dict(meta.simulator_source),
        },
    }


def export_design(archive: "Archive", design_id: int, out_dir: str | Path, *, dataflow: str = "ws",
                  finetune_epochs: int | None = None, supernet: str | Path | None = None,
                  supernet_cache: str | Path | None = None, data: str | None = None,
                  selection: dict[str, Any] | None = None, designs: "DesignTable | None" = None,
                  progress: bool = False, device: str | None = None) -> Export:
    """Write ``design.json``, ``scalesim.cfg`` and ``topology.csv`` of design ``design_id``
    into ``out_dir``; with ``finetune_epochs``, also the fine-tuned child network (see
    :mod:`evo_cosearch.select.finetune`; seeded with the run's seed; ``supernet`` and ``data``
    default to those the run's search used; it trains on ``device``, default the CPU).
    ``selection``: how the design was chosen (the rule and filters), recorded in ``design.json``.
    ``designs``: the archive's table when the caller has read it already."""
    designs = archive.designs() if designs is None else designs
    row = _row(archive, designs, design_id)
    record = design_record(archive, designs, row)
    if selection is not None:
        record["selection"] = selection
    spec = archive.problem().design(designs.genome[row])
    hw = scalesim_equivalent(spec.accelerator, dataflow=dataflow)
    texts = {
        DESIGN_JSON: json.dumps(record, indent=2) + "\n",
        SCALESIM_CFG: scalesim_config_text(hw.rows, hw.cols, hw.dataflow, hw.ifmap_sram_kb, hw.filter_sram_kb,
                                           hw.ofmap_sram_kb, bandwidth=hw.bandwidth_words,
                                           run_name=_plain(f"{record['provenance']['run']}_id{design_id}")),
        TOPOLOGY_CSV: topology_text(record_workload(spec.network, record["network"])),
    }
    out = given_path(out_dir, "export")  # "": an error, not the current folder
    tuned = None
    _check_export(archive, out, record, finetune=finetune_epochs is not None)  # before a fine-tuning, too
    if finetune_epochs is not None:
        from evo_cosearch.runs import run_problem
        from evo_cosearch.select.finetune import finetune
        problem = run_problem(archive.problem(), archive.meta, data, where=str(archive.given))
        tuned = finetune(problem, spec.network, epochs=finetune_epochs,
                         seed=archive.meta.seed, supernet=supernet, recorded=archive.meta.accuracy_source,
                         cache_dir=supernet_cache, progress=progress, device=device)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        write_text_atomic(out / name, text, "export")
    child: tuple[Path, ...] = ()
    if tuned is not None:
        from evo_cosearch.select.finetune import save_finetuned
        child = save_finetuned(tuned, out)
    return Export(out / DESIGN_JSON, out / SCALESIM_CFG, out / TOPOLOGY_CSV, child)


def _identity(record: dict[str, Any]) -> tuple:
    prov = record["provenance"]
    return (prov["run_dir"], record["id"], prov["genome"], prov["seed"], prov["problem"]["fingerprint"],
            record["network"])


def _check_export(archive: "Archive", out: Path, record: dict[str, Any], *, finetune: bool) -> None:
    """Refuse, before anything is written: fine-tuning a refined design (its trained child exists),
    an export folder that cannot take every file of the export, one whose files belong to a run (a
    refined design's folder), one that holds another design's export, or (fine-tuning) a ``child.pt``
    that is not a saved child of the design's network."""
    if finetune and "refined" in record["network"]:
        raise InputError(f"design {record['id']} is refined: its trained child is "
                         f"{Path(archive.path).parent / REFINED_DIR / str(record['id']) / CHILD_PT}")
    writable_path(out, "export", directory=True)
    names = (DESIGN_JSON, SCALESIM_CFG, TOPOLOGY_CSV) + (_child_names() if finetune else ())
    for name in names:
        writable_path(out / name, "export")
        run = run_of_file(out / name)
        if run is not None:  # a refined design's folder: its child.pt is the design's trained child
            raise InputError(f"{out}: is a refined design's folder of the run in {run}; choose another "
                             f"{_export_arg()}")
    _check_not_another_export(out, record)
    if finetune:  # a child saved there without an export (train-child --out): only this network's is replaced
        from evo_cosearch.space.spec import NetworkSpec
        from evo_cosearch.supernet import child_out_path
        child_out_path(out / CHILD_PT, NetworkSpec.from_dict(record["network"]),
                       remedy=f"choose another {_export_arg()}")


def _export_arg() -> str:
    """The export folder as the caller named it: ``--export folder`` (select), else ``out_dir``."""
    return as_called("--export folder", "out_dir")


def _child_names() -> tuple[str, ...]:
    from evo_cosearch.select.finetune import CHILD_JSON, CHILD_ONNX, FINETUNE_JSON
    return CHILD_PT, CHILD_JSON, CHILD_ONNX, FINETUNE_JSON


def _check_not_another_export(out: Path, record: dict[str, Any]) -> None:
    """Refuse a folder holding another design's export: its fine-tuned child (``child.pt``) would
    be left beside the new design's files."""
    old = out / DESIGN_JSON
    if not old.exists():
        return
    try:
        before = json.loads(old.read_text(encoding="utf-8"))
        same = _identity(before) == _identity(json.loads(json.dumps(record)))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        raise InputError(f"{old}: cannot be read as an exported design; choose another {_export_arg()}") from None
    if not same:
        raise InputError(f"{out}: holds the export of another design ({old}); choose another {_export_arg()}")


def check_export_folder(archive: "Archive", design_id: int, out_dir: str | Path, *,
                        designs: "DesignTable | None" = None, finetune: bool = False,
                        supernet: str | Path | None = None, data: str | None = None,
                        device: str | None = None) -> None:
    """What :func:`export_design` checks of ``out_dir`` before writing, and with ``finetune`` what the
    fine-tuning reads and where it trains (``supernet``, ``data``, ``device``: as :func:`export_design`
    takes them), for callers that print first."""
    designs = archive.designs() if designs is None else designs
    record = design_record(archive, designs, _row(archive, designs, design_id))
    _check_export(archive, given_path(out_dir, "export"), record, finetune=finetune)
    if finetune:
        from evo_cosearch.runs import run_problem
        from evo_cosearch.select.finetune import check_finetune_inputs
        from evo_cosearch.supernet.runtime import training_device

        training_device(device)
        problem = run_problem(archive.problem(), archive.meta, data, where=str(archive.given))
        check_finetune_inputs(problem, archive.meta.accuracy_source, supernet=supernet)


def _row(archive: "Archive", designs: "DesignTable", design_id: int) -> int:
    rows = np.flatnonzero(designs.id == int(design_id))
    if len(rows) == 0:
        raise InputError(f"{archive.path}: no design with id {design_id}")
    return int(rows[0])
