"""Figures of run archives: fronts, parallel coordinates, hypervolume, attainment surfaces."""

from evo_cosearch.plots.fronts import front_3d_figure, pair_axes, pair_figure, parallel_figure, staircase
from evo_cosearch.plots.make import load_run, main_genes, make_plots
from evo_cosearch.plots.runs import (
    HVCurve, RunData, attainment, common_hv_box, eaf_figure, hv_compare_figure, hv_curve, hv_figure, median_band,
)

__all__ = [
    "HVCurve", "RunData", "attainment", "common_hv_box", "eaf_figure", "front_3d_figure", "hv_compare_figure",
    "hv_curve", "hv_figure", "load_run", "main_genes", "make_plots", "median_band", "pair_axes", "pair_figure",
    "parallel_figure", "staircase",
]
