"""The refine table: what ``evo-cosearch refine`` prints for a refinement (the refine package writes it)."""

from __future__ import annotations

from pathlib import Path

from evo_cosearch.refine import Figures, Refined, RefineSettings, refine_table


def test_refine_table_shows_before_after_and_where_it_saved():
    before = Figures({"b1": 32}, 120_000, 5_000, 0.9, 0.0123, 4.5, 1.0)
    after = Figures({"b1": 12}, 60_000, 2_500, 0.875, 0.0101, 3.25, 1.0)
    done = Refined(7, 40, before, after, 0.8912, (), RefineSettings(epochs=2, lam=20.0), 3, None,
                   Path("run/refined/40"))
    assert refine_table(done).splitlines() == [
        "design 7 -> refined design 40 (archived accuracy 89.12 %)",
        "λ 20 × expected macs, 2 epochs, threshold 0.5, tau 0.5, seed 3, from the supernet",
        "                          before         after",
        "b1 hidden channels            32            12",
        "MACs                     120,000        60,000",
        "params                     5,000         2,500",
        "accuracy %                 90.00         87.50",
        "latency ms                0.0123        0.0101",
        "energy µJ                    4.5          3.25",
        "saved: run/refined/40",
    ]
