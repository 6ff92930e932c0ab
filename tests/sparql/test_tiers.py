"""A caller sees only its tier's graphs: every way a query could name, reach or describe a
legitimate-interest triple answers a public caller with public data only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from resolver.sparql.names import view_graph_name
from resolver.sparql.profile_graph import PROFILE_GRAPH
from resolver.tiers import Tier
from tests.sparql.conftest import (
    LI_TOKEN,
    Endpoint,
    opened_store,
    put_examples,
    sparql_server,
    store_url,
    tier_only,
)

EV_IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"
LI_GRAPH = view_graph_name(EV_IRI, Tier.LEGITIMATE_INTEREST)
AUTHORITY_GRAPH = view_graph_name(EV_IRI, Tier.AUTHORITY)

# The profile graph (every tier's store holds it) names every predicate of the vocabulary, the
# restricted ones too: it is public, as the files it is read from are, and holds nothing else
# (test_profile_graph.py), so the queries that range over every graph leave it out.
NOT_PROFILE = f"FILTER(?g != <{PROFILE_GRAPH}>)"

# (name, query, extra parameters): each tries another way out of the public tier.
ESCAPES = [
    ("plain", "SELECT * WHERE { ?s ?p ?o }", {}),
    ("graph-variable", f"SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {NOT_PROFILE} }}", {}),
    ("from-named", f"SELECT * FROM NAMED <{LI_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
    ("from", f"SELECT * FROM <{LI_GRAPH}> FROM <{AUTHORITY_GRAPH}> WHERE {{ ?s ?p ?o }}", {}),
    ("graph-iri", f"SELECT * WHERE {{ GRAPH <{LI_GRAPH}> {{ ?s ?p ?o }} }}", {}),
    ("default-graph-uri", "SELECT * WHERE { ?s ?p ?o }", {"default-graph-uri": LI_GRAPH}),
    (
        "named-graph-uri",
        "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
        {"named-graph-uri": LI_GRAPH},
    ),
    ("property-path", f"SELECT ?o WHERE {{ <{EV_IRI}> (<urn:x:none>|!<urn:x:none>)* ?o . ?x ?p ?o }}", {}),
    ("describe", f"DESCRIBE <{EV_IRI}>", {}),
    ("describe-graph", f"DESCRIBE ?s WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {NOT_PROFILE} }}", {}),
    (
        "construct",
        "CONSTRUCT { ?s ?p ?o } WHERE { { ?s ?p ?o } UNION "
        f"{{ GRAPH ?g {{ ?s ?p ?o }} {NOT_PROFILE} }} }}",
        {},
    ),
]


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "redis"])
async def endpoint(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Endpoint]:
    """The examples on each store and their index, one per store for the module: its tests only
    read (they send queries, never updates)."""
    folder = tmp_path_factory.mktemp("tiers")
    async with opened_store(store_url(request.param, request, folder)) as store:
        await put_examples(store)
        async with sparql_server(store, folder / "index") as served:
            yield served


async def ask(endpoint: Endpoint, query: str, params: dict[str, str], token: str | None) -> str:
    headers = {"Accept": "application/n-triples, application/sparql-results+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(endpoint.url, data={"query": query, **params}, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.text()


def secrets_in(text: str) -> set[str]:
    predicates, literals = tier_only(Tier.LEGITIMATE_INTEREST)
    long_literals = {value for value in literals if len(value) > 8 and not value[0].isdigit()}
    # Whole terms as the answer writes them: <iri> in N-Triples, "value" in N-Triples and JSON.
    return {term for term in predicates | long_literals if f"<{term}>" in text or f'"{term}"' in text}


@pytest.mark.parametrize(("name", "query", "params"), ESCAPES, ids=[e[0] for e in ESCAPES])
async def test_a_public_caller_never_gets_a_legitimate_interest_triple(
    endpoint: Endpoint, name: str, query: str, params: dict[str, str]
) -> None:
    assert secrets_in(await ask(endpoint, query, params, None)) == set()


@pytest.mark.parametrize(
    ("name", "query", "params"),
    [e for e in ESCAPES if e[0] in ("plain", "graph-variable", "describe", "default-graph-uri")],
    ids=["plain", "graph-variable", "default-graph-uri", "describe"],
)
async def test_the_same_query_with_legitimate_interest_credentials_sees_those_triples(
    endpoint: Endpoint, name: str, query: str, params: dict[str, str]
) -> None:
    assert secrets_in(await ask(endpoint, query, params, LI_TOKEN))


async def test_graph_names_a_caller_sees_are_those_of_its_tier(endpoint: Endpoint) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    public = await ask(endpoint, query, {}, None)
    li = await ask(endpoint, query, {}, LI_TOKEN)
    assert view_graph_name(EV_IRI, Tier.PUBLIC) in public and LI_GRAPH not in public
    assert LI_GRAPH in li and AUTHORITY_GRAPH not in li
