"""A problem's search space as text (``evo-cosearch space show``): its genes under its size, or JSON."""

from __future__ import annotations

import json

from evo_cosearch.space.network import NetworkTemplate
from evo_cosearch.space.space import SearchSpace

__all__ = ["show_space", "SHOW_FORMATS"]

#: The forms :func:`show_space` writes.
SHOW_FORMATS = ("table", "json")


def show_space(space: SearchSpace, network: NetworkTemplate, *, name: str, fmt: str = "table") -> str:
    """``space`` (of problem ``name``, whose network is ``network``) as ``table``: a header with its
    gene and genome counts, then one line per gene (index, name, kind, cardinality, values); or as
    ``json``: the problem's name, :meth:`SearchSpace.to_dict` and the same ``note`` on genomes against
    distinct designs (null where every genome is a design of its own)."""
    unused = any(min(st.depth) < st.max_depth for st in network.stages)  # slots a shallower stage leaves out
    note = "genomes differing only in the block slots a stage depth leaves out are one design" if unused else None
    if fmt == "json":
        return json.dumps({"problem": name, **space.to_dict(), "note": note}, indent=2)
    width = max(len(n) for n in space.names)
    said = "" if note is None else "; those" + note.removeprefix("genomes")
    lines = [f"problem {name}: {space.n_var} genes, {space.size:.3e} genomes ({space.size} exactly{said})"]
    lines += [f"{i:>3}  {g.name:<{width}}  {g.kind:<11}  {g.cardinality:>2}  {list(g.values)}"
              for i, g in enumerate(space.genes)]
    return "\n".join(lines)
