"""A selection as ``evo-cosearch select`` shows it: a table or a JSON record, how it was chosen, what was exported."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any, Sequence

from evo_cosearch.select.export import design_record

if TYPE_CHECKING:
    from evo_cosearch.archive import Archive
    from evo_cosearch.select.choose import Selection
    from evo_cosearch.select.export import Export
    from evo_cosearch.select.filters import Bounds

__all__ = ["selection_table", "selection_record", "selection_info", "export_lines", "finite_score", "EXTRA_COLUMNS"]

#: Headers of the objectives the table shows only when a run optimises them.
EXTRA_COLUMNS = {"edp": "EDP µJ·ms", "params": "params", "macs": "MACs"}


def selection_table(sel: "Selection") -> str:
    """The chosen design and its runners-up, one row each: accuracy, latency, energy, area, the run's
    other objectives (EDP, params, MACs) and the rule's score; a design ``refine`` added says so (its
    accuracy is measured after training)."""
    t = sel.ranked
    extra = [o for o in t.objectives if o in EXTRA_COLUMNS]
    head = f"{'rank':>4}  {'id':>6}  {'gen':>4}  {'acc %':>6}  {'latency ms':>11}  {'energy µJ':>10}  " \
           f"{'area mm²':>9}  " + "".join(f"{EXTRA_COLUMNS[o]:>10}  " for o in extra) + f"{'score':>9}"
    n = sel.n_candidates
    lines = [f"{sel.rule}: chose design {sel.chosen_id} of {n} candidate{'s' * (n != 1)}", head]
    m = t.metrics
    for k in range(len(t)):
        lines.append(f"{k + 1:>4}{'*' if k == 0 else ' '} {int(t.id[k]):>6}  {int(t.generation[k]):>4}  "
                     f"{100 * m['accuracy'][k]:>6.2f}  {m['latency_ms'][k]:>11.4g}  {m['energy_uj'][k]:>10.4g}  "
                     f"{m['area_mm2'][k]:>9.4g}  " + "".join(f"{_cell(o, m[o][k]):>10}  " for o in extra)
                     + f"{sel.scores[k]:>9.4g}" + ("" if t.searched[k] else _refined_note(t.network_json[k])))
    return "\n".join(lines)


def _refined_note(network_json: str) -> str:
    source = json.loads(network_json).get("refined_from")
    return "  refined" + ("" if source is None else f" from design {source}")


def _cell(objective: str, value: float) -> str:
    """A table cell: parameters and MACs are whole numbers (with thousands separators)."""
    return f"{int(round(value)):,}" if objective in ("params", "macs") else f"{value:.4g}"


def selection_record(archive: "Archive", sel: "Selection") -> dict[str, Any]:
    """The chosen design's export fields (:func:`~evo_cosearch.select.export.design_record`) and its
    ``selection``: the rule, its score, the number of candidates and the runners-up's ids and scores."""
    record = design_record(archive, sel.ranked, 0)
    record["selection"] = {
        "rule": sel.rule, "score": finite_score(sel.scores[0]), "n_candidates": sel.n_candidates,
        "runners_up": [{"id": int(sel.ranked.id[k]), "score": finite_score(sel.scores[k])}
                       for k in range(1, len(sel.ranked))],
    }
    return record


def finite_score(score) -> float | None:
    """A score for JSON: no design without a comparable neighbour gets one (knee), so null, not -Infinity."""
    score = float(score)
    return score if math.isfinite(score) else None


def selection_info(sel: "Selection", by: Sequence[str], options: dict[str, Any], bounds: "Bounds") -> dict[str, Any]:
    """How the design was chosen, as an export's ``design.json`` records it: the rule (``by``, its
    ``options`` by flag), the filters and the number of candidates."""
    return {"rule": sel.rule, "by": list(by), "options": options, "filters": bounds.active,
            "n_candidates": sel.n_candidates}


def export_lines(done: "Export", design_id: int) -> list[str]:
    """What an export wrote: its files and, fine-tuned, the child's test accuracy (and why no ONNX file)."""
    lines = [f"exported design {design_id}:"] + [f"  {path}" for path in done.paths]
    if done.child:
        report = json.loads(done.child[-1].read_text())
        n = report["epochs"]
        lines.append(f"fine-tuned {n} epoch{'s' * (n != 1)}: test accuracy {100 * report['test_accuracy']:.2f} %")
        if report.get("onnx_error"):
            lines.append(f"child.onnx not written: {report['onnx_error']}")
    return lines
