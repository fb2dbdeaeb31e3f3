"""Run provenance is its own module (evo_cosearch.provenance); evaluate still re-exports its names."""

from __future__ import annotations

import evo_cosearch.evaluate as evaluate
import evo_cosearch.provenance as provenance


def test_evaluate_re_exports_the_provenance_functions():
    for name in ("accuracy_source", "simulator_source", "function_source", "function_name", "source_kind",
                 "describe_source", "source_mismatch", "simulator_mismatch"):  # those it defined before the split
        assert getattr(evaluate, name) is getattr(provenance, name) and name in evaluate.__all__


def test_a_users_function_is_recorded_by_name_and_code():
    def simulate_fn(layers, accelerators):
        return layers

    source = provenance.simulator_source(simulate_fn)
    assert source["kind"] == "custom" and source["function"].endswith("simulate_fn") and len(source["code"]) == 16
    assert provenance.simulator_source(None) == {"kind": "builtin"}
    assert provenance.simulator_mismatch({"kind": "builtin"}, source).startswith(
        "run's hardware metrics came from the built-in simulator (evo_cosearch.hardware.simulate), not simulate_fn ")
