"""Genome <-> spec round trips, validation, and the problem-file loader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from evo_cosearch.errors import GenomeError, ProblemError
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.space import ACCELERATOR_TABLE, SearchSpace, format_genome

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "problems" / "demo_digits.yaml"


@pytest.fixture(scope="module")
def problem():
    return load_problem(DEMO)


def test_accelerator_genes_are_the_reference_table(problem):
    for name, values in ACCELERATOR_TABLE.items():
        assert problem.space.gene(name).values == tuple(values)


def test_genome_text_round_trip(problem):
    X = problem.space.sample(50, np.random.default_rng(1))
    for g in X:
        assert np.array_equal(problem.space.parse_genome(format_genome(g)), g)


def test_population_columns_match_single_decode(problem):
    X = problem.space.sample(64, np.random.default_rng(2))
    acc = problem.accelerator_arrays(X)
    net = problem.network_arrays(X)
    for i in range(len(X)):
        d = problem.design(X[i])
        assert acc.spec(i) == d.accelerator
        assert int(net.stem_width[i]) == d.network.stem_width
        for s, st in enumerate(d.network.stages):
            assert net.depth[i, s] == st.depth and net.width[i, s] == st.width
            for j, layer in enumerate(st.layers):
                assert net.kernel[i, s, j] == layer.kernel
                assert net.expansion[i, s, j] == layer.expansion


@pytest.mark.parametrize("text,needle", [
    ("1,2", "genes, the space has"),
    ("x" + ",0" * 44, "'x' is not an integer"),
    ("0,,0" + ",0" * 43, "entry 2 of 46 is empty"),
    ("0" + ",0" * 44 + ",", "entry 46 of 46 is empty"),
    ("", "entry 1 of 1 is empty"),
    ("\u00b2" + ",0" * 44, "'\u00b2' is not an integer"),  # isdigit() but no int
])
def test_bad_genome_text(problem, text, needle):
    with pytest.raises(GenomeError, match=needle):
        problem.space.parse_genome(text)


def test_out_of_range_index_names_the_gene(problem):
    g = np.zeros(problem.space.n_var, dtype=int)
    g[problem.space.index_of("mac_bits")] = 3
    with pytest.raises(GenomeError, match=r"mac_bits\): index 3 is out of range 0..2"):
        problem.space.validate(g)


def test_space_size_is_product_of_cardinalities(problem):
    assert problem.space.size == int(np.prod(problem.space.cardinalities.astype(object)))
    d = problem.space.to_dict()
    assert json.loads(json.dumps(d))["size"] == problem.space.size


@pytest.mark.parametrize("edit,needle", [
    (("objectives: [error, latency_ms, energy_uj]", "objectives: [error, speed]"), "unknown objective 'speed'"),
    (("  mac_bits: [4, 8, 16]", "  mac_bits: []"), "accelerator.mac_bits: empty value list"),
    (("  mac_bits: [4, 8, 16]", "  mac_bits: [4, 8, 16]\n  clock_ghz: [1]"), "unknown key 'clock_ghz'"),
    (("    kernel: [3, 5, 7]", "    kernel: [3, 4]"), "kernel sizes must be odd"),
    (("    block: [mbconv, fused_mbconv]", "    block: [mbconv, resnet]"), "unknown block type 'resnet'"),
    (("  edge_bits: 8", "  edge_bits: -3"), "network.edge_bits"),
    (("constraints: {}", "constraints: {min_accuracy: 1.5}"), r"constraints.min_accuracy: 1.5 is not an accuracy"),
    (("constraints: {}", "constraints: {max_latency_ms: -1}"), r"constraints.max_latency_ms: -1 must be > 0"),
    (("  val_fraction: 0.2", "  val_fraction: 1.5"), r"dataset.val_fraction: 1.5 must be"),
    (("  val_fraction: 0.2", "  val_fration: 0.1"), "dataset.val_fration: unknown option"),
    (("constraints: {}", "constraints: {}\nobjectives: [error, area_mm2]"), "key 'objectives' given twice"),
    (("constraints: {}", "constraints: {}\ninput: {channels: 1, size: 28, classes: 10, foo: 1}"),
     "input.foo: unknown key"),
    (("  mac_bits: [4, 8, 16]", "  mac_bits: [4, 8, 2000000]"), r"accelerator.mac_bits: value 2000000 is outside"),
    (("constraints: {}", "constraints: {}\ninput: {channels: 3, size: 32, classes: 10}"),
     r"input.channels: 3 but dataset '\w+' has 1 \(input is needed only for imagefolder\)"),
    # a stride that is no integer was cut to one (1.5 -> 1)
    (("- {stride: 2, depth: [1, 2], width: [16, 24]}", "- {stride: 1.5, depth: [1, 2], width: [16, 24]}"),
     r"network.stages\[1\].stride: must be 1 or 2, got 1.5"),
    (("stem: {stride: 1, width: [8, 16]}", "stem: {stride: 2.5, width: [8, 16]}"),
     r"network.stem.stride: must be 1 or 2, got 2.5"),
])
def test_bad_problem_file_names_the_field(edit, needle):
    text = DEMO.read_text()
    assert edit[0] in text
    with pytest.raises(ProblemError, match=needle):
        parse_problem(text.replace(*edit, 1))


@pytest.mark.parametrize("name, bad, needle", [
    ("kernel", [4], r"network.layer.kernel: kernel sizes must be odd, got \[4\]"),
    ("expansion", [0], r"network.layer.expansion: value 0 must be a positive integer"),
    ("block", ["resnet"], r"network.layer.block: unknown block type 'resnet'"),
    ("w_bits", ["tern"], r"network.layer.w_bits: 'tern' is not a quantizer"),
])
def test_network_layer_lists_are_checked_where_every_stage_overrides_them(name, bad, needle):
    # they were read only through a stage that used them: a wrong list no stage used passed
    cfg = yaml.safe_load(DEMO.read_text())
    for stage in cfg["network"]["stages"]:
        stage["layer"] = {name: cfg["network"]["layer"][name]}
    parse_problem(yaml.safe_dump(cfg))
    cfg["network"]["layer"][name] = bad
    with pytest.raises(ProblemError, match=needle):
        parse_problem(yaml.safe_dump(cfg))


def test_a_network_layer_list_left_empty_is_the_stages_to_give():
    # `kernel:` (null) in network.layer, every stage giving its own, was refused as "missing value list"
    # once the layer lists were checked there too; a stage that then gives none is still refused
    cfg = yaml.safe_load(DEMO.read_text())
    kernels = cfg["network"]["layer"]["kernel"]
    cfg["network"]["layer"]["kernel"] = None
    for stage in cfg["network"]["stages"][1:]:
        stage["layer"] = {"kernel": kernels}
    with pytest.raises(ProblemError, match=r"network.stages\[0\].layer.kernel: no value list"):
        parse_problem(yaml.safe_dump(cfg))
    cfg["network"]["stages"][0]["layer"] = {"kernel": kernels}
    assert parse_problem(yaml.safe_dump(cfg)).space == parse_problem(DEMO.read_text()).space


def test_adding_a_value_changes_only_that_gene(problem):
    text = DEMO.read_text().replace("  simd_units: [16, 32, 64, 128]", "  simd_units: [16, 32, 64, 128, 256]")
    other = parse_problem(text)
    assert other.space.gene("simd_units").cardinality == 5
    assert other.space.size == problem.space.size // 4 * 5


def test_duplicate_gene_names_rejected():
    from evo_cosearch.space import Gene
    with pytest.raises(ProblemError, match="declared twice"):
        SearchSpace((Gene("a", (1, 2)), Gene("a", (1,))))


def test_extreme_children_of_a_chosen_block_type(problem):
    t = problem.network
    assert t.block_types == ("mbconv", "fused_mbconv")
    default, fused = t.smallest(), t.smallest(block="fused_mbconv")
    assert {layer.block for st in default.stages for layer in st.layers} == {"mbconv"}
    assert {layer.block for st in fused.stages for layer in st.layers} == {"fused_mbconv"}
    assert [st.width for st in fused.stages] == [st.width for st in default.stages]
    assert t.largest(block="conv") == t.largest()  # a type no stage allows: the default


def test_smallest_fixed_point_skips_named_quantizers():
    t = load_problem(ROOT / "problems" / "autoqkeras_digits.yaml").network
    quants = lambda spec: {(layer.w_bits, layer.a_bits) for st in spec.stages for layer in st.layers}
    assert quants(t.smallest()) == {("binary", "binary")}
    assert quants(t.smallest(fixed_point=True)) == {(2, 2)}
    assert [st.width for st in t.smallest(fixed_point=True).stages] == [st.width for st in t.smallest().stages]
    text = (ROOT / "problems" / "autoqkeras_digits.yaml").read_text()
    text = text.replace("[binary, ternary, 2, 4, 6, 8, po2_4, fp16]", "[ternary, po2_4]").replace('": 8', '": po2_4')
    assert quants(parse_problem(text).network.smallest(fixed_point=True)) == {("ternary", "ternary")}
