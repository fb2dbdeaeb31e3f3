"""One generation's archive record: decoded designs (vectorised decode) + metrics + search state."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np

from evo_cosearch.archive import GenerationRecord
from evo_cosearch.evaluate import METRICS
from evo_cosearch.search.problem import extras_of
from evo_cosearch.space.spec import BLOCK_TYPES

__all__ = ["network_json", "accelerator_json", "DesignJson", "generation_record", "now"]


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


_LAYER = '{"kernel": %d, "expansion": %d, "block": "%s", "w_bits": %d, "a_bits": %d}'
_STAGE = '{"depth": %d, "width": %d, "stride": %d, "layers": [%s]}'


def network_json(problem, X: np.ndarray) -> list[str]:
    """JSON text of ``NetworkSpec.to_dict()`` for every genome, formatted straight from the
    population's arrays (no spec objects; this runs for every archived design)."""
    t = problem.network
    net = problem.network_arrays(X)
    stem, depth, width = net.stem_width.tolist(), net.depth.tolist(), net.width.tolist()
    kernel, expansion, block = net.kernel.tolist(), net.expansion.tolist(), net.block.tolist()
    w_bits, a_bits = net.w_bits.tolist(), net.a_bits.tolist()
    strides = [st.stride for st in t.stages]
    head = (f'{{"in_channels": {t.in_channels}, "in_size": {t.in_size}, "num_classes": {t.num_classes}, '
            f'"stem_stride": {t.stem_stride}, "edge_bits": {t.edge_bits}, ')
    out = []
    for i in range(len(stem)):
        stages = ", ".join(
            _STAGE % (d, width[i][s], strides[s], ", ".join(
                _LAYER % (kernel[i][s][j], expansion[i][s][j], BLOCK_TYPES[block[i][s][j]], w_bits[i][s][j],
                          a_bits[i][s][j]) for j in range(d)))
            for s, d in enumerate(depth[i]))
        out.append(f'{head}"stem_width": {stem[i]}, "stages": [{stages}]}}')
    return out


def accelerator_json(problem, X: np.ndarray) -> list[dict]:
    """JSON text of ``AcceleratorSpec.to_dict()`` for every genome (whole numbers as int)."""
    names = list(problem.accelerator.values)
    cols = [[_num(v) for v in problem.space.column(X, name).tolist()] for name in names]
    return [json.dumps(dict(zip(names, row))) for row in zip(*cols)]


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


class DesignJson:
    """Decoded network / accelerator JSON text per genome, cached by the genes each depends on."""

    def __init__(self, problem) -> None:
        self.problem = problem
        self._net_mask = problem.network_gene_mask
        self._net: dict[bytes, str] = {}
        self._acc: dict[bytes, str] = {}

    def __call__(self, X: np.ndarray) -> tuple[list[str], list[str]]:
        return (self._texts(X, self._net_mask, self._net, network_json),
                self._texts(X, ~self._net_mask, self._acc, accelerator_json))

    def _texts(self, X, mask, cache: dict[bytes, str], decode) -> list[str]:
        keys = [k.tobytes() for k in np.ascontiguousarray(X[:, mask])]
        miss = [i for i, k in enumerate(keys) if k not in cache]
        if miss:
            for i, text in zip(miss, decode(self.problem, X[miss])):
                cache.setdefault(keys[i], text)
        return [cache[k] for k in keys]


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
