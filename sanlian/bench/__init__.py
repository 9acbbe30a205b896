"""The benchmarks, beside the demo in the project package because they compose every app:
`imports` (`sanlian bench import`, and the command that also runs `bench load`), `load` (`sanlian
bench load`: gunicorn and a task worker under simulated users) and `rollups` (`sanlian
bench_rollups`: the dashboards' figures against DuckDB). The commands in
sanlian/management/commands/ are thin entry points into these modules.
"""
