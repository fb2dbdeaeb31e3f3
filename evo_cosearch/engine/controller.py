"""The RL controller of the ``reinforce`` strategy: an LSTM policy over genomes, trained by REINFORCE or PPO.

One categorical decision per gene, in genome order (network genes, then accelerator
genes): step ``i`` feeds the embedding of decision ``i - 1`` (a start token first) to an
LSTM cell, and a softmax head sized to gene ``i``'s cardinality gives the decision
(the NAHAS joint-search method). A generation samples a batch of genomes; once they are scored,
one Adam step on the REINFORCE loss ``-mean((R - b) log pi(x)) - beta * mean(entropy)``
moves the policy, and the baseline ``b`` follows the batch-mean reward as an exponential
moving average (the first batch's mean starts it).

With ``update="ppo"`` the batch instead gets ``ppo_epochs`` Adam steps on PPO's clipped
surrogate ``-mean(min(r A, clip(r, 1 - clip, 1 + clip) A)) - beta * mean(entropy)``, where
``A = R - b`` and ``r = pi(x) / pi_old(x)`` is the ratio to the policy that drew the batch
(Schulman et al., 2017). Its first step has REINFORCE's gradient (``r = 1`` there); the
later ones reuse the batch without moving the policy far from the one that drew it.

All randomness (initial weights, sampling) comes from one ``torch.Generator`` seeded from
the run seed; the torch work runs on one thread (restored afterwards). The whole learner
(weights, Adam moments, baseline, generator) round-trips through plain JSON exactly:
float32 tensors are written as nested lists of their shortest round-trip decimals.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from evo_cosearch.engine.settings import ControllerSettings

__all__ = ["ControllerConfig", "Controller", "ControllerLearner"]


@dataclass(frozen=True)
class ControllerConfig(ControllerSettings):
    """How the controller learns (the ``search.controller`` section's fields: update, lr,
    entropy bonus, baseline decay, PPO's epochs and clip) and the policy's sizes."""

    hidden: int = 64              # LSTM state size
    embed: int = 16               # decision embedding size
    init_range: float = 0.1       # initial weights ~ U(-init_range, init_range)


@contextmanager
def _one_thread() -> Iterator[None]:
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


class Controller(nn.Module):
    """LSTM policy: ``rollout`` samples genomes (or scores given ones) decision by decision."""

    def __init__(self, cardinalities: Sequence[int], *, hidden: int = 64, embed: int = 16) -> None:
        super().__init__()
        cards = [int(c) for c in cardinalities]
        self.hidden = int(hidden)
        # token 0 starts a sequence; value v of gene i is token offsets[i] + v
        self.offsets = [1 + int(o) for o in np.concatenate([[0], np.cumsum(cards)[:-1]])]
        self.embed = nn.Embedding(1 + sum(cards), embed)
        self.cell = nn.LSTMCell(embed, hidden)
        self.heads = nn.ModuleList(nn.Linear(hidden, c) for c in cards)

    def rollout(self, n: int, *, actions: torch.Tensor | None = None,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(genomes (n, n_var), log pi (n,), entropy (n,))``; samples unless ``actions`` are given."""
        h = c = torch.zeros(n, self.hidden)
        token = torch.zeros(n, dtype=torch.long)
        picks, log_prob, entropy = [], torch.zeros(n), torch.zeros(n)
        for i, head in enumerate(self.heads):
            h, c = self.cell(self.embed(token), (h, c))
            logp = torch.log_softmax(head(h), dim=1)
            if actions is None:
                a = torch.multinomial(logp.exp(), 1, generator=generator).squeeze(1)
            else:
                a = actions[:, i]
            log_prob = log_prob + logp.gather(1, a[:, None]).squeeze(1)
            entropy = entropy - (logp.exp() * logp).sum(1)
            token = a + self.offsets[i]
            picks.append(a)
        return torch.stack(picks, 1), log_prob, entropy


class ControllerLearner:
    """A :class:`Controller` with its Adam optimiser, reward baseline and generator."""

    def __init__(self, cardinalities: Sequence[int], *, seed: int,
                 config: ControllerConfig = ControllerConfig()) -> None:
        self.config = config
        self.generator = torch.Generator().manual_seed(int(seed))
        with torch.random.fork_rng(devices=[]):  # module construction draws from the global RNG: keep it untouched
            self.policy = Controller(cardinalities, hidden=config.hidden, embed=config.embed)
        with torch.no_grad():
            for p in self.policy.parameters():
                p.uniform_(-config.init_range, config.init_range, generator=self.generator)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=config.lr)
        self.baseline: float | None = None

    def sample(self, n: int) -> np.ndarray:
        """``n`` genomes (n, n_var) drawn from the policy."""
        with _one_thread(), torch.no_grad():
            X, _, _ = self.policy.rollout(int(n), generator=self.generator)
        return X.numpy().astype(np.int64)

    def log_prob(self, X: np.ndarray) -> np.ndarray:
        """``log pi(x)`` of each genome of ``X`` under the current policy."""
        with _one_thread(), torch.no_grad():
            _, logp, _ = self.policy.rollout(len(X), actions=torch.as_tensor(np.asarray(X, dtype=np.int64)))
        return logp.numpy().astype(np.float64)

    def update(self, X: np.ndarray, reward: np.ndarray) -> float:
        """One REINFORCE step (or ``ppo_epochs`` PPO steps) on genomes ``X`` with rewards
        ``reward``; returns the last step's loss."""
        reward = np.asarray(reward, dtype=np.float64)
        mean = float(reward.mean())
        advantage = torch.as_tensor(reward - (mean if self.baseline is None else self.baseline), dtype=torch.float32)
        actions = torch.as_tensor(np.asarray(X, dtype=np.int64))
        ppo = self.config.update == "ppo"
        old = None  # PPO: log pi of the policy that drew the batch, the first step's own
        with _one_thread():
            for _ in range(self.config.ppo_epochs if ppo else 1):
                _, logp, entropy = self.policy.rollout(len(X), actions=actions)
                if ppo:
                    old = logp.detach() if old is None else old
                    ratio = torch.exp(logp - old)
                    clipped = ratio.clamp(1.0 - self.config.clip, 1.0 + self.config.clip)
                    gain = torch.minimum(ratio * advantage, clipped * advantage)
                else:
                    gain = advantage * logp
                loss = -gain.mean() - self.config.entropy_weight * entropy.mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
        d = self.config.baseline_decay
        self.baseline = mean if self.baseline is None else d * self.baseline + (1.0 - d) * mean
        return float(loss.detach())

    # -- plain-JSON state ----------------------------------------------------------
    def state(self) -> dict[str, Any]:
        opt = self.optimizer.state_dict()["state"]
        return {
            "policy": {k: _tensor_json(v) for k, v in self.policy.state_dict().items()},
            "adam": {str(i): {k: _tensor_json(v) for k, v in s.items()} for i, s in opt.items()},
            "baseline": self.baseline,
            "generator": self.generator.get_state().tolist(),
        }

    def load(self, state: dict[str, Any]) -> None:
        self.policy.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in state["policy"].items()})
        opt = self.optimizer.state_dict()
        opt["state"] = {int(i): {k: torch.tensor(v, dtype=torch.float32) for k, v in s.items()}
                        for i, s in state["adam"].items()}
        self.optimizer.load_state_dict(opt)
        self.baseline = None if state["baseline"] is None else float(state["baseline"])
        self.generator.set_state(torch.tensor(state["generator"], dtype=torch.uint8))


def _tensor_json(t: torch.Tensor) -> Any:
    """A float32 tensor as nested lists of the shortest decimals that read back to the same float32."""
    a = t.detach().cpu().numpy()
    if a.dtype == np.float32:
        return a.astype(str).astype(np.float64).tolist()
    return a.tolist()
