"""Supernet checkpoints: what is not one (another tool's file, a damaged one) is a one-line InputError."""

from __future__ import annotations

import pytest
import torch

from evo_cosearch.errors import InputError
from evo_cosearch.supernet.checkpoint import load_checkpoint, load_torch_file, save_atomic


@pytest.mark.parametrize("change,needle", [
    ({"meta": {"a": 1}}, "its meta is not a JSON object"),  # another tool's {"model", "meta"} file
    ({"meta": "not json"}, "its meta is not a JSON object"),
    ({"meta": "[1, 2]"}, "its meta is not a JSON object"),
    ({"numpy_rng": None}, "no 'numpy_rng'"),
])
def test_a_file_that_is_not_a_whole_checkpoint_is_named(tiny_ckpt, tmp_path, change, needle):
    ckpt = load_torch_file(tiny_ckpt, "supernet checkpoint")
    ckpt.update(change)
    ckpt = {k: v for k, v in ckpt.items() if v is not None}
    bad = tmp_path / "bad.pt"
    save_atomic(ckpt, bad)
    with pytest.raises(InputError, match=f"bad.pt: not an evo_cosearch supernet checkpoint .*{needle}") as err:
        load_checkpoint(bad)
    assert "\n" not in str(err.value)


def test_a_whole_checkpoint_loads_with_its_meta_parsed(tiny_ckpt):
    ckpt = load_checkpoint(tiny_ckpt)
    assert isinstance(ckpt["meta"], dict) and ckpt["epoch"] == ckpt["epochs"] and isinstance(ckpt["model"], dict)
    assert all(isinstance(v, torch.Tensor) for v in ckpt["model"].values())
