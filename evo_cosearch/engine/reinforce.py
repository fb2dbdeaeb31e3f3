"""The ``reinforce`` strategy: the NAHAS-style RL baseline (LSTM controller + REINFORCE).

Each generation the controller (:mod:`evo_cosearch.engine.controller`) samples ``pop``
genomes; once evaluated, each gets the scalar reward of :func:`evo_cosearch.rewards.nahas_reward`
``R = ACC * (LAT/T_lat)^w0 * (AREA/T_area)^w1`` and the controller takes one REINFORCE step
(or, with ``search.controller.update: ppo``, ``ppo_epochs`` steps of PPO's clipped surrogate).
The reward is this baseline's objective only: its designs go to the archive with all their
objectives, like any strategy's. Repeated genomes are evaluated and archived again (they
are samples of the policy).

Targets, per metric: ``search.reward.target_latency_ms`` / ``target_area_mm2`` when given,
else the problem's ``max_latency_ms`` / ``max_area_mm2`` constraint, else the median of the
first batch. ``search.reward.mode`` is ``soft`` (default) or ``hard``. The resolved targets
are part of the saved state, so a resume uses the same values. The problem's other
constraints (``min_accuracy``, ``max_energy_uj``) are not in the reward: designs that break
them are archived as infeasible, as with every strategy, but do not steer the policy.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from evo_cosearch.rewards import RewardTargets, nahas_reward
from evo_cosearch.engine.batch import BatchAlgorithm
from evo_cosearch.engine.problem import extras_of

if TYPE_CHECKING:
    from evo_cosearch.engine.controller import ControllerConfig
    from evo_cosearch.engine.problem import CoSearchProblem
    from evo_cosearch.engine.settings import SearchSettings

__all__ = ["Reinforce", "resolve_targets", "build_reinforce", "save_reinforce", "load_reinforce"]

_TARGETS = (("target_latency_ms", "max_latency_ms", "latency_ms"), ("target_area_mm2", "max_area_mm2", "area_mm2"))


def resolve_targets(reward: RewardTargets, constraints: Mapping[str, float]) -> dict[str, float | None]:
    """Per target: the explicit value, else the problem's constraint, else None (first-batch median)."""
    out = {}
    for key, constraint, _ in _TARGETS:
        value = getattr(reward, key)
        out[key] = value if value is not None else constraints.get(constraint)
    return out


class Reinforce(BatchAlgorithm):
    """Batches sampled from an LSTM policy trained with REINFORCE on the NAHAS reward."""

    def __init__(self, *, batch: int, cardinalities: Sequence[int], seed: int, reward: RewardTargets = RewardTargets(),
                 constraints: Mapping[str, float] | None = None, config: "ControllerConfig | None" = None,
                 **kwargs) -> None:
        from evo_cosearch.engine.controller import ControllerConfig, ControllerLearner  # torch: only when used

        super().__init__(batch=batch, seed=seed, **kwargs)
        self.learner = ControllerLearner(cardinalities, seed=seed, config=config or ControllerConfig())
        self.mode = reward.mode
        self.targets = resolve_targets(reward, constraints or {})
        self.reward_mean: float | None = None

    def _sample(self) -> np.ndarray:
        return self.learner.sample(self.batch)

    def reward(self, metrics: Mapping[str, np.ndarray]) -> np.ndarray:
        """The NAHAS reward of evaluated designs (fixes still-open targets to this batch's median)."""
        for key, _, metric in _TARGETS:
            if self.targets[key] is None:
                self.targets[key] = float(np.median(metrics[metric]))
        return nahas_reward(metrics["accuracy"], metrics["latency_ms"], metrics["area_mm2"],
                            target_latency_ms=self.targets["target_latency_ms"],
                            target_area_mm2=self.targets["target_area_mm2"], mode=self.mode)

    def _learn(self, off) -> None:
        R = self.reward(extras_of(off))
        self.learner.update(np.rint(off.get("X")).astype(np.int64), R)
        self.reward_mean = float(R.mean())


def build_reinforce(problem: "CoSearchProblem", s: "SearchSettings") -> Reinforce:
    from evo_cosearch.engine.controller import ControllerConfig

    return Reinforce(batch=s.pop, cardinalities=problem.space.cardinalities.tolist(), seed=s.seed, reward=s.reward,
                     constraints=problem.evaluator.problem.constraints,
                     config=ControllerConfig(**asdict(s.controller)))


def save_reinforce(algorithm: Reinforce) -> dict[str, Any]:
    return {"controller": algorithm.learner.state(), "targets": dict(algorithm.targets), "mode": algorithm.mode,
            "reward_mean": algorithm.reward_mean}


def load_reinforce(algorithm: Reinforce, state: dict[str, Any]) -> None:
    algorithm.learner.load(state["controller"])
    algorithm.targets = dict(state["targets"])
    algorithm.mode = state["mode"]
    algorithm.reward_mean = state["reward_mean"]
