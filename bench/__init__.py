"""Benchmarks, run on demand: each script prints its figures and whether the goal was met."""
