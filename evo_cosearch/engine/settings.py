"""Search settings: the problem file's ``search:`` section, validated, with call overrides.

The names of what the section may choose (strategies, crossovers, accelerator repairs) are kept
here, free of pymoo, so that a problem file is checked and the CLI's parser built without it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields as dataclass_fields
from typing import TYPE_CHECKING, Any, Mapping

from evo_cosearch.errors import InputError, ProblemError, arg
from evo_cosearch.rewards import REWARD_MODES, RewardTargets

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem

__all__ = ["SearchSettings", "ControllerSettings", "CONTROLLER_UPDATES", "search_settings", "ALGORITHMS", "SEED_END",
           "STRATEGY_NAMES", "CROSSOVER_NAMES", "ACCELERATOR_REPAIRS", "HARDWARE_OBJECTIVES", "least_objective"]

ALGORITHMS = ("nsga2", "nsga3")
#: The strategies of :data:`evo_cosearch.engine.strategies.STRATEGIES`, in its order.
STRATEGY_NAMES = ("nsga2", "random", "reinforce", "layer_groups")
#: The crossovers of :data:`evo_cosearch.engine.operators.CROSSOVERS`, in its order.
CROSSOVER_NAMES = ("uniform", "two_point")
#: Objectives that depend on the accelerator.
HARDWARE_OBJECTIVES = ("latency_ms", "energy_uj", "area_mm2", "edp")
#: ``search.accelerator_repair`` values: off, the random draw on the front, or the front's least
#: value of one hardware objective (which must be one of the problem's objectives).
ACCELERATOR_REPAIRS = ("none", "front") + tuple(f"min_{o}" for o in HARDWARE_OBJECTIVES)
#: How the ``reinforce`` controller learns from a scored batch (``search.controller.update``).
CONTROLLER_UPDATES = ("reinforce", "ppo")
SEED_END = 2 ** 64  # numpy, Python's random and torch all take seeds below it
_DEFAULTS = {"pop": 24, "gens": 10, "seed": 0, "strategy": "nsga2", "crossover": "uniform",
             "crossover_prob": 0.9, "mutation_prob": None, "algorithm": "nsga2", "reward": None,
             "accelerator_repair": "none", "controller": None}


@dataclass(frozen=True)
class ControllerSettings:
    """How the ``reinforce`` strategy's controller learns from each scored batch: one REINFORCE
    step (``update: reinforce``, the default) or ``ppo_epochs`` steps of PPO's clipped surrogate
    (``update: ppo``; the probability ratio to the policy that drew the batch clipped to
    ``1 ± clip``), each an Adam step of learning rate ``lr`` with an entropy bonus of weight
    ``entropy_weight``; the reward baseline follows ``b <- baseline_decay · b + (1 -
    baseline_decay) · mean(R)``."""

    update: str = "reinforce"
    ppo_epochs: int = 4
    clip: float = 0.2
    lr: float = 0.01
    entropy_weight: float = 1e-4
    baseline_decay: float = 0.9


@dataclass(frozen=True)
class SearchSettings:
    """``gens`` counts generations including the initial population (pymoo's ``n_gen``).
    ``mutation_prob`` is per gene (None: ``1 / n_var``). ``reward`` is the scalar objective of
    the ``reinforce`` strategy (``search.reward: {target_latency_ms, target_area_mm2, mode}``) and
    ``controller`` how its controller learns (``search.controller: {update, ppo_epochs, clip, lr,
    entropy_weight, baseline_decay}``).
    ``accelerator_repair: front`` or ``min_<objective>`` puts every design nsga2 proposes on its
    network's hardware front (:mod:`evo_cosearch.engine.accelerator_repair`); the other strategies
    run without it (``none`` in their settings)."""

    pop: int
    gens: int
    seed: int
    strategy: str
    crossover: str
    crossover_prob: float
    mutation_prob: float | None
    algorithm: str
    reward: RewardTargets = RewardTargets()
    accelerator_repair: str = "none"
    controller: ControllerSettings = ControllerSettings()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def search_settings(problem: "Problem", **overrides: Any) -> SearchSettings:
    """Defaults < the problem's ``search:`` section < non-None ``overrides``."""
    try:
        _resolve(problem, {})  # the file's own section, even where overridden
    except ProblemError as exc:
        raise ProblemError(f"{problem.source}: {exc}") from None
    try:
        settings = _resolve(problem, overrides)
    except ProblemError as exc:  # then an override is at fault: name it as the flag that gave it
        key = str(exc).split(":", 1)[0].removeprefix("search.")
        raise InputError(f"{arg(key)}: {str(exc).split(': ', 1)[-1]}") from None
    if settings.strategy == "layer_groups":  # checked here, not first after a supernet has trained
        from evo_cosearch.engine.layer_groups import check_layer_groups
        try:
            check_layer_groups(problem)
        except ProblemError as exc:
            if overrides.get("strategy") is None:
                raise ProblemError(f"{problem.source}: {exc}") from None
            raise InputError(f"{arg('strategy')}: {str(exc).split(': ', 1)[-1]}") from None
    return settings


def least_objective(rule: str) -> str | None:
    """The objective a ``min_<objective>`` rule minimises; None for ``none`` and ``front``."""
    return rule[len("min_"):] if rule.startswith("min_") else None


def _resolve(problem: "Problem", overrides) -> SearchSettings:
    section = dict(problem.search)
    for key in section:
        if key not in _DEFAULTS:
            raise ProblemError(f"search.{key}: unknown key (allowed: {', '.join(_DEFAULTS)})")
    raw = {**_DEFAULTS, **section, **{k: v for k, v in overrides.items() if v is not None}}
    for key in ("pop", "gens", "seed"):
        v = raw[key]
        low = 0 if key == "seed" else (4 if key == "pop" else 1)
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ProblemError(f"search.{key}: {v!r} is not an integer >= {low}")
    if raw["seed"] >= SEED_END:
        raise ProblemError(f"search.seed: {raw['seed']} is not below 2**64 (torch's limit)")
    for key in ("crossover_prob", "mutation_prob"):
        v = raw[key]
        if v is None and key == "mutation_prob":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
            raise ProblemError(f"search.{key}: {v!r} is not a probability in [0, 1]")
        raw[key] = float(v)
    for key, known in (("strategy", STRATEGY_NAMES), ("algorithm", ALGORITHMS), ("crossover", CROSSOVER_NAMES),
                       ("accelerator_repair", ACCELERATOR_REPAIRS)):
        if raw[key] not in known:
            raise ProblemError(f"search.{key}: unknown {key} {raw[key]!r} (known: {', '.join(known)})")
    least = least_objective(raw["accelerator_repair"])
    if least is not None and least not in problem.objectives:
        raise ProblemError(f"search.accelerator_repair: {raw['accelerator_repair']!r} needs {least} among the "
                           f"objectives ({', '.join(problem.objectives)})")
    if raw["strategy"] != "nsga2":  # nsga2's setting, as reward is reinforce's: the run records what it used
        raw["accelerator_repair"] = "none"
    raw["reward"] = _reward(raw["reward"])
    raw["controller"] = _controller(raw["controller"])
    return SearchSettings(**raw)


def _mapping(raw: Any, name: str, fields: tuple[str, ...]) -> Mapping:
    """``raw``, the section ``name``, as a mapping of only ``fields``."""
    if not isinstance(raw, Mapping):
        raise ProblemError(f"{name}: must be a mapping with some of {', '.join(fields)}")
    for key in raw:
        if key not in fields:
            raise ProblemError(f"{name}.{key}: unknown key (allowed: {', '.join(fields)})")
    return raw


def _reward(raw: Any) -> RewardTargets:
    """``search.reward`` validated: finite positive targets (or absent) and a known mode."""
    if raw is None:
        return RewardTargets()
    if isinstance(raw, RewardTargets):
        return raw
    fields = ("target_latency_ms", "target_area_mm2", "mode")
    raw = _mapping(raw, "search.reward", fields)
    for key in fields[:2]:
        v = raw.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < math.inf):
            raise ProblemError(f"search.reward.{key}: {v!r} is not a finite positive number")
    mode = raw.get("mode", "soft")
    if mode not in REWARD_MODES:
        raise ProblemError(f"search.reward.mode: unknown mode {mode!r} (known: {', '.join(REWARD_MODES)})")
    return RewardTargets(*(None if raw.get(k) is None else float(raw[k]) for k in fields[:2]), mode=mode)


