"""Importing ``resolver`` and building the app leaves rdflib and pyshacl as shipped: the
speed-ups of resolver/validation/worker_patches.py are for worker processes only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[2]

_SCRIPT = r"""
import sys, orjson
from rdflib.plugins.sparql import processor
import pyshacl.shape as shape_module
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

def snapshot():
    return {
        "rdflib SPARQLProcessor.query": processor.SPARQLProcessor.query,
        "pyshacl _validate_sparql_query": SPARQLBasedConstraint._validate_sparql_query,
        "pyshacl pre_bind_variables": SPARQLQueryHelper.pre_bind_variables,
        "pyshacl Shape.target": shape_module.Shape.target,
        "pyshacl Shape.__str__": shape_module.Shape.__str__,
        "pyshacl CONSTRAINT_PARAMS": getattr(shape_module, "CONSTRAINT_PARAMS", None),
    }

stock = snapshot()
import resolver, resolver.cli, resolver.app, resolver.validation, resolver.write
from resolver.app import create_app
from resolver.config import default_config
create_app(default_config(store="sqlite:///" + sys.argv[1]))
after_app = [name for name, value in snapshot().items() if value is not stock[name]]
from resolver.validation import worker_patches
worker_patches.install(advanced=False)
after_install = [name for name, value in snapshot().items() if value is not stock[name]]
print(orjson.dumps({"after_app": after_app, "after_install": after_install}).decode())
"""


def test_importing_resolver_and_building_the_app_leaves_rdflib_and_pyshacl_stock(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "store.sqlite3")],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=120,
    )
    found = orjson.loads(done.stdout.splitlines()[-1])
    assert found["after_app"] == []
    # The check can fail: the worker speed-ups do replace these (in a worker process).
    assert set(found["after_install"]) >= {
        "rdflib SPARQLProcessor.query",
        "pyshacl _validate_sparql_query",
        "pyshacl pre_bind_variables",
        "pyshacl CONSTRAINT_PARAMS",
    }
