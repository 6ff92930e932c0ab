"""Unmodified clients work against ``/sparql``: SPARQLWrapper, rdflib's SPARQLStore, curl.

The clients are synchronous; they run on a thread while the endpoint serves on the loop.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
import pytest_asyncio
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import GET, JSON, POST, TURTLE, XML, SPARQLWrapper

from tests.sparql.conftest import Endpoint, examples, opened_store, put_examples, sparql_server

EV_IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"
PASSPORTS = "SELECT ?p WHERE { ?p a ?t FILTER(STRENDS(STR(?t), 'BatteryPassport')) } ORDER BY ?p"


# Every test and the endpoint run in the module's event loop: the tests only read, so they share
# one store and index (not one each: the examples stored and indexed again per test).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def endpoint(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Endpoint]:
    folder = tmp_path_factory.mktemp("clients")
    async with opened_store(f"sqlite:///{folder}/passports.sqlite3") as store:
        await put_examples(store)
        async with sparql_server(store, folder / "index") as served:
            yield served


def expected() -> list[str]:
    return sorted(p.iri for p in examples().values())


@pytest.mark.parametrize("method", [GET, POST])
async def test_sparqlwrapper_select_in_json_and_xml(endpoint: Endpoint, method: str) -> None:
    def run(fmt: str) -> list[str]:
        client = SPARQLWrapper(endpoint.url)
        client.setMethod(method)
        client.setQuery(PASSPORTS)
        client.setReturnFormat(fmt)
        converted: Any = client.query().convert()  # a dict (JSON) or a DOM document (XML)
        if fmt == JSON:
            return [row["p"]["value"] for row in converted["results"]["bindings"]]
        return [str(node.firstChild.data) for node in converted.getElementsByTagName("uri")]

    assert await asyncio.to_thread(run, JSON) == expected()
    assert await asyncio.to_thread(run, XML) == expected()


async def test_sparqlwrapper_construct_in_turtle(endpoint: Endpoint) -> None:
    def run() -> bytes:
        client = SPARQLWrapper(endpoint.url)
        client.setQuery(f"CONSTRUCT {{ <{EV_IRI}> ?p ?o }} WHERE {{ <{EV_IRI}> ?p ?o }}")
        client.setReturnFormat(TURTLE)
        converted: bytes = client.query().convert()  # type: ignore[assignment]
        return converted

    graph = rdflib.Graph().parse(data=await asyncio.to_thread(run), format="turtle")
    assert (rdflib.URIRef(EV_IRI), None, None) in graph


async def test_rdflib_sparqlstore_selects_and_constructs(endpoint: Endpoint) -> None:
    def run() -> tuple[list[str], int]:
        graph = rdflib.Graph(store=SPARQLStore(endpoint.url))
        selected = [str(row[0]) for row in graph.query(PASSPORTS)]  # type: ignore[index]
        built = graph.query(f"CONSTRUCT {{ <{EV_IRI}> ?p ?o }} WHERE {{ <{EV_IRI}> ?p ?o }}")
        return selected, len(built)

    selected, triples = await asyncio.to_thread(run)
    assert selected == expected()
    assert triples > 10


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
async def test_curl_with_data_urlencode(endpoint: Endpoint) -> None:
    command = [
        "curl", "-sS", "--fail", "-H", "Accept: application/sparql-results+json",
        "--data-urlencode", f"query={PASSPORTS}", endpoint.url,
    ]  # fmt: skip
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, timeout=30, check=True)
    rows = orjson.loads(done.stdout)["results"]["bindings"]
    assert [row["p"]["value"] for row in rows] == expected()
