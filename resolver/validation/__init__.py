"""Validation of passports against the profile's SHACL shapes.

- :mod:`~resolver.validation.report`: the report types and what a worker hands back;
- :mod:`~resolver.validation.shacl_core`: the fast conformance check;
- :mod:`~resolver.validation.engine`: one process's engine (shapes parsed once, fast check, pyshacl);
- :mod:`~resolver.validation.worker_patches`: pyshacl/rdflib speed-ups, for worker processes only;
- :mod:`~resolver.validation.pipeline`: body -> graph -> report, canonical form and tier views;
- :mod:`~resolver.validation.pool`: the worker pool the node uses (:class:`Validator`).
"""

from resolver.validation.engine import Engine, SparqlRunner
from resolver.validation.pipeline import engine, prepare_sync, validate_sync
from resolver.validation.pool import Validator
from resolver.validation.report import PreparedPassport, ValidationReport, ValidationResult

# Names tests and benchmarks used before the split.
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
