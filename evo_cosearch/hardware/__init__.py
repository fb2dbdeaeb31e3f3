"""The hardware simulators: pure, vectorised functions of (layers, accelerators) -> metrics.

``simulate`` is the analytical edge-TPU-like template (docs/simulator.md); technology
constants (45 nm energy, area, clock) live in :mod:`evo_cosearch.hardware.technology`.
"""

from __future__ import annotations

from evo_cosearch.hardware.area import area_mm2
from evo_cosearch.hardware.simulate import HardwareMetrics, simulate

__all__ = ["simulate", "HardwareMetrics", "area_mm2"]
