"""docs/simulator.md's examples run as written and show what their text says."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np

DOC = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"


def _example(heading: str) -> str:
    text = DOC.read_text()
    start = text.index("```python\n", text.index(heading)) + len("```python\n")
    return text[start:text.index("```", start)]


def test_the_first_example_simulates_a_problems_population_with_the_shapes_it_names():
    ns: dict = {}
    exec(compile(_example("# The edge-accelerator simulator"), str(DOC), "exec"), ns)  # noqa: S102 - our own docs
    m, X = ns["m"], ns["X"]
    n, n_layers = len(X), m.cycles.shape[1]
    for name in ("latency_ms", "energy_uj", "area_mm2", "dram_bytes"):
        assert getattr(m, name).shape == (n,) and getattr(m, name).dtype == np.float64
    for name in ("cycles", "compute_cycles", "utilization", "layer_latency_ms", "layer_energy_uj"):
        assert getattr(m, name).shape == (n, n_layers) and getattr(m, name).dtype == np.float32
    assert m.resident.shape == (n,) and m.resident.dtype == bool


def test_the_own_layers_example_simulates_one_network_on_two_accelerators_and_at_four_bits():
    ns: dict = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(_example("## Your own layers"), str(DOC), "exec"), ns)  # noqa: S102 - our own docs
    m, layers = ns["m"], ns["layers"]
    assert layers.shape == (1, 3) and m.latency_ms.shape == (2,) and m.cycles.shape == (2, 3)
    assert m.latency_ms[1] < m.latency_ms[0] and m.area_mm2[1] > m.area_mm2[0]  # 64 PEs against 4
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and float(lines[1].strip("[]")) < m.energy_uj[0]  # 4 bits cost less than 8
    np.testing.assert_array_equal(layers.w_bits, 8)
