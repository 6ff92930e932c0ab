"""Validation of passports against the profile's SHACL shapes.

- :mod:`~resolver.validation.report`: the report types and what a worker hands back;
- :mod:`~resolver.validation.shacl_core`: the fast conformance check;
- :mod:`~resolver.validation.engine`: one process's engine (shapes parsed once, fast check, pyshacl);
- :mod:`~resolver.validation.worker_patches`: pyshacl/rdflib speed-ups, for worker processes only;
- :mod:`~resolver.validation.pipeline`: body -> graph -> report, canonical form and tier views;
- :mod:`~resolver.validation.pool`: the worker pool the node uses (:class:`Validator`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from resolver.validation.report import PreparedPassport, ValidationReport, ValidationResult

if TYPE_CHECKING:
    from resolver.validation.engine import Engine, SparqlRunner
    from resolver.validation.pipeline import engine, prepare_sync, validate_sync
    from resolver.validation.pool import Validator

    _engine = engine
    _SparqlRunner = SparqlRunner

__all__ = [
    "Engine",
    "PreparedPassport",
    "ValidationReport",
    "ValidationResult",
    "Validator",
    "engine",
    "prepare_sync",
    "validate_sync",
]

# The rest is imported on first use: the engine imports pyshacl (~0.3 CPU-s), which a process
# that only starts the pool (the node, ``passport-node import``) never runs; its workers do.
# A module's names are bound together: ``engine`` is then the pipeline's function, as the eager
# imports left it, not the submodule of that name (which importing the pipeline directly sets
# here until then: resolver.validation.pipeline.engine is the unambiguous name).
_LAZY = {
    "Engine": ("engine", "Engine"),
    "SparqlRunner": ("engine", "SparqlRunner"),
    "_SparqlRunner": ("engine", "SparqlRunner"),  # names tests and benchmarks used before the split
    "engine": ("pipeline", "engine"),
    "_engine": ("pipeline", "engine"),
    "prepare_sync": ("pipeline", "prepare_sync"),
    "validate_sync": ("pipeline", "validate_sync"),
    "Validator": ("pool", "Validator"),
}


def __getattr__(name: str) -> Any:
    found = _LAZY.get(name)
    if found is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{found[0]}")
    for lazy, (home, attribute) in _LAZY.items():
        if home == found[0]:
            globals()[lazy] = getattr(module, attribute)
    return globals()[name]
