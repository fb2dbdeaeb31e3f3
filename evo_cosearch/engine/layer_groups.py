"""The ``layer_groups`` strategy: AutoQKeras-style search of one layer group at a time.

The network genes are grouped by layer (the first part of a gene's name: ``stem``, ``s1``,
``s2``, ...; a group whose genes all have a single value is dropped). Starting from the
problem's reference design (:func:`start_genome`), the
groups are searched in order of decreasing energy of their layers in that design (the
simulator's per-layer energy on the reference design, summed per group).

Each group gets an equal share of the generations (the first ``gens % groups`` one more;
with fewer generations than groups, the least energetic groups are not searched). A share
ends early when NSGA-II can make no new design of its group (a small group whose every
choice is in the population): the next group takes over, its share grown by what is left. During a
group's share NSGA-II runs with only that group's genes (and the accelerator genes, which
are free throughout) varying; every other network gene keeps the incumbent's value. A share
starts from a fresh population sampled around the incumbent (the incumbent included, so it
is archived again then), and ends by picking the next incumbent from the surviving
population: the feasible design with the best AutoQKeras score ``accuracy * (1 + delta)``
against the reference design's energy (:func:`evo_cosearch.rewards.energy_score`). That
pick only decides where the next group's search starts; every design goes to the archive,
whose Pareto set the plots and selection use, as for every strategy.

Resume: the phase, the incumbent and the schedule are part of the saved JSON state, next
to NSGA-II's own (RNG states, ranks and crowding of the population). A resume with more
generations keeps the shares already run and splits the generations left, as above, among
the current group and the groups after it (so groups a short run never reached get a share).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.population import Population
from pymoo.core.sampling import Sampling

from evo_cosearch.errors import ProblemError, arg
from evo_cosearch.rewards import energy_score
from evo_cosearch.engine.operators import DeapMutation, GenomeDuplicateElimination, make_crossover

if TYPE_CHECKING:
    from evo_cosearch.problem import Problem
    from evo_cosearch.engine.problem import CoSearchProblem
    from evo_cosearch.engine.settings import SearchSettings

__all__ = ["LayerGroup", "layer_groups", "group_energy_uj", "schedule", "start_genome", "LayerGroupSearch",
           "build_layer_groups", "save_layer_groups", "load_layer_groups"]

_NEEDS = ("error", "energy_uj")


@dataclass(frozen=True)
class LayerGroup:
    name: str                 # "stem", "s1", ... (the first part of its genes' names)
    genes: tuple[int, ...]    # gene indices


def layer_groups(problem: "Problem") -> list[LayerGroup]:
    """Network genes grouped by layer, in genome order; groups with nothing to choose are dropped."""
    space, mask = problem.space, problem.network_gene_mask
    groups: dict[str, list[int]] = {}
    for i, gene in enumerate(space.genes):
        if mask[i]:
            groups.setdefault(gene.name.split(".")[0], []).append(i)
    cards = space.cardinalities
    return [LayerGroup(name, tuple(idx)) for name, idx in groups.items() if (cards[idx] > 1).any()]


def group_energy_uj(problem: "Problem", genome: np.ndarray, groups: list[LayerGroup], *,
                    simulate_fn=None) -> np.ndarray:
    """Energy (µJ) of each group's layers in the design ``genome`` (operator slots named after the group)."""
    if simulate_fn is None:
        from evo_cosearch.hardware import simulate as simulate_fn
    X = np.asarray(genome, dtype=np.int64).reshape(1, -1)
    layers = problem.workload(X)
    per_slot = np.asarray(simulate_fn(layers, problem.accelerator_arrays(X)).layer_energy_uj, dtype=np.float64)[0]
    prefix = [name.split(".")[0] for name in layers.names]
    return np.array([sum(e for p, e in zip(prefix, per_slot) if p == g.name) for g in groups])


