"""One generation's archive record: decoded designs (vectorised decode) + metrics + search state."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np

from evo_cosearch.archive import GenerationRecord
from evo_cosearch.evaluate import METRICS
from evo_cosearch.engine.problem import extras_of
from evo_cosearch.space.quant import quant_json
from evo_cosearch.space.spec import BLOCK_TYPES

__all__ = ["network_json", "accelerator_json", "DesignJson", "generation_record", "now"]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_LAYER = '{"kernel": %d, "expansion": %d, "block": "%s", "w_bits": %s, "a_bits": %s}'
_STAGE = '{"depth": %d, "width": %d, "stride": %d, "layers": [%s]}'


def network_json(problem, X: np.ndarray) -> list[str]:
    """JSON text of ``NetworkSpec.to_dict()`` for every genome, formatted straight from the
    population's arrays (no spec objects; this runs for every archived design)."""
    net = problem.network_arrays(X)
    stages = [_stage_texts(problem, net, s) for s in range(len(problem.network.stages))]
    head, tail = _network_frame(problem)
    return [f'{head}{stem}, "stages": [{", ".join(st[i] for st in stages)}]{tail}'
            for i, stem in enumerate(net.stem_width.tolist())]


def _network_frame(problem) -> tuple[str, str]:
    """The text before a network's stem width and after its stages (the same for every design)."""
    t = problem.network
    head = (f'{{"in_channels": {t.in_channels}, "in_size": {t.in_size}, "num_classes": {t.num_classes}, '
            f'"stem_stride": {t.stem_stride}, "edge_bits": {t.edge_bits}, "stem_width": ')
    return head, "}" if t.acc_bits is None else f', "acc_bits": {t.acc_bits}}}'


def _stage_texts(problem, net, s: int) -> list[str]:
    """JSON text of stage ``s`` (0-based) of every network in ``net``."""
    stride = problem.network.stages[s].stride
    depth, width = net.depth[:, s].tolist(), net.width[:, s].tolist()
    kernel, expansion, block = net.kernel[:, s].tolist(), net.expansion[:, s].tolist(), net.block[:, s].tolist()
    w_bits, a_bits = quant_json(net.w_quant[:, s], net.w_bits[:, s]), quant_json(net.a_quant[:, s], net.a_bits[:, s])
    return [_STAGE % (d, width[i], stride, ", ".join(
        _LAYER % (kernel[i][j], expansion[i][j], BLOCK_TYPES[block[i][j]], w_bits[i][j], a_bits[i][j])
        for j in range(d))) for i, d in enumerate(depth)]


def accelerator_json(problem, X: np.ndarray) -> list[str]:
    """JSON text of ``AcceleratorSpec.to_dict()`` for every genome (whole numbers as int), joined
    from each gene value's pre-formatted ``"name": value`` text."""
    space = problem.space
    names = list(problem.accelerator.values)
    cols = [space.index_of(name) for name in names]
    items = [[f"{json.dumps(name)}: {json.dumps(_num(v))}" for v in space.genes[c].values]
             for name, c in zip(names, cols)]
    rows = np.asarray(X)[:, cols].tolist()
    return ["{" + ", ".join([text[k] for text, k in zip(items, row)]) + "}" for row in rows]


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


class DesignJson:
    """Decoded network / accelerator JSON text per genome, cached by the genes each depends on.

    A network's text is assembled from per-stage texts, themselves cached by the stage's genes:
    offspring mostly recombine their parents' stages, so few stages are formatted anew.
    """

    _MAX_CACHED = 200_000  # entries per cache before it is cleared (bounded memory on long runs)

    def __init__(self, problem) -> None:
        self.problem = problem
        self._net_mask = problem.network_gene_mask
        self._acc: dict[bytes, str] = {}
        names = [g.name for g in problem.space.genes]
        self._stem = names.index("stem.width")
        self._stem_text = [str(int(v)) for v in problem.space.genes[self._stem].values]
        self._stage_cols = [np.array([i for i, n in enumerate(names) if n.startswith(f"s{s}.")], dtype=np.int64)
                            for s in range(1, len(problem.network.stages) + 1)]
        self._stages: list[dict[bytes, str]] = [{} for _ in self._stage_cols]
        self._frame = _network_frame(problem)

    def __call__(self, X: np.ndarray) -> tuple[list[str], list[str]]:
        return self._networks(X), self._accelerators(X)

    def _networks(self, X: np.ndarray) -> list[str]:
        keys = [_row_keys(X[:, cols]) for cols in self._stage_cols]
        caches = [_bounded(cache, self._MAX_CACHED) for cache in self._stages]
        miss = [[i for i, k in enumerate(ks) if k not in cache] for ks, cache in zip(keys, caches)]
        rows = sorted(set().union(*miss))
        if rows:  # decode only the rows some stage misses, once, for every stage
            net, at = self.problem.network_arrays(X[rows]), {r: j for j, r in enumerate(rows)}
            for s, (ks, cache, m) in enumerate(zip(keys, caches, miss)):
                if m:
                    texts = _stage_texts(self.problem, net, s)
                    cache.update((ks[i], texts[at[i]]) for i in m)
        per_stage = [[cache[k] for k in ks] for ks, cache in zip(keys, caches)]
        head, tail = self._frame
        stems = [self._stem_text[i] for i in X[:, self._stem].tolist()]
        return [f'{head}{stem}, "stages": [{", ".join(st[i] for st in per_stage)}]{tail}'
                for i, stem in enumerate(stems)]

    def _accelerators(self, X: np.ndarray) -> list[str]:
        keys = _row_keys(X[:, ~self._net_mask])
        cache = _bounded(self._acc, self._MAX_CACHED)
        miss = [i for i, k in enumerate(keys) if k not in cache]
        if miss:
            cache.update(zip((keys[i] for i in miss), accelerator_json(self.problem, X[miss])))
        return [cache[k] for k in keys]


def _row_keys(K: np.ndarray) -> list[bytes]:
    return [k.tobytes() for k in np.ascontiguousarray(K)]


def _bounded(cache: dict, limit: int) -> dict:
    """``cache``, emptied first when it holds more than ``limit`` entries (bounded memory on long runs)."""
    if len(cache) > limit:
        cache.clear()
    return cache


def generation_record(problem, pproblem, strategy, algorithm, off, *, generation: int, first_id: int,
                      tracker, hypervolume: float, meta: dict, design_json: DesignJson,
                      extras: dict[str, np.ndarray] | None = None) -> GenerationRecord:
    """The archive record of one evaluated and told generation ``off``."""
    n = len(off)
    X = np.rint(off.get("X")).astype(np.int64)
    k = pproblem.n_ieq_constr
    G = np.asarray(off.get("G"), dtype=np.float64).reshape(n, -1)[:, :k] if k else np.zeros((n, 0))
    ex = extras_of(off) if extras is None else extras
    networks, accelerators = design_json(X)
    return GenerationRecord(
        generation=generation, first_id=first_id, genomes=X,
        metrics={name: ex[name] for name in METRICS}, G=G, cv=ex["cv"], feasible=ex["feasible"] > 0.5,
        seconds=ex["seconds"],
        networks=networks, accelerators=accelerators,
        strategy=strategy.name, population=[int(i) for i in algorithm.pop.get("design_id")],
        state=strategy.save(algorithm), n_evals=tracker.n_designs, hypervolume=hypervolume,
        n_feasible=tracker.n_feasible, n_pareto=len(tracker.front), finished=now(), meta=meta,
    )
