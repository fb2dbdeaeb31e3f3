"""Technology constants: the fits reproduce Horowitz (ISSCC 2014, 45 nm) and are vectorised."""

from __future__ import annotations

import numpy as np
import pytest

from evo_cosearch.hardware import technology as tech


def test_multiply_and_add_fits_reproduce_horowitz():
    assert tech.mult_energy_pj(8) == pytest.approx(0.2, abs=1e-9)
    assert tech.mult_energy_pj(32) == pytest.approx(3.1, rel=0.01)
    assert tech.add_energy_pj(8) == pytest.approx(0.03, rel=0.2)  # fit 0.0248 vs 0.03
    assert tech.add_energy_pj(32) == pytest.approx(0.1, rel=0.01)
    assert tech.mac_energy_pj(8) == pytest.approx(tech.mult_energy_pj(8) + tech.add_energy_pj(16))


def test_asymmetric_multiply_is_between_its_square_neighbours():
    lo, mid, hi = tech.mult_energy_pj(4), tech.mult_energy_pj(4, 16), tech.mult_energy_pj(16)
    assert lo < mid < hi
    assert tech.mult_energy_pj(4, 16) == tech.mult_energy_pj(16, 4)


def test_sram_fit_within_7_percent_of_the_three_horowitz_points():
    e64 = tech.sram_energy_pj_per_bit(np.array([8, 32, 1024])) * 64
    np.testing.assert_allclose(e64, [10, 20, 100], rtol=0.07)
    kb = np.array([0.5, 8, 64, 512, 4096])
    assert np.all(np.diff(tech.sram_energy_pj_per_bit(kb)) > 0)


def test_dram_and_multiplier_area():
    assert tech.DRAM_PJ_PER_BIT == 20.3125 == 1300 / 64
    np.testing.assert_allclose(tech.mult_area_um2(np.array([8, 32])), [282, 3495])
    assert tech.add_area_um2(32) == pytest.approx(137, rel=0.01)


def test_functions_are_vectorised_and_keep_float32():
    bits = np.arange(1, 17, dtype=np.float32).reshape(4, 4)
    for fn in (tech.mac_energy_pj, tech.mult_energy_pj, tech.add_energy_pj, tech.sram_energy_pj_per_bit,
               tech.register_file_energy_pj_per_bit):
        out = fn(bits)
        assert out.shape == (4, 4) and out.dtype == np.float32
    assert tech.mac_energy_pj(np.array([8, 16])).dtype == np.float64
