"""The profile graph (vocabulary and shapes) is queryable by every tier, by its name, and stays
out of the default graph that aggregates over passports read."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson

from resolver.sparql.profile_graph import PROFILE_GRAPH, profile_quads
from resolver.stores import Store
from tests.sparql.conftest import put_examples, sparql_server

PREFIXES = (
    "PREFIX bp: <https://w3id.org/battery-passport/eu-battery#> "
    "PREFIX sh: <http://www.w3.org/ns/shacl#> "
    "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
)
# A passport's chemistry joined with the profile's term for it, across the two graphs.
CHEMISTRY_TERMS = (
    PREFIXES + "PREFIX eubat: <https://ref.openepcis.io/extensions/eu/battery/> "
    "SELECT DISTINCT ?term WHERE { ?p eubat:hasBatteryChemistry ?c . "
    f"GRAPH <{PROFILE_GRAPH}> {{ ?c bp:term ?term }} }}"
)


async def ask(url: str, query: str, **params: str) -> object:
    async with (
        aiohttp.ClientSession() as session,
        session.get(url, params={"query": query, **params}) as response,
    ):
        assert response.status == 200, await response.text()
        return orjson.loads(await response.read())


async def test_the_profile_graph_is_queryable_by_name_and_not_in_the_default_graph(
    sqlite_store: Store, tmp_path: Path
) -> None:
    await put_examples(sqlite_store)
    ontology = f"ASK {{ <{PROFILE_GRAPH}> a owl:Ontology }}"
    async with sparql_server(sqlite_store, tmp_path / "index") as endpoint:
        in_graph = await ask(
            endpoint.url,
            PREFIXES + f"ASK {{ GRAPH <{PROFILE_GRAPH}> {{ <{PROFILE_GRAPH}> a owl:Ontology }} }}",
        )
        shapes = await ask(
            endpoint.url,
            PREFIXES + f"SELECT (COUNT(?s) AS ?n) FROM <{PROFILE_GRAPH}> WHERE {{ ?s a sh:NodeShape }}",
        )
        by_protocol = await ask(endpoint.url, PREFIXES + ontology, **{"default-graph-uri": PROFILE_GRAPH})
        in_default = await ask(endpoint.url, PREFIXES + ontology)
        joined = await ask(endpoint.url, CHEMISTRY_TERMS)
        size = await ask(
            endpoint.url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{PROFILE_GRAPH}> {{ ?s ?p ?o }} }}"
        )
    assert in_graph == {"head": {}, "boolean": True}
    assert int(shapes["results"]["bindings"][0]["n"]["value"]) > 0  # type: ignore[index]
    assert by_protocol == {"head": {}, "boolean": True}
    assert in_default == {"head": {}, "boolean": False}
    terms = {row["term"]["value"] for row in joined["results"]["bindings"]}  # type: ignore[index]
    assert "NMC811" in terms
    # The files' triples and nothing else: no passport data in a graph every tier sees.
    assert int(size["results"]["bindings"][0]["n"]["value"]) == len(set(profile_quads()))  # type: ignore[index]
