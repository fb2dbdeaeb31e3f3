"""Benchmarks: functions that time a part of evo_cosearch and return/write plain JSON results.

Each benchmark writes ``results/benchmarks/<name>.json``; speed targets live here, never in
tests. The CLI exposes them as ``evo-cosearch bench <name>``.
"""
