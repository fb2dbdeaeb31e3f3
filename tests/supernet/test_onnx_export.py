"""A child exported as ONNX computes what the PyTorch child computes, for every quantizer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from evo_cosearch.problem import load_problem
from evo_cosearch.supernet import build_child
from evo_cosearch.supernet.onnx_export import INPUT_NAME, export_onnx
from evo_cosearch.supernet.sample import random_spec

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxscript")
from onnx.reference import ReferenceEvaluator  # noqa: E402

PROBLEMS = Path(__file__).resolve().parents[2] / "problems"
QUANTIZERS = ["binary", "ternary", 2, 4, 6, 8, "po2_4", "fp16", 16]


def _same_quantizer(spec, w, a):
    stages = tuple(replace(st, layers=tuple(replace(l, w_bits=w, a_bits=a) for l in st.layers)) for st in spec.stages)
    return replace(spec, stages=stages)


def _check(spec, path: Path, seed: int = 0) -> None:
    torch.manual_seed(seed)
    child = build_child(spec, seed=seed)
    x = torch.randn(64, spec.in_channels, spec.in_size, spec.in_size)
    child.train()
    with torch.no_grad():
        child(x)  # activation ranges and BatchNorm statistics from data, not their initial values
    child.eval()
    export_onnx(child, spec, path)
    assert [f.name for f in path.parent.iterdir()] == [path.name]  # weights inside, no external data file
    with torch.no_grad():
        want = child(x[:5]).numpy()
    got = ReferenceEvaluator(onnx.load(str(path))).run(None, {INPUT_NAME: x[:5].numpy()})[0]
    assert got.shape == want.shape == (5, spec.num_classes)  # a batch size other than the export's
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5 * float(np.abs(want).max()))


@pytest.mark.parametrize("quantizer", QUANTIZERS)
def test_plain_conv_child_with_each_quantizer(quantizer, tmp_path):
    problem = load_problem(PROBLEMS / "autoqkeras_fashion_mnist.yaml")
    spec = _same_quantizer(random_spec(problem.network, np.random.default_rng(1)), quantizer, quantizer)
    _check(spec, tmp_path / "c.onnx")


@pytest.mark.parametrize("seed", [0, 1])
def test_mbconv_child_with_mixed_bit_widths(seed, tmp_path):
    problem = load_problem(PROBLEMS / "demo_digits.yaml")
    _check(random_spec(problem.network, np.random.default_rng(seed)), tmp_path / "c.onnx", seed)
