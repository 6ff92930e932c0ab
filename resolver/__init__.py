"""A federated resolution node for battery passports.

Identifiers (handles, GS1 Digital Link URIs) resolve to JSON-LD passports, validated with
SHACL shapes and shown to each caller only as far as its access tier allows.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
