"""`sanlian bench_rollups`: the entry point; the benchmark is sanlian/bench/rollups.py."""

from sanlian.bench.rollups import Command

__all__ = ["Command"]