def schedule(n_groups: int, gens: int) -> list[int]:
    """The last generation (exclusive) of each group's share: equal shares, the first ones larger."""
    shares = [gens // n_groups + (1 if k < gens % n_groups else 0) for k in range(n_groups)]
    return [int(v) for v in np.cumsum([s for s in shares if s > 0])]


class _AroundIncumbent(Sampling):
    """The incumbent genome with the currently free genes drawn uniformly (row 0: the incumbent)."""

    def __init__(self, algorithm: "LayerGroupSearch") -> None:
        super().__init__()
        self.algorithm = algorithm

    def _do(self, problem, n_samples, *args, random_state=None, **kwargs):
        a = self.algorithm
        X = np.tile(a.incumbent, (n_samples, 1))
        free = np.flatnonzero(a.free_mask())
        cards = problem.space.cardinalities[free]
        X[1:, free] = random_state.integers(0, cards, size=(n_samples - 1, len(free)))
        return X


class LayerGroupSearch(NSGA2):
    """NSGA-II over one layer group at a time (see the module doc)."""

    def __init__(self, *, groups: list[LayerGroup], ends: list[int], reference: np.ndarray, reference_energy_uj: float,
                 accelerator_mask: np.ndarray, objectives: tuple[str, ...], mutation: DeapMutation,
                 **kwargs) -> None:
        super().__init__(sampling=_AroundIncumbent(self), mutation=mutation, **kwargs)
        self.ordered = list(groups)   # every group, by decreasing reference energy
        self.ends = list(ends)
        self.groups = self.ordered[:len(self.ends)]  # the groups that get a share
        self.incumbent = np.asarray(reference, dtype=np.int64).copy()
        self.reference_energy_uj = float(reference_energy_uj)
        self.accelerator_mask = np.asarray(accelerator_mask, dtype=bool)
        self.columns = (objectives.index("error"), objectives.index("energy_uj"))
        self.phase = 0
        self.done = 0                 # generations told
        self.restart = False          # the next ask samples a fresh population around the incumbent
        mutation.set_free(self.free_mask())

    def free_mask(self) -> np.ndarray:
        mask = self.accelerator_mask.copy()
        mask[list(self.groups[self.phase].genes)] = True
        return mask

    # -- pymoo seams ------------------------------------------------------------
    def _infill(self):
        if not self.restart:
            off = super()._infill()
            if off is not None or self.phase + 1 >= len(self.ends):
                return off
            self.termination.force_termination = False  # the group has no new design left: on to the next
            self._next_phase()
        return self.initialization.do(self.problem, self.pop_size, algorithm=self, random_state=self.random_state)

    def _initialize_advance(self, infills=None, **kwargs):
        super()._initialize_advance(infills=infills, **kwargs)  # survival only (no _advance call)
        self._after_generation()

    def _advance(self, infills=None, **kwargs):
        if self.restart:  # a new group's share: its first population alone survives
            self.pop = Population.empty()
            self.restart = False
        super()._advance(infills=infills, **kwargs)
        self._after_generation()

    def _after_generation(self) -> None:
        self.done += 1
        if self.phase + 1 < len(self.ends) and self.done >= self.ends[self.phase]:
            self._next_phase()

    def _next_phase(self) -> None:
        """End the current group's share: pick the next incumbent; the next ask samples around it."""
        self.incumbent = self.pick(self.pop)
        self.phase += 1
        self.restart = True
        self.mating.mutation.set_free(self.free_mask())

    def pick(self, pop: Population) -> np.ndarray:
        """The feasible design of ``pop`` with the best energy score (the incumbent if none is feasible)."""
        X = np.rint(pop.get("X")).astype(np.int64)
        F = np.asarray(pop.get("F"), dtype=np.float64).reshape(len(pop), -1)
        cv = np.asarray(pop.get("CV"), dtype=np.float64).reshape(len(pop))
        ok = np.flatnonzero(cv <= 0.0)
        if len(ok) == 0:
            return self.incumbent
        err, energy = F[ok, self.columns[0]], F[ok, self.columns[1]]
        score = energy_score(1.0 - err, np.maximum(energy, 1e-30), reference_energy_uj=self.reference_energy_uj)
        return X[ok[int(np.argmax(score))]].copy()


def start_genome(problem: "Problem") -> np.ndarray:
    """The reference design the groups start from: the problem's ``reference:`` design when it has
    one, else every network gene at its largest value (ordinal; categorical: its first) and every
    accelerator gene at its first value."""
    ref = getattr(problem, "reference", None)
    if ref is not None:
        return np.asarray(ref, dtype=np.int64).reshape(-1)
    from evo_cosearch.space import CATEGORICAL

    mask = problem.network_gene_mask
    return np.array([len(g.values) - 1 if mask[i] and g.kind != CATEGORICAL else 0
                     for i, g in enumerate(problem.space.genes)], dtype=np.int64)


def check_layer_groups(problem: "Problem") -> list[LayerGroup]:
    """The layer groups of ``problem``, which this strategy can search: it has the objectives
    ``error`` and ``energy_uj`` and a network gene with a choice (else :class:`ProblemError`)."""
    missing = [o for o in _NEEDS if o not in problem.objectives]
    if missing:
        raise ProblemError(f"search.strategy: layer_groups needs objectives {', '.join(_NEEDS)} "
                           f"(missing: {', '.join(missing)})")
    groups = layer_groups(problem)
    if not groups:
        raise ProblemError("search.strategy: layer_groups needs a network gene with a choice (none has one)")
    return groups


def build_layer_groups(problem: "CoSearchProblem", s: "SearchSettings") -> LayerGroupSearch:
    p = problem.evaluator.problem
    try:
        groups = check_layer_groups(p)  # search_settings checked it: here for a caller that did not
    except ProblemError as exc:
        raise ProblemError(f"{p.source}: {exc}") from None
    reference = start_genome(p)
    energy = group_energy_uj(p, reference, groups, simulate_fn=problem.evaluator.simulate_fn)
    groups = [groups[i] for i in np.argsort(-energy, kind="stable")]
    X = reference[None, :]
    ref_energy = float(problem.evaluator.simulate_fn(p.workload(X), p.accelerator_arrays(X)).energy_uj[0])
    return LayerGroupSearch(
        groups=groups, ends=schedule(len(groups), s.gens), reference=reference, reference_energy_uj=ref_energy,
        accelerator_mask=~p.network_gene_mask, objectives=tuple(p.objectives),
        pop_size=s.pop, crossover=make_crossover(s.crossover, s.crossover_prob),
        mutation=DeapMutation(p.space, prob_var=s.mutation_prob, seed=s.seed),
        eliminate_duplicates=GenomeDuplicateElimination(), seed=s.seed,
    )


def save_layer_groups(algorithm: LayerGroupSearch, save_ga) -> dict[str, Any]:
    return {**save_ga(algorithm), "phase": algorithm.phase, "done": algorithm.done, "restart": algorithm.restart,
            "incumbent": algorithm.incumbent.tolist(), "ends": list(algorithm.ends),
            "groups": [g.name for g in algorithm.groups]}


def load_layer_groups(algorithm: LayerGroupSearch, state: dict[str, Any], load_ga) -> None:
    names = [g.name for g in algorithm.ordered]
    if list(state["groups"]) != names[:len(state["groups"])]:
        raise ProblemError(f"layer_groups: the saved group order differs from this problem's; use another {arg('out')}")
    load_ga(algorithm, state)
    algorithm.phase, algorithm.done, algorithm.restart = int(state["phase"]), int(state["done"]), bool(state["restart"])
    algorithm.incumbent = np.asarray(state["incumbent"], dtype=np.int64)
    # the shares already run stay; the current group and the later ones share the generations left
    # (the saved split when the run has as many generations as before, see the module doc)
    done_ends = [int(v) for v in state["ends"]][:algorithm.phase]
    start = done_ends[-1] if done_ends else 0
    gens = algorithm.ends[-1]
    algorithm.ends = done_ends + [start + end for end in schedule(len(algorithm.ordered) - algorithm.phase,
                                                                  gens - start)]
    algorithm.groups = algorithm.ordered[:len(algorithm.ends)]
    algorithm.mating.mutation.set_free(algorithm.free_mask())