def _controller(raw: Any) -> ControllerSettings:
    """``search.controller`` validated: a known update, ``ppo_epochs`` >= 1, ``clip`` in (0, 1), a
    finite ``lr`` > 0, a finite ``entropy_weight`` >= 0 and ``baseline_decay`` in [0, 1)."""
    if raw is None:
        return ControllerSettings()
    if isinstance(raw, ControllerSettings):
        return raw
    fields = tuple(f.name for f in dataclass_fields(ControllerSettings))
    out = {**asdict(ControllerSettings()), **_mapping(raw, "search.controller", fields)}
    if out["update"] not in CONTROLLER_UPDATES:
        raise ProblemError(f"search.controller.update: unknown update {out['update']!r} "
                           f"(known: {', '.join(CONTROLLER_UPDATES)})")
    v = out["ppo_epochs"]
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ProblemError(f"search.controller.ppo_epochs: {v!r} is not an integer >= 1")
    for key, ok, what in (("clip", lambda x: 0.0 < x < 1.0, "a number in (0, 1)"),
                          ("lr", lambda x: 0.0 < x < math.inf, "a finite number > 0"),
                          ("entropy_weight", lambda x: 0.0 <= x < math.inf, "a finite number >= 0"),
                          ("baseline_decay", lambda x: 0.0 <= x < 1.0, "a number in [0, 1)")):
        v = out[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not ok(v):
            raise ProblemError(f"search.controller.{key}: {v!r} is not {what}")
        out[key] = float(v)
    return ControllerSettings(**out)
