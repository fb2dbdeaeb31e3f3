"""A selection rule from its command-line form: ``--by RULE [VALUES]`` and the options of that rule."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from evo_cosearch.errors import InputError, arg, as_called, flag
from evo_cosearch.rewards import ScoreParams, reward_mode_error, score_param_error
from evo_cosearch.select.choose import Knee, Reward, Rule, Score, Weights

__all__ = ["RULES", "RULE_OPTIONS", "rule_from_options", "check_rule_options", "rule_options"]

RULES = ("knee", "weights", "reward", "score")
#: The options of one rule only (by their names as Python keywords): given with another rule, an error.
RULE_OPTIONS = {"epsilon": "knee", "min_neighbours": "knee", "weights_method": "weights",
                "target_latency_ms": "reward", "target_area_mm2": "reward", "reward_mode": "reward",
                "reference_id": "score", "score_p_cheaper": "score", "score_r_cheaper": "score",
                "score_p_costlier": "score", "score_r_costlier": "score", "score_stress": "score"}


def rule_from_options(by: Sequence[str], options: Mapping[str, Any]) -> Rule:
    """The rule ``by`` names (``["knee"]``, ``["weights", "0.5,0.3,0.2"]``) with its ``options``
    (:data:`RULE_OPTIONS` names; None or left out: the rule's default)."""
    name, rest = by[0], list(by[1:])
    if name not in RULES:
        raise InputError(f"{arg('by')}: unknown rule {name!r} (known: {', '.join(RULES)})")
    if name != "weights" and rest:
        raise InputError(f"{arg('by', name)}: takes no values, got {' '.join(rest)!r}")
    given = {k: options.get(k) for k in RULE_OPTIONS}
    if name == "knee":
        eps = given["epsilon"]
        eps = 0.125 if eps is None else None if eps == "all" else _float(arg("epsilon"), eps)
        return Knee(epsilon=eps, min_neighbours=given["min_neighbours"])
    if name == "weights":
        parts = [t.strip() for token in rest for t in token.split(",") if t.strip()]  # "1, 1, 1" too
        if not parts:
            example = as_called("--by weights 0.5,0.3,0.2", "by=['weights', '0.5,0.3,0.2']")
            raise InputError(f"{arg('by', 'weights')}: give one weight per objective, e.g. {example}")
        weights = tuple(_float(arg("by", "weights"), t) for t in parts)
        return Weights(weights, method=given["weights_method"] or "pseudo")
    if name == "reward":
        mode = given["reward_mode"] or "soft"
        if (wrong := reward_mode_error(mode)) is not None:  # named as given (reward_mode), not as Reward's mode
            raise InputError(f"{as_called('reward mode (--reward-mode)', 'reward_mode')}: {mode!r} {wrong}")
        return Reward(given["target_latency_ms"], given["target_area_mm2"], mode)
    score = {k: given[f"score_{k}"] for k in ("p_cheaper", "r_cheaper", "p_costlier", "r_costlier", "stress")}
    for k, value in score.items():  # named as given (score_p_cheaper), not as ScoreParams' field (p_cheaper)
        if value is not None and (wrong := score_param_error(k, value)) is not None:
            raise InputError(f"{arg(f'score_{k}')}: {value!r} {wrong}")
    return Score(ScoreParams(**{k: v for k, v in score.items() if v is not None}), reference_id=given["reference_id"])


def check_rule_options(rule: str, options: Mapping[str, Any]) -> None:
    """Refuse an option of another rule than ``rule`` (it would be ignored)."""
    for name, owner in RULE_OPTIONS.items():
        if options.get(name) is not None and owner != rule:
            raise InputError(f"{arg(name)}: applies to {arg('by', owner)} only, not {arg('by', rule)}")


def rule_options(rule: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The options of ``rule`` that ``options`` gives, by flag (``{"--epsilon": "all"}``), as a
    selection records them."""
    return {flag(name): options[name] for name, owner in RULE_OPTIONS.items()
            if owner == rule and options.get(name) is not None}


def _float(flag: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{flag}: {text!r} is not a number") from None
