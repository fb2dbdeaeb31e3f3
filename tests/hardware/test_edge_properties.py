"""Edge simulator: properties over random designs and random layers (hypothesis).

Each example draws a seed and builds a batch of random accelerators and random, well-formed
layers (every kind, ragged channel counts, wide and narrow bits, inactive slots), so one
example checks many designs at once.
"""

from __future__ import annotations

from dataclasses import fields, replace

import numpy as np
from hypothesis import given, settings, strategies as st

from evo_cosearch.hardware import simulate
from evo_cosearch.hardware.area import area_mm2
from evo_cosearch.hardware.technology import BIAS_BITS
from evo_cosearch.hardware.terms import layer_terms
from evo_cosearch.space.accelerator import ACCELERATOR_TABLE, AcceleratorArrays
from evo_cosearch.workload import ADD, DENSE, DW, POOL, PW, LayerArrays

N, L = 24, 10
SETTINGS = settings(max_examples=50, deadline=None, derandomize=True)
seeds = st.integers(0, 2**32 - 1)


def random_layers(rng: np.random.Generator, n: int = N, n_layers: int = L) -> LayerArrays:
    """Well-formed random operators of every kind (N, L)."""
    shape = (n, n_layers)
    kind = rng.integers(0, 6, shape)
    in_h = rng.integers(1, 33, shape)
    in_c = rng.integers(1, 300, shape)
    out_c = rng.integers(1, 300, shape)
    k = rng.choice([1, 3, 5, 7], shape)
    s = rng.integers(1, 3, shape)
    groups = np.ones(shape, np.int64)
    # kind-specific shapes
    dw = kind == DW
    out_c = np.where(dw | (kind == ADD) | (kind == POOL), in_c, out_c)
    groups = np.where(dw | (kind == POOL), in_c, groups)
    k = np.where((kind == PW) | (kind == DENSE) | (kind == ADD), 1, k)
    s = np.where((kind == DENSE) | (kind == ADD) | (kind == PW), 1, s)
    in_h = np.where(kind == DENSE, 1, in_h)
    out_h = (in_h + 2 * (k // 2) - k) // s + 1
    k = np.where(kind == POOL, in_h, k)
    out_h = np.where(kind == POOL, 1, out_h)
    s = np.where(kind == POOL, 1, s)
    bits = lambda: rng.choice([1, 2, 3, 4, 6, 8, 12, 16], shape)  # noqa: E731
    return LayerArrays(kind=kind, active=rng.random(shape) < 0.8, in_h=in_h, in_w=in_h, in_c=in_c, out_h=out_h,
                       out_w=out_h, out_c=out_c, kernel_h=k, kernel_w=k, stride=s, groups=groups,
                       w_bits=bits(), a_bits=bits())


def random_accelerators(rng: np.random.Generator, n: int = N) -> AcceleratorArrays:
    """Table values plus a few off-table ones (the model must hold beyond the table)."""
    cols = {}
    for name, values in ACCELERATOR_TABLE.items():
        vals = np.array(values, dtype=np.float64)
        cols[name] = np.where(rng.random(n) < 0.8, rng.choice(vals, n),
                              rng.choice(vals, n) * rng.choice([0.5, 1.5, 3.0], n))
    for name in ("pes_x", "pes_y", "simd_units", "compute_lanes", "mac_bits"):
        cols[name] = np.maximum(np.round(cols[name]), 1.0)
    return AcceleratorArrays(**cols)


def grown(acc: AcceleratorArrays, name: str, rng: np.random.Generator) -> AcceleratorArrays:
    """``acc`` with ``name`` increased by a random positive step (integer for counts)."""
    old = getattr(acc, name)
    steps = [0.01, 0.5, 3.0] if name == "local_memory_mb" else [1.0, 2.0, 7.0]
    step = rng.choice(steps, acc.n)
    return replace(acc, **{name: old + step})


@SETTINGS
@given(seeds)
def test_all_outputs_finite_nonnegative_and_zero_on_inactive_layers(seed):
    rng = np.random.default_rng(seed)
    layers, acc = random_layers(rng), random_accelerators(rng)
    m = simulate(layers, acc)
    for f in fields(m):
        v = np.asarray(getattr(m, f.name), dtype=np.float64)
        assert np.all(np.isfinite(v)) and np.all(v >= 0), f.name
    for name in ("cycles", "compute_cycles", "utilization", "layer_latency_ms", "layer_energy_uj"):
        assert np.all(getattr(m, name)[~layers.active] == 0), name
    assert np.all(m.utilization <= 1 + 1e-6)
    assert np.all(m.cycles >= m.compute_cycles)
    assert np.all(m.area_mm2 > 0) and np.all(m.latency_ms > 0) and np.all(m.energy_uj > 0)


@SETTINGS
@given(seeds, st.sampled_from(["pes_x", "pes_y", "compute_lanes", "simd_units"]))
def test_more_compute_resources_never_increase_compute_cycles(seed, name):
    rng = np.random.default_rng(seed)
    layers, acc = random_layers(rng), random_accelerators(rng)
    before = simulate(layers, acc).compute_cycles
    after = simulate(layers, grown(acc, name, rng)).compute_cycles
    assert np.all(after <= before)


@SETTINGS
@given(seeds)
def test_more_io_bandwidth_never_increases_latency(seed):
    rng = np.random.default_rng(seed)
    layers, acc = random_layers(rng), random_accelerators(rng)
    before, after = simulate(layers, acc), simulate(layers, grown(acc, "io_bandwidth_gbps", rng))
    assert np.all(after.layer_latency_ms <= before.layer_latency_ms)
    assert np.all(after.latency_ms <= before.latency_ms * (1 + 1e-6))


@SETTINGS
@given(seeds, st.sampled_from(["local_memory_mb", "register_file_kb"]))
def test_more_on_chip_memory_never_increases_dram_traffic(seed, name):
    rng = np.random.default_rng(seed)
    layers, acc = random_layers(rng), random_accelerators(rng)
    # small memories so that capacity actually binds for some designs
    acc = replace(acc, local_memory_mb=acc.local_memory_mb * rng.choice([1e-3, 1e-2, 1.0], acc.n))
    before, after = simulate(layers, acc), simulate(layers, grown(acc, name, rng))
    assert np.all(after.dram_bytes <= before.dram_bytes)


@SETTINGS
@given(seeds, st.sampled_from(list(ACCELERATOR_TABLE)))
def test_area_strictly_grows_with_every_resource(seed, name):
    rng = np.random.default_rng(seed)
    acc = random_accelerators(rng)
    assert np.all(area_mm2(grown(acc, name, rng)) > area_mm2(acc))


@SETTINGS
@given(seeds, st.sampled_from(["w_bits", "a_bits"]))
def test_more_bits_never_lower_energy_on_the_same_hardware(seed, name):
    rng = np.random.default_rng(seed)
    layers, acc = random_layers(rng), random_accelerators(rng)
    acc = replace(acc, local_memory_mb=acc.local_memory_mb * rng.choice([1e-3, 1e-2, 1.0], acc.n))
    more = replace(layers, **{name: getattr(layers, name) + rng.integers(0, 9, layers.shape)})
    before, after = simulate(layers, acc), simulate(more, acc)
    assert np.all(after.energy_uj >= before.energy_uj * (1 - 1e-6))
    assert np.all(after.compute_cycles >= before.compute_cycles)


@SETTINGS
@given(seeds)
def test_one_network_broadcasts_like_its_copies_and_blocks_do_not_matter(seed):
    rng = np.random.default_rng(seed)
    one = random_layers(rng, n=1)
    acc = random_accelerators(rng)
    tiled = LayerArrays(**{f.name: (np.repeat(getattr(one, f.name), N, axis=0) if f.name != "names" else ())
                           for f in fields(one)})
    a, b = simulate(one, acc), simulate(tiled, acc, block_elems=3 * L)
    for f in fields(a):
        np.testing.assert_allclose(getattr(a, f.name), getattr(b, f.name), rtol=1e-6, err_msg=f.name)


@SETTINGS
@given(seeds)
def test_float32_terms_reproduce_the_workload_counts(seed):
    rng = np.random.default_rng(seed)
    layers = random_layers(rng)
    t = layer_terms(layers)
    exact = lambda a, b: np.testing.assert_allclose(a, b, rtol=2**-23)  # noqa: E731  (float32 above 2**24)
    exact(t.macs, layers.macs)
    exact(t.elementwise_ops, layers.elementwise_ops)
    exact(t.ifmap_bits, layers.ifmap_elems * layers.a_bits)
    exact(t.weight_bits, layers.weights * layers.w_bits + layers.biases * BIAS_BITS)
    small = layers.macs < 2**24
    np.testing.assert_array_equal(t.macs[small], layers.macs[small])
    cols = np.array([0, 3, 4])
    exact(layer_terms(layers, slice(2, 9), cols).macs, layers.macs[2:9][:, cols])
