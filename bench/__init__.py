"""Benchmarks of the passport node, each a ratio to a baseline measured in the same run.

Run ``python -m bench WORKLOAD --seconds S --json`` for one workload or ``python -m bench all``
to run every workload and write docs/benchmarks.md.
"""

__all__: list[str] = []
