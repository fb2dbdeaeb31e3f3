"""A child network as ONNX (needs the optional ``onnx`` and ``onnxscript`` packages).

The fake quantizers write their grids as plain ops while exporting (see
:mod:`evo_cosearch.supernet.quant`), so the file computes what the PyTorch child computes.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import torch
from torch import nn

from evo_cosearch.space.spec import NetworkSpec

__all__ = ["INPUT_NAME", "OUTPUT_NAME", "export_onnx"]

INPUT_NAME, OUTPUT_NAME = "image", "logits"


def export_onnx(module: nn.Module, spec: NetworkSpec, path: str | Path) -> Path:
    """Write ``module``, a child network of ``spec``, in evaluation mode, as ONNX with a dynamic
    batch size: input ``image`` (N, C, H, W) float32, output ``logits`` (N, classes); the weights are
    inside the one file."""
    dummy = torch.zeros(2, spec.in_channels, spec.in_size, spec.in_size)
    # the exporter logs each optional torchvision op it skips, and warns about torch internals
    registry = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registry.level
    registry.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            torch.onnx.export(module.eval(), (dummy,), str(path), input_names=[INPUT_NAME],
                              output_names=[OUTPUT_NAME], dynamic_shapes=({0: torch.export.Dim("batch")},),
                              external_data=False, verbose=False)
    finally:
        registry.setLevel(level)
    return Path(path)
