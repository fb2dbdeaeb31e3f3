"""File formats at the edge of the project: SCALE-Sim topologies and configs, hardware JSON."""

from evo_cosearch.io.hwfile import (
    ScaleSimConfig, hw_arrays, parse_hw, read_hw_json, scalesim_config_text, scalesim_equivalent,
    write_scalesim_config,
)
from evo_cosearch.io.topology import COLUMNS, parse_topology, read_topology, topology_text, write_topology

__all__ = [
    "COLUMNS", "ScaleSimConfig", "hw_arrays", "parse_hw", "parse_topology", "read_hw_json", "read_topology",
    "scalesim_config_text", "scalesim_equivalent", "topology_text", "write_scalesim_config", "write_topology",
]
