"""Problem files (YAML): search space + dataset + objectives + constraints."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import yaml

from evo_cosearch.errors import EvoCosearchError, InputError, ProblemError, arg
from evo_cosearch.files import given_path, read_text
from evo_cosearch.workload import LayerArrays, network_workload
from evo_cosearch.space import (
    AcceleratorArrays, AcceleratorTemplate, DesignSpec, NetworkArrays, NetworkTemplate, SearchSpace,
)
from evo_cosearch.space.reference import reference_genome
from evo_cosearch.supernet.config import EvaluationConfig, SupernetConfig

__all__ = ["Problem", "DatasetConfig", "load_problem", "parse_problem", "ready_problem", "ready_problem_names",
           "problem_file", "OBJECTIVES", "CONSTRAINTS", "DATASETS"]

#: Objective name -> unit (all minimised).
OBJECTIVES = {
    "error": "1 - accuracy", "latency_ms": "ms", "energy_uj": "µJ", "area_mm2": "mm²",
    "edp": "µJ·ms", "params": "weights", "macs": "MACs",
}
#: Constraint name -> (metric, sense). ``max_*``: metric <= value; ``min_accuracy``: accuracy >= value.
CONSTRAINTS = {
    "max_latency_ms": "latency_ms", "max_area_mm2": "area_mm2",
    "max_energy_uj": "energy_uj", "min_accuracy": "accuracy",
}
#: Options a problem's ``dataset:`` section may set besides ``name`` and ``path``.
DATASET_OPTIONS = {"val_fraction": 0.1, "test_fraction": 0.2}
#: Known datasets -> (channels, size, classes).
DATASETS = {
    "digits": (1, 8, 10), "fashion_mnist": (1, 28, 10), "mnist": (1, 28, 10), "cifar10": (3, 32, 10),
    "imagefolder": None,
}
_TOP_KEYS = {"name", "description", "dataset", "input", "network", "accelerator", "objectives",
             "constraints", "search", "supernet", "evaluation", "reference"}


@dataclass(frozen=True)
class DatasetConfig:
    name: str
    path: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """A parsed problem file. ``text`` is the file's exact contents (stored with every run).

    ``reference``: the genome of the file's ``reference:`` design (e.g. the 8-bit reference
    network a search is compared with), or None when the file has none.
    """

    name: str
    text: str
    source: str
    dataset: DatasetConfig
    network: NetworkTemplate
    accelerator: AcceleratorTemplate
    space: SearchSpace
    objectives: tuple[str, ...]
    constraints: Mapping[str, float]
    search: Mapping[str, Any]
    supernet: Mapping[str, Any]
    evaluation: Mapping[str, Any]
    reference: tuple[int, ...] | None = None

    # -- decoding --------------------------------------------------------------
    def design(self, genome) -> DesignSpec:
        return DesignSpec(self.network.spec(self.space, genome), self.accelerator.spec(self.space, genome))

    def network_arrays(self, X: np.ndarray) -> NetworkArrays:
        return self.network.arrays(self.space, self.space.validate(X))

    def accelerator_arrays(self, X: np.ndarray) -> AcceleratorArrays:
        return self.accelerator.arrays(self.space, self.space.validate(X))

    def workload(self, X: np.ndarray) -> LayerArrays:
        """Operator workloads (N, L) of a population of genomes (vectorised)."""
        t = self.network
        return network_workload(self.network_arrays(X), in_channels=t.in_channels, in_size=t.in_size,
                                num_classes=t.num_classes, stem_stride=t.stem_stride,
                                strides=tuple(st.stride for st in t.stages), edge_bits=t.edge_bits,
                                acc_bits=t.acc_bits)

    @property
    def network_gene_mask(self) -> np.ndarray:
        """True for genes that define the network (accuracy depends only on these)."""
        acc = set(self.accelerator.values)
        return np.array([name not in acc for name in self.space.names])

    def with_data(self, path: str | None, *, strict: bool = False) -> "Problem":
        """A copy whose dataset reads from ``path`` (the CLI's ``--data``). ``strict`` (a path the
        user gave): a path for the embedded digits, which read no file, is an error (else it is
        ignored), and so is a path that is not there, even where nothing reads it (the accuracy
        proxy): a run records it, and its resume would look for it. An empty path is always an error,
        not the current folder."""
        if path is None:
            return self
        given_path(path, f"dataset ({arg('data')})")  # the callers' (and the CLI's) data, as below
        if self.dataset.name == "digits":
            if strict:
                raise InputError(f"{arg('data', path)}: {self.source}: dataset digits is embedded (scikit-learn's) and "
                                 "reads no file")
            return self
        if strict and not Path(path).exists():
            where = "" if Path(path).is_absolute() else f" (looked for in the current folder, {Path.cwd()})"
            raise InputError(f"{arg('data', path)}: dataset path not found{where}")
        ds = DatasetConfig(self.dataset.name, str(path), self.dataset.options)
        return Problem(**{**self.__dict__, "dataset": ds})


def ready_problems_dir() -> Path:
    """The ready problem files: the repository's ``problems/``, which an installed package carries
    inside it (``evo_cosearch/problems/``, see ``pyproject.toml``)."""
    here = Path(__file__).resolve().parent
    inside = here / "problems"
    return inside if inside.is_dir() else here.parent / "problems"


def ready_problem(name: str) -> Path:
    """The path of the ready problem ``name`` (``demo_digits`` or ``demo_digits.yaml``)."""
    return ready_problems_dir() / (name if name.endswith(".yaml") else f"{name}.yaml")


def ready_problem_names() -> list[str]:
    """The ready problems' names (``demo_digits``, ...), for ``--problem NAME`` and :func:`load_problem`."""
    return sorted(p.stem for p in ready_problems_dir().glob("*.yaml"))


