"""Quantizer gene values: names and bit-widths in one gene, decoding, the reference genome."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evo_cosearch.errors import ProblemError
from evo_cosearch.problem import load_problem, parse_problem
from evo_cosearch.space import CATEGORICAL, ORDINAL
from evo_cosearch.space.quant import (
    BINARY, FIXED, FLOAT, PO2, TERNARY, parse_quantizer, quant_json, quant_rank, quantizer_value,
)
from evo_cosearch.space.reference import reference_genome

ROOT = Path(__file__).resolve().parents[2]
AQ = ROOT / "problems" / "autoqkeras_digits.yaml"

NETWORK = """
dataset: {name: digits}
network:
  stem: {stride: STRIDE, width: [0]}
  layer: {kernel: [3], expansion: [1], block: [conv], w_bits: WBITS, a_bits: [8]}
  stages:
    - {stride: 1, depth: [1], width: [8, 16]}
accelerator: {pes_x: 1, pes_y: 1, simd_units: 16, compute_lanes: 1, local_memory_mb: 1, register_file_kb: 8,
              io_bandwidth_gbps: 5, mac_bits: 8}
objectives: [error, energy_uj]
"""


def _problem(w_bits="[binary, 4, po2_4, fp16]", stride=1, extra=""):
    return parse_problem(NETWORK.replace("WBITS", w_bits).replace("STRIDE", str(stride)) + extra)


@pytest.mark.parametrize("value,expected", [
    (8, (FIXED, 8)), (16, (FIXED, 16)), ("binary", (BINARY, 1)), ("ternary", (TERNARY, 2)),
    ("po2_4", (PO2, 4)), ("po2_8", (PO2, 8)), ("fp16", (FLOAT, 16)),
])
def test_parse_and_back(value, expected):
    assert parse_quantizer(value) == expected
    assert quantizer_value(*expected) == value


@pytest.mark.parametrize("value", ["int8", "po2_2", "po2_9", 0, -4, True, None, 2.5])
def test_unknown_quantizers_are_problem_errors_naming_the_field(value):
    with pytest.raises(ProblemError, match=r"^s1\.w_bits: .* is not a quantizer"):
        parse_quantizer(value, "s1.w_bits")


def test_precision_order():
    order = ["binary", "ternary", 2, "po2_4", 4, 8, "fp16", 16]
    assert sorted(order[::-1], key=quant_rank) == order


def test_json_text_of_values():
    kind = np.array([[FIXED, BINARY], [PO2, FLOAT]])
    bits = np.array([[8, 1], [4, 16]])
    assert quant_json(kind, bits) == [["8", '"binary"'], ['"po2_4"', '"fp16"']]
    assert quant_json(np.zeros(3, int), np.array([2, 4, 8])) == [2, 4, 8]  # plain ints, as before


def test_a_list_with_names_is_a_categorical_gene_in_file_order():
    p = _problem()
    gene = p.space.gene("s1.l1.w_bits")
    assert gene.kind == CATEGORICAL and gene.values == ("binary", 4, "po2_4", "fp16")
    assert p.space.gene("s1.l1.a_bits").kind == ORDINAL  # numbers only: ordinal, as before


def test_numeric_lists_keep_their_old_genes():
    p = _problem(w_bits="[16, 2, 8]")
    gene = p.space.gene("s1.l1.w_bits")
    assert gene.kind == ORDINAL and gene.values == (2, 8, 16)


def test_decoded_arrays_and_specs_carry_the_quantizer():
    p = _problem()
    X = np.zeros((4, p.space.n_var), np.int64)
    X[:, p.space.index_of("s1.l1.w_bits")] = [0, 1, 2, 3]
    net = p.network_arrays(X)
    assert net.w_quant[:, 0, 0].tolist() == [BINARY, FIXED, PO2, FLOAT]
    assert net.w_bits[:, 0, 0].tolist() == [1, 4, 4, 16]
    assert [p.design(x).network.stages[0].layers[0].w_bits for x in X] == ["binary", 4, "po2_4", "fp16"]
    assert net.stem_width.tolist() == [0] * 4 and p.design(X[0]).network.stem_out_channels == 1


def test_bad_quantizer_in_a_problem_file_names_the_field():
    with pytest.raises(ProblemError, match=r"network\.layer\.w_bits: 'int3' is not a quantizer"):
        _problem(w_bits="[int3, 8]")


def test_no_stem_needs_stride_one():
    with pytest.raises(ProblemError, match=r"network\.stem: width 0 \(no stem\) needs stride 1"):
        _problem(stride=2)


def test_reference_section_by_names_and_patterns():
    p = load_problem(AQ)
    ref = p.network.spec(p.space, p.reference)
    assert [st.width for st in ref.stages] == [16, 32, 64]
    assert all(l.w_bits == 8 and l.a_bits == 8 for st in ref.stages for l in st.layers)
    assert ref.acc_bits == 16 and ref.stem_width == 0


@pytest.mark.parametrize("cfg,needle", [
    ({"s1.width": 8}, "no value for gene 's1.l1.w_bits'"),
    ({"s*.w_bits": "int8", "s1.width": 8}, r"reference\.s\*\.w_bits: 'int8' is not a value of gene"),
    ({"s9.width": 8}, r"reference\.s9\.width: matches no gene"),
    ({}, "must be a non-empty mapping"),
])
def test_bad_reference_sections(cfg, needle):
    p = _problem()
    with pytest.raises(ProblemError, match=needle):
        reference_genome(p.space, cfg)


def test_reference_in_a_problem_file_is_checked_on_load():
    p = _problem(extra="reference: {s1.width: 16, 's*.w_bits': fp16}\n")
    assert p.design(p.reference).network.stages[0].layers[0].w_bits == "fp16"
    with pytest.raises(ProblemError, match="reference"):
        _problem(extra="reference: {s1.width: 12, 's*.w_bits': fp16}\n")
