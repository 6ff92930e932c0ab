"""The OpenAPI document: it describes every route the app registers, and real nodes keep to it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR
from schemathesis.transport.requests import ManagedCookiesSession

from resolver.app import create_app
from resolver.config import default_config
from resolver.openapi import PREFLIGHT, ROUTES, openapi_document
from tests.contract.conftest import OPERATOR, STORES
from tests.support.served import ServedNode

# N-Triples and N-Quads are plain text (a passport PUT in any RDF form): sent as text/plain is.
schemathesis.serializer.alias(["application/n-triples", "application/n-quads"], "text/plain")
# Cases per operation: 6 keeps the run to tens of seconds; CONTRACT_EXAMPLES=50 searches deeper.
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "6"))
# The same cases every run. A fixed seed rather than ``derandomize=True``, which seeds from a
# hash of the test function's source, tokenized afresh for each of the 127 operations.
SEED = 20261201
DOCUMENT: dict[str, Any] = openapi_document()  # read as JSON, indexed freely below
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
# A SPARQL query body is text: sent as text/plain bodies are.
schemathesis.serializer.alias(["application/sparql-query", "application/vc+jwt"], "text/plain")
# A UNTP credential (PUT, converted by its adapter) is JSON.
schemathesis.serializer.alias(["application/vc", "application/vc+ld+json"], "application/json")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_operation_of_the_document_is_read() -> None:
    assert len(OPERATIONS) == sum(1 for _ in SCHEMA.get_all_operations())


def test_every_route_the_app_registers_is_in_the_document() -> None:
    app = create_app(default_config(workers=1))
    registered: dict[str, set[str]] = {}
    for resource in app.router.resources():
        path = resource.canonical
        if path == "/{_unmatched}":
            continue
        for route in resource:
            if route.method != "HEAD":
                registered.setdefault(path, set()).add(route.method.lower())
    assert registered.pop(PREFLIGHT) == {"options"}, "OPTIONS answers on every path"
    assert set(registered) == set(ROUTES), "register the route in resolver/openapi/"
    for path, methods in registered.items():
        described = {m for m in DOCUMENT["paths"][ROUTES[path]] if m != "parameters"}
        assert described == methods | {"options"}, path


def test_the_document_is_valid_openapi_3_1() -> None:
    OPENAPI_31_VALIDATOR.validate(DOCUMENT)  # the OpenAPI 3.1 meta-schema
    for name, schema in DOCUMENT["components"]["schemas"].items():
        assert Draft202012Validator.check_schema(schema) is None, name
    ids = [
        op["operationId"]
        for item in DOCUMENT["paths"].values()
        for m, op in item.items()
        if m != "parameters"
    ]
    assert len(ids) == len(set(ids)), "operationIds are unique"
    for path, item in DOCUMENT["paths"].items():  # every template names a path parameter
        templated = set(re.findall(r"{([^}]+)}", path))
        for method, operation in item.items():
            if method == "parameters":
                continue
            named = {
                p["name"]
                for p in [*item.get("parameters", []), *operation.get("parameters", [])]
                if p["in"] == "path"
            }
            assert named == templated, (path, method)


@pytest.mark.parametrize("store", STORES)
def test_the_node_serves_the_document_it_describes(served: dict[str, ServedNode], store: str) -> None:
    answer = requests.get(served[store].url + "/openapi.json", timeout=10)
    assert answer.status_code == 200
    assert answer.json() == DOCUMENT


# One test per operation, each with its own id. Not ``SCHEMA.parametrize()``: its items all share
# one node id, and pytest-xdist's ``--dist loadfile`` (``make test``) keys a module's work by node
# id, so it ran only one of the operations (5 of the module's 131 tests ran, and passed).
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations() if isinstance(result, Ok)]


@pytest.fixture(scope="module")
def connections() -> Iterator[ManagedCookiesSession]:
    """Kept-alive connections to the nodes, for every case: not a connection opened and closed
    by both sides per call. Sent as schemathesis sends without a session: no headers of the
    session's own (no default Accept or User-Agent), redirects followed on the same host only,
    and the cookies of an answer dropped before the next call. Nothing taken from the
    environment (proxies, .netrc, CA bundles: requests scans os.environ for them on every call,
    ~80 look-ups each): the nodes are on 127.0.0.1 and answer plain HTTP."""
    session = ManagedCookiesSession()
    session.headers = {}  # type: ignore[assignment]  # requests' own defaults: none
    session.trust_env = False
    with session:
        yield session


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_every_operation_keeps_to_the_document(
    operation: APIOperation[Any, Any, Any, Any],
    served: dict[str, ServedNode],
    connections: ManagedCookiesSession,
) -> None:
    """Each generated case is sent to the node on each store, by an operator and anonymously
    (generated once: the generation, not the node, was most of this test's cost)."""

    @seed(SEED)
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def keeps_to_it(case: schemathesis.Case[Any]) -> None:  # short: hypothesis hashes its source
        _sent_everywhere_keeps_to_it(case, served, connections)

    keeps_to_it()


def _sent_everywhere_keeps_to_it(
    case: schemathesis.Case[Any], served: dict[str, ServedNode], connections: ManagedCookiesSession
) -> None:
    for store, node in served.items():
        for caller in ("operator", "anonymous"):
            headers = {"Authorization": f"Bearer {OPERATOR}"} if caller == "operator" else None
            if caller == "anonymous" and case.headers:
                case.headers.pop("Authorization", None)  # after the operator's call: not sent again
            try:
                # A hang fails too: every answer within the timeout.
                case.call_and_validate(
                    base_url=node.url, session=connections, headers=headers, timeout=15, checks=CHECKS
                )
            except Exception as err:
                err.add_note(f"store: {store}, caller: {caller}")
                raise