def problem_file(path: str | Path) -> Path:
    """The file :func:`load_problem` reads for ``path``: ``path`` itself, or, for a name without a
    folder that is no file here (a run folder of that name, say), the ready problem of that name
    (``demo_digits``)."""
    p = Path(path)
    bare = "/" not in str(path) and os.sep not in str(path)  # "./demo_digits" names that path only
    if not p.is_file() and bare and p.name:
        if ready_problem(p.name).is_file():
            return ready_problem(p.name)
        if not p.exists():
            raise ProblemError(f"{p}: problem file not found (ready problems, named without a folder: "
                               f"{', '.join(ready_problem_names())})")
    return p


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file (or a ready problem by name, :func:`problem_file`); errors
    name the file and the field."""
    given_path(path, "problem file", ProblemError)  # "": not the current folder
    p = problem_file(path)
    text = read_text(p, "problem file", ProblemError)
    try:
        return parse_problem(text, source=str(p))
    except EvoCosearchError as exc:
        raise ProblemError(f"{p}: {exc}") from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (else the last silently wins),
    and reading ``1e-4`` as a number, as YAML 1.2 does (YAML 1.1 wants ``1.0e-4``; without this a
    user's ``lr: 1e-4`` would be the string ``'1e-4'``)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue  # an unhashable key: the base class reports it
            if key in seen:
                raise ProblemError(f"line {key_node.start_mark.line + 1}: key {key!r} given twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_implicit_resolver(  # appended after YAML 1.1's own float and int patterns
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


def read_yaml(text: str) -> Any:
    """The value of a problem file's YAML text, read as :func:`parse_problem` reads it; raises
    ``yaml.YAMLError`` (or :class:`ProblemError` for a key given twice)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass


def parse_problem(text: str, source: str = "<problem>") -> Problem:
    """A problem from the text of a problem file (YAML), checked as :func:`load_problem` checks a
    file: a problem made in Python (``parse_problem(yaml.safe_dump(config))``) for
    :func:`evo_cosearch.search`. ``source`` names it in messages."""
    try:
        cfg = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "?"
        raise ProblemError(f"invalid YAML at {where}") from None
    if not isinstance(cfg, Mapping):
        raise ProblemError("the file must be a YAML mapping")
    unknown = sorted(set(cfg) - _TOP_KEYS)
    if unknown:
        raise ProblemError(f"unknown key {unknown[0]!r} (allowed: {', '.join(sorted(_TOP_KEYS))})")

    dataset = _dataset(cfg.get("dataset"))
    in_channels, in_size, num_classes = _input(cfg.get("input"), dataset)
    if "network" not in cfg:
        raise ProblemError("network: missing section")
    network = NetworkTemplate.from_config(cfg["network"], in_channels=in_channels, in_size=in_size,
                                          num_classes=num_classes)
    accelerator = AcceleratorTemplate.from_config(cfg.get("accelerator"))
    space = SearchSpace(tuple(network.genes() + accelerator.genes()))
    objectives = _objectives(cfg.get("objectives", ["error", "latency_ms", "energy_uj"]))
    constraints = _constraints(cfg.get("constraints") or {})
    sections = {}
    for key in ("search", "supernet", "evaluation"):
        sec = cfg.get(key) or {}
        if not isinstance(sec, Mapping):
            raise ProblemError(f"{key}: must be a mapping")
        sections[key] = dict(sec)
    SupernetConfig.from_section(sections["supernet"])  # validated here, not first when a supernet trains
    EvaluationConfig.from_section(sections["evaluation"])
    reference = None if cfg.get("reference") is None else tuple(reference_genome(space, cfg["reference"]).tolist())
    return Problem(
        name=_name(cfg.get("name", Path(source).stem)), text=text, source=source, dataset=dataset,
        network=network, accelerator=accelerator, space=space, objectives=objectives,
        constraints=constraints, **sections, reference=reference,
    )


