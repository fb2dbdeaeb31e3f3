"""Stand-alone children: save/load round trip (weights-only), training, fine-tuning."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from evo_cosearch.errors import InputError, cli_names
from evo_cosearch.problem import load_problem
from evo_cosearch.supernet import (
    InputNormalization, build_child, child_out_path, extract_child, load_child, load_supernet, problem_splits,
    save_child, train_child,
)


def test_save_load_round_trip(tiny_problem_path, tiny_ckpt, tmp_path):
    p = load_problem(tiny_problem_path)
    net = load_supernet(p, tiny_ckpt)
    spec = p.network.spec(p.space, p.space.sample(1, np.random.default_rng(2))[0])
    child = extract_child(net, spec).eval()
    save_child(tmp_path / "child.pt", child, spec, input_normalization={"mean": 0.0, "std": 1.0})
    loaded, spec2 = (saved := load_child(tmp_path / "child.pt")).module, saved.spec
    assert spec2 == spec
    x = torch.randn(5, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(loaded(x), child(x), atol=1e-6)


def test_a_loaded_child_normalises_raw_pixels_as_it_was_trained(tiny_problem_path, tmp_path):
    p = load_problem(tiny_problem_path)
    spec = p.network.smallest()
    child = build_child(spec).eval()
    save_child(tmp_path / "child.pt", child, spec, input_normalization={"mean": 3.0, "std": 2.0})
    saved = load_child(tmp_path / "child.pt")
    assert saved.input_normalization == InputNormalization(mean=3.0, std=2.0) and saved.hidden == {}
    raw = torch.randint(0, 17, (4, 1, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    x = saved.input_normalization(raw)  # uint8 tensors, numpy arrays: the float32 input the child read
    assert x.dtype == torch.float32 and torch.equal(x, (raw.float() - 3.0) / 2.0)
    assert torch.equal(saved.input_normalization(raw.numpy()), x)
    with torch.no_grad():
        assert torch.equal(saved.module(x), child(x))
    with pytest.raises(dataclasses.FrozenInstanceError):
        saved.input_normalization = None
    # saved again from what was loaded: the same file contents
    save_child(tmp_path / "again.pt", saved.module, saved.spec, input_normalization=saved.input_normalization)
    assert load_child(tmp_path / "again.pt").input_normalization == saved.input_normalization


def test_a_child_file_without_or_with_a_bad_input_normalization(tiny_problem_path, tmp_path):
    p = load_problem(tiny_problem_path)
    spec = p.network.smallest()
    obj = {"state_dict": build_child(spec).state_dict(), "spec": json.dumps(spec.to_dict())}
    torch.save(obj, tmp_path / "old.pt")  # saved before children recorded their input: loads, and says so
    assert load_child(tmp_path / "old.pt").input_normalization is None
    for bad in ('{"mean": 1.0}', '{"mean": 1.0, "std": 0}', '{"mean": "x", "std": 1}', '[1, 2]', 'NaN'):
        torch.save({**obj, "input": bad}, tmp_path / "bad.pt")
        with pytest.raises(InputError, match="bad.pt: its input normalization .* is not a finite mean and a "
                                             "non-zero std"):
            load_child(tmp_path / "bad.pt")


def test_train_child_from_scratch_and_from_supernet(tiny_problem_path, tiny_ckpt):
    p = load_problem(tiny_problem_path)
    splits = problem_splits(p)
    spec = p.network.smallest()
    a = train_child(spec, splits, epochs=1, seed=0)
    b = train_child(spec, splits, epochs=1, seed=0)
    assert 0 <= a.test_accuracy <= 1 and a.test_accuracy == b.test_accuracy  # deterministic
    tuned = train_child(spec, splits, epochs=0, supernet=load_supernet(p, tiny_ckpt))
    assert 0 <= tuned.test_accuracy <= 1


def test_train_child_on_the_named_cpu_trains_as_by_default(tiny_problem_path):
    p = load_problem(tiny_problem_path)
    splits = problem_splits(p)
    spec = p.network.largest()
    a = train_child(spec, splits, epochs=1, seed=2)
    b = train_child(spec, splits, epochs=1, seed=2, device="cpu")
    assert (a.val_accuracy, a.test_accuracy) == (b.val_accuracy, b.test_accuracy)
    sa, sb = a.module.state_dict(), b.module.state_dict()
    assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)
    assert {t.device.type for t in sb.values()} == {"cpu"}


def test_train_child_refuses_a_device_before_training(tiny_problem_path, monkeypatch):
    import evo_cosearch.supernet.child as child_module

    p = load_problem(tiny_problem_path)
    monkeypatch.setattr(child_module, "build_child", lambda *a, **k: pytest.fail("built a child"))
    with pytest.raises(InputError, match="device='tpu'"):
        train_child(p.network.smallest(), problem_splits(p), epochs=1, device="tpu")


def test_the_saved_child_file_name_is_written_once_in_the_package():
    # select/ (exports, fine-tuning) and refine/ name the file a saved child is; a second copy of
    # the name could drift from the one that save_child's callers and load_child's users rely on
    import ast
    import importlib
    from pathlib import Path

    import evo_cosearch
    from evo_cosearch import supernet

    root = Path(evo_cosearch.__file__).parent
    where = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py")
                   for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and node.value == "child.pt")
    assert where == ["supernet/__init__.py"]
    users = [importlib.import_module(f"evo_cosearch.{name}") for name in ("refine.refine", "select.finetune",
                                                                           "select.export")]
    assert all(m.CHILD_PT is supernet.CHILD_PT for m in users)


def test_a_refined_child_is_saved_by_save_child_with_its_hidden_widths(tmp_path):
    from evo_cosearch.refine import load_refined, narrow_child, prunable_blocks

    p = load_problem("demo_digits")
    spec = p.network.largest()
    hidden = {b.name: max(1, b.hidden // 2) for b in prunable_blocks(spec)}
    assert hidden
    narrow = narrow_child(build_child(spec), spec, {k: torch.arange(v) for k, v in hidden.items()}).eval()
    save_child(tmp_path / "child.pt", narrow, spec, input_normalization=InputNormalization(3.0, 2.0), hidden=hidden)
    saved = load_refined(tmp_path / "child.pt")
    assert saved.hidden == hidden and saved.spec == spec and saved.input_normalization == InputNormalization(3.0, 2.0)
    x = torch.randn(2, spec.in_channels, spec.in_size, spec.in_size, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(saved.module(x), narrow(x))
    with pytest.raises(InputError, match="is a refined child"):
        load_child(tmp_path / "child.pt")


@pytest.mark.parametrize("path", ["", "  "])
def test_an_empty_child_path_is_named_as_such_not_read_as_the_current_folder(path):
    from evo_cosearch.refine import load_refined

    with pytest.raises(InputError, match="^an empty path given for the child file$"):
        load_child(path)
    with pytest.raises(InputError, match="^an empty path given for the refined child$"):
        load_refined(path)


def test_saving_a_child_to_an_empty_path_is_the_one_line_error(tmp_path, monkeypatch):
    spec = load_problem("demo_digits").network.smallest()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="^an empty path given for the child checkpoint$"):  # was a raw OSError
        save_child("", build_child(spec), spec, input_normalization=InputNormalization(0.0, 1.0))
    assert list(tmp_path.iterdir()) == []


def test_child_out_path_names_its_path_as_the_caller_does(tiny_problem_path, tmp_path):
    """Its default remedy said '--out' from Python too; a caller's own remedy is kept."""
    p = load_problem(tiny_problem_path)
    spec = p.network.spec(p.space, p.space.sample(1, np.random.default_rng(2))[0])
    (tmp_path / "child.pt").write_text("not a child")
    with pytest.raises(InputError, match=r"child\.pt: exists and is not a saved child; remove it or choose another "
                                         r"path$"):
        child_out_path(tmp_path / "child.pt", spec)
    with cli_names(), pytest.raises(InputError, match=r"; remove it or choose another --out$"):
        child_out_path(tmp_path / "child.pt", spec)
    with pytest.raises(InputError, match=r"; remove it or move it$"):
        child_out_path(tmp_path / "child.pt", spec, remedy="move it")
