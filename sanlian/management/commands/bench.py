"""`sanlian bench import` and `sanlian bench load`: the entry point; the benchmark is
sanlian/bench/imports.py (and sanlian/bench/load.py)."""

from sanlian.bench.imports import Command

__all__ = ["Command"]