def _name(raw: Any) -> str:
    """The problem's name, which names files (its cached supernet, benchmark outputs): one file name."""
    name = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(name, str) or not name.strip() or any(c in name for c in "/\\") or not name.isprintable():
        raise ProblemError(f"name: {raw!r} is not a name for files (its cached supernet, benchmark outputs): give "
                           "non-empty text without '/' or '\\'")
    return name


def _dataset(raw: Any) -> DatasetConfig:
    if raw is None:
        return DatasetConfig("digits")
    if not isinstance(raw, Mapping) or "name" not in raw:
        raise ProblemError("dataset: must be a mapping with a 'name'")
    name = raw["name"]
    if name not in DATASETS:
        raise ProblemError(f"dataset.name: unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    path = raw.get("path")
    options = {k: v for k, v in raw.items() if k not in ("name", "path")}
    dataset_options(options)
    return DatasetConfig(str(name), None if path is None else str(path), options)


def dataset_options(raw: Any) -> dict[str, float]:
    """A ``dataset:`` section's options with their defaults (:data:`DATASET_OPTIONS`), checked."""
    out = dict(DATASET_OPTIONS)
    for key, value in dict(raw or {}).items():
        if key not in DATASET_OPTIONS:
            raise ProblemError(f"dataset.{key}: unknown option (allowed: {', '.join(DATASET_OPTIONS)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ProblemError(f"dataset.{key}: {value!r} must be a number in (0, 1)")
        out[key] = float(value)
    return out


def _input(raw: Any, dataset: DatasetConfig) -> tuple[int, int, int]:
    known = DATASETS.get(dataset.name)
    if raw is None:
        if known is None:
            raise ProblemError(f"input: required for dataset {dataset.name!r} (channels, size, classes)")
        return known
    if not isinstance(raw, Mapping):
        raise ProblemError("input: must be a mapping with channels, size, classes")
    unknown = [k for k in raw if k not in ("channels", "size", "classes")]
    if unknown:
        raise ProblemError(f"input.{unknown[0]}: unknown key (allowed: channels, size, classes)")
    out = []
    for i, key in enumerate(("channels", "size", "classes")):
        v = raw.get(key, None if known is None else known[i])
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ProblemError(f"input.{key}: {v!r} is not a positive integer")
        if known is not None and v != known[i]:  # the loader gives the dataset's own shape
            raise ProblemError(f"input.{key}: {v} but dataset {dataset.name!r} has {known[i]} "
                               "(input is needed only for imagefolder)")
        out.append(v)
    return tuple(out)  # type: ignore[return-value]


def _objectives(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ProblemError("objectives: must be a list")
    for o in raw:
        if o not in OBJECTIVES:
            raise ProblemError(f"objectives: unknown objective {o!r} (known: {', '.join(OBJECTIVES)})")
    if len(set(raw)) != len(raw):
        raise ProblemError(f"objectives: repeated objective in {raw}")
    if not 2 <= len(raw) <= 4:
        raise ProblemError(f"objectives: give 2 to 4 objectives, got {len(raw)}")
    return tuple(raw)


def _constraints(raw: Any) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        raise ProblemError("constraints: must be a mapping")
    out = {}
    for k, v in raw.items():
        if k not in CONSTRAINTS:
            raise ProblemError(f"constraints: unknown constraint {k!r} (known: {', '.join(CONSTRAINTS)})")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ProblemError(f"constraints.{k}: {v!r} is not a number")
        if k == "min_accuracy" and not 0 <= v <= 1:
            raise ProblemError(f"constraints.{k}: {v!r} is not an accuracy in [0, 1]")
        if k != "min_accuracy" and not v > 0:
            raise ProblemError(f"constraints.{k}: {v!r} must be > 0 (no design could meet it)")
        out[k] = float(v)
    return out
