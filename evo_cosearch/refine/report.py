"""A refinement as ``evo-cosearch refine`` shows it: the before/after table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evo_cosearch.refine.refine import Refined

__all__ = ["refine_table"]


def refine_table(done: "Refined") -> str:
    """Before / after: hidden channels per pruned block, MACs, params, accuracy, latency, energy."""
    b, a = done.before, done.after
    rows = [(f"{name} hidden channels", str(b.hidden[name]), str(a.hidden[name])) for name in b.hidden]
    rows += [("MACs", f"{b.macs:,}", f"{a.macs:,}"), ("params", f"{b.params:,}", f"{a.params:,}"),
             ("accuracy %", f"{100 * b.accuracy:.2f}", f"{100 * a.accuracy:.2f}"),
             ("latency ms", f"{b.latency_ms:.4g}", f"{a.latency_ms:.4g}"),
             ("energy µJ", f"{b.energy_uj:.4g}", f"{a.energy_uj:.4g}")]
    w = max(len(r[0]) for r in rows)
    s = done.settings
    lines = [f"design {done.source_id} -> refined design {done.design_id} (archived accuracy "
             f"{100 * done.archived_accuracy:.2f} %)",
             f"λ {s.lam:g} × expected {s.cost}, {s.epochs} epochs, threshold {s.threshold:g}, tau {s.tau:g}, "
             f"seed {done.seed}, {'from scratch' if s.from_scratch else 'from the supernet'}",
             f"{'':<{w}}  {'before':>12}  {'after':>12}"]
    lines += [f"{name:<{w}}  {x:>12}  {y:>12}" for name, x, y in rows]
    lines.append(f"saved: {done.out_dir}")
    return "\n".join(lines)
