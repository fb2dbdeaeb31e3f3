"""Shared fixtures: a tiny digits problem and a supernet trained on it for one short epoch."""

from __future__ import annotations

from pathlib import Path

import pytest

TINY = """
name: tiny_digits
dataset: {name: digits}
network:
  edge_bits: 8
  stem: {stride: 1, width: [4, 8]}
  layer: {kernel: [3, 5], expansion: [1, 3], block: [mbconv, fused_mbconv], w_bits: [4, 8, 16], a_bits: [4, 8, 16]}
  stages:
    - {stride: 1, depth: [1, 2], width: [8]}
    - {stride: 2, depth: [1, 2], width: [8, 16]}
accelerator: {pes_x: [1, 2], pes_y: [1, 2], simd_units: [16, 32]}
objectives: [error, latency_ms]
supernet: {epochs: 1, batch_size: 64, max_train_images: 256}
evaluation: {recal_images: 64, val_images: 64, batch_size: 64}
"""


def write_tiny(directory: Path, **sections: str) -> Path:
    text = TINY
    for key, value in sections.items():
        text = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key}:")) + f"\n{key}: {value}\n"
    path = directory / "tiny.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="session")
def tiny_problem_path(tmp_path_factory) -> Path:
    return write_tiny(tmp_path_factory.mktemp("problem"))


@pytest.fixture(scope="session")
def tiny_ckpt(tiny_problem_path, tmp_path_factory) -> Path:
    from evo_cosearch.problem import load_problem
    from evo_cosearch.supernet import ensure_supernet

    return ensure_supernet(load_problem(tiny_problem_path), cache_dir=tmp_path_factory.mktemp("supernets"),
                           progress=False)
