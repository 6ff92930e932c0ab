"""``/sparql`` per the SPARQL 1.1 Protocol: the three ways to send a query, every result format,
problems for bad queries and each limit, read-only, and no SERVICE calls."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import shutil
import threading
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pyoxigraph
import pytest
import pytest_asyncio
import rdflib
from aiohttp import web

from resolver.sparql.engine import QueryLimits
from resolver.stores import Store
from tests.sparql.conftest import Endpoint, examples, opened_store, put_examples, sparql_server

COUNT = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?type }"
PASSPORTS = (
    "PREFIX gs1: <https://ref.gs1.org/voc/> "
    "SELECT ?p WHERE { ?p a ?t FILTER(STRENDS(STR(?t), 'BatteryPassport')) } ORDER BY ?p"
)
EV_IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"


# Every test and fixture of the module runs in the module's event loop, so the tests that only
# read share one store and index (``endpoint``); a test that writes opens its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module")
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    async with opened_store(f"sqlite:///{tmp_path}/passports.sqlite3") as opened:
        yield opened


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def endpoint(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Endpoint]:
    """The examples and their index, for the tests that only read."""
    folder = tmp_path_factory.mktemp("protocol")
    async with opened_store(f"sqlite:///{folder}/passports.sqlite3") as store:
        await put_examples(store)
        async with sparql_server(store, folder / "index") as served:
            yield served


@pytest_asyncio.fixture(loop_scope="module")
async def own_endpoint(sqlite_store: Store, tmp_path: Path) -> AsyncIterator[Endpoint]:
    """The examples and their index, for a test that changes them."""
    await put_examples(sqlite_store)
    async with sparql_server(sqlite_store, tmp_path / "index") as served:
        yield served


async def call(
    endpoint: Endpoint, method: str = "GET", *, params: Any = None, data: Any = None, headers: Any = None
) -> tuple[int, str, bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, endpoint.url, params=params, data=data, headers=headers) as response,
    ):
        return response.status, response.headers.get("Content-Type", ""), await response.read()


def bindings(body: bytes) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in orjson.loads(body)["results"]["bindings"]]


async def test_get_post_form_and_post_direct_give_the_same_answer(endpoint: Endpoint) -> None:
    got = await call(endpoint, params={"query": PASSPORTS})
    form = await call(endpoint, "POST", data={"query": PASSPORTS})
    direct = await call(
        endpoint, "POST", data=PASSPORTS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert got[0] == form[0] == direct[0] == 200
    assert got[1] == "application/sparql-results+json"
    passports = [row["p"] for row in bindings(got[2])]
    assert passports == sorted(p.iri for p in examples().values())
    assert bindings(form[2]) == bindings(direct[2]) == bindings(got[2])


@pytest.mark.parametrize(
    ("accept", "media_type", "fmt"),
    [
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            pyoxigraph.QueryResultsFormat.XML,
        ),
        ("text/csv", "text/csv; charset=utf-8", None),
        (
            "text/tab-separated-values",
            "text/tab-separated-values; charset=utf-8",
            pyoxigraph.QueryResultsFormat.TSV,
        ),
        ("application/json", "application/sparql-results+json", pyoxigraph.QueryResultsFormat.JSON),
    ],
)
async def test_select_results_in_each_format_read_back_alike(
    endpoint: Endpoint, accept: str, media_type: str, fmt: pyoxigraph.QueryResultsFormat | None
) -> None:
    status, content_type, body = await call(endpoint, params={"query": PASSPORTS}, headers={"Accept": accept})
    assert (status, content_type) == (200, media_type)
    if fmt is None:  # CSV is lossy: pyoxigraph does not read it back
        values = [row["p"] for row in csv.DictReader(io.StringIO(body.decode()))]
    else:
        read = pyoxigraph.parse_query_results(body, format=fmt)
        assert isinstance(read, pyoxigraph.QuerySolutions)
        values = [s["p"].value for s in read]
    assert values == sorted(p.iri for p in examples().values())


async def test_ask_answers_a_boolean(endpoint: Endpoint) -> None:
    yes = await call(endpoint, params={"query": f"ASK {{ <{EV_IRI}> ?p ?o }}"})
    no = await call(
        endpoint, params={"query": "ASK { <urn:x:nothing> ?p ?o }"}, headers={"Accept": "text/xml"}
    )
    assert orjson.loads(yes[2]) == {"head": {}, "boolean": True}
    assert ET.fromstring(no[2]).find("{http://www.w3.org/2005/sparql-results#}boolean").text == "false"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
async def test_construct_and_describe_in_each_graph_format(
    endpoint: Endpoint, accept: str, rdflib_format: str
) -> None:
    pattern = f"WHERE {{ <{EV_IRI}> ?p ?o FILTER(isLiteral(?o)) }}"
    query = f"CONSTRUCT {{ <{EV_IRI}> ?p ?o }} {pattern}"
    status, content_type, body = await call(endpoint, params={"query": query}, headers={"Accept": accept})
    assert status == 200 and content_type.startswith(accept)
    graph = rdflib.Graph().parse(data=body, format=rdflib_format)
    expected = await call(endpoint, params={"query": f"SELECT ?p ?o {pattern}"})
    assert len(graph) == len(bindings(expected[2])) > 5
    described = await call(endpoint, params={"query": f"DESCRIBE <{EV_IRI}>"}, headers={"Accept": accept})
    assert len(rdflib.Graph().parse(data=described[2], format=rdflib_format)) > len(graph)


async def test_an_unacceptable_format_is_406_naming_the_offered_ones(endpoint: Endpoint) -> None:
    status, content_type, body = await call(
        endpoint, params={"query": COUNT}, headers={"Accept": "image/png"}
    )
    assert (status, content_type) == (406, "application/problem+json")
    assert "text/csv" in orjson.loads(body)["detail"]


async def test_a_syntax_error_is_400_with_the_parser_message(endpoint: Endpoint) -> None:
    status, content_type, body = await call(endpoint, params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert (status, content_type) == (400, "application/problem+json")
    detail = orjson.loads(body)["detail"]
    assert detail.startswith("SPARQL syntax error:") and len(detail) > len("SPARQL syntax error: ")


async def test_two_queries_in_one_request_are_400_not_the_first_answered(endpoint: Endpoint) -> None:
    # SPARQL 1.1 Protocol: exactly one query string per request; the first used to be answered.
    two = [("query", "ASK {}"), ("query", COUNT)]
    for args in ({"params": two}, {"method": "POST", "data": two}):
        status, content_type, body = await call(endpoint, **args)
        assert (status, content_type) == (400, "application/problem+json"), args
        assert "one query" in orjson.loads(body)["detail"]


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "POST", "data": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "POST", "data": {"update": "DROP ALL"}},
        {"method": "GET", "params": {"update": "DROP ALL"}},
        {"method": "GET", "params": {"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}},
    ],
    ids=["direct", "form", "get", "update-as-query"],
)
async def test_updates_are_refused_with_403_and_change_nothing(
    endpoint: Endpoint, request_args: dict[str, Any]
) -> None:
    before = await call(endpoint, params={"query": COUNT})
    method = request_args.pop("method")
    status, content_type, _ = await call(endpoint, method, **request_args)
    assert (status, content_type) == (403, "application/problem+json")
    assert await call(endpoint, params={"query": COUNT}) == before


@pytest_asyncio.fixture(loop_scope="module")
async def peer_hits() -> AsyncIterator[tuple[str, list[str]]]:
    """A server that records every request: SERVICE must never reach it."""
    hits: list[str] = []

    async def record(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="{}", content_type="application/sparql-results+json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/sparql", hits
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ ?a ?b ?c . service silent <{url}> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
        "PREFIX x: <{url}#> SELECT * WHERE {{ # SERVICE\n SERVICE x: {{ ?s ?p ?o }} }}",
    ],
    ids=["plain", "silent-lowercase", "escaped", "prefixed"],
)
async def test_service_is_refused_before_any_call(
    endpoint: Endpoint, peer_hits: tuple[str, list[str]], template: str
) -> None:
    url, hits = peer_hits
    status, content_type, body = await call(endpoint, params={"query": template.format(url=url)})
    assert (status, content_type) == (403, "application/problem+json"), body
    assert hits == []


async def test_the_service_description_answers_a_get_without_query(endpoint: Endpoint) -> None:
    status, content_type, body = await call(endpoint)
    assert status == 200 and content_type.startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (rdflib.URIRef(endpoint.url), sd.endpoint, rdflib.URIRef(endpoint.url)) in graph


async def test_default_graph_uri_narrows_the_dataset(endpoint: Endpoint) -> None:
    graph = f"{EV_IRI}#public"
    status, _, body = await call(endpoint, params={"query": COUNT, "default-graph-uri": graph})
    everything = await call(endpoint, params={"query": COUNT})
    assert status == 200
    assert 0 < int(bindings(body)[0]["n"]) < int(bindings(everything[2])[0]["n"])


async def test_a_new_version_and_a_delete_show_in_answers(own_endpoint: Endpoint) -> None:
    endpoint = own_endpoint
    query = f"ASK {{ <{EV_IRI}> ?p ?o }}"
    await endpoint.store.delete("88.100.1/BAT-EV-000001")
    await endpoint.caught_up()
    assert orjson.loads((await call(endpoint, params={"query": query}))[2])["boolean"] is False
    await endpoint.store.put("88.100.1/BAT-EV-000001", examples()["88.100.1/BAT-EV-000001"].views)
    await endpoint.caught_up()
    assert orjson.loads((await call(endpoint, params={"query": query}))[2])["boolean"] is True


# --- limits ------------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def indexed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Store, Path]]:
    """The examples in a store, and their index caught up and closed: a test of a limit serves a
    copy of that index (an endpoint of its own, with its limits) over the store, which it only
    reads, rather than storing and indexing the examples again."""
    folder = tmp_path_factory.mktemp("indexed")
    async with opened_store(f"sqlite:///{folder}/passports.sqlite3") as store:
        await put_examples(store)
        async with sparql_server(store, folder / "index"):
            pass  # caught up on entry, closed on exit
        yield store, folder / "index"


def limited(
    indexed: tuple[Store, Path], tmp_path: Path, *, clock: Any = None, **limits: Any
) -> contextlib.AbstractAsyncContextManager[Endpoint]:
    store, index = indexed
    shutil.copytree(index, tmp_path / "index")
    options = {} if clock is None else {"clock": clock}
    return sparql_server(store, tmp_path / "index", limits=QueryLimits(**limits), **options)


def problem(answer: tuple[int, str, bytes]) -> tuple[int, dict[str, Any]]:
    assert answer[1] == "application/problem+json"
    return answer[0], orjson.loads(answer[2])


async def test_a_query_over_the_length_limit_is_413_with_the_limit(
    indexed: tuple[Store, Path], tmp_path: Path
) -> None:
    async with limited(indexed, tmp_path, max_query_chars=100) as endpoint:
        status, doc = problem(await call(endpoint, params={"query": COUNT + " " * 100}))
    assert (status, doc["limit"]) == (413, 100)


async def test_an_answer_over_the_result_limit_is_422_with_the_limit(
    indexed: tuple[Store, Path], tmp_path: Path
) -> None:
    async with limited(indexed, tmp_path, max_results=10) as endpoint:
        status, doc = problem(await call(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"}))
        small = await call(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"})
    assert (status, doc["limit"]) == (422, 10)
    assert small[0] == 200


class SteppingClock:
    """A clock that moves ``step`` seconds each time the query thread reads it."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        if threading.current_thread() is not threading.main_thread():
            self.now += self.step
        return self.now


async def test_a_query_past_its_time_limit_is_503_with_the_limit(
    indexed: tuple[Store, Path], tmp_path: Path
) -> None:
    async with limited(indexed, tmp_path, timeout=5.0, clock=SteppingClock(1.0)) as endpoint:
        status, doc = problem(await call(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"}))
        quick = await call(endpoint, params={"query": f"ASK {{ <{EV_IRI}> ?p ?o }}"})
    assert (status, doc["limit_seconds"]) == (503, 5.0)
    assert quick[0] == 200


class HeldClock:
    """Holds the query thread at its first look at the clock until ``release``."""

    def __init__(self) -> None:
        self.held = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> float:
        if threading.current_thread() is not threading.main_thread():
            self.held.set()
            self.release.wait(timeout=30)
        return 0.0


async def test_a_client_past_its_concurrency_limit_gets_429(
    indexed: tuple[Store, Path], tmp_path: Path
) -> None:
    clock = HeldClock()
    async with limited(indexed, tmp_path, per_client=1, clock=clock) as endpoint:
        first = asyncio.create_task(call(endpoint, params={"query": "SELECT * WHERE { ?s ?p ?o }"}))
        await asyncio.to_thread(clock.held.wait, 30)
        status, doc = problem(await call(endpoint, params={"query": COUNT}))
        clock.release.set()
        assert (await first)[0] == 200
    assert (status, doc["limit"]) == (429, 1)


async def test_history_true_queries_every_version(sqlite_store: Store, tmp_path: Path) -> None:
    passports = await put_examples(sqlite_store)
    key = "88.100.1/BAT-EV-000001"
    await sqlite_store.put(key, passports[key].views)  # version 2
    query = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{EV_IRI}> ?p ?o }} }} ORDER BY ?g"
    async with sparql_server(sqlite_store, tmp_path / "index", history=True) as endpoint:
        past = await call(endpoint, params={"query": query, "history": "true"})
        now = await call(endpoint, params={"query": query})
    assert [row["g"] for row in bindings(past[2])] == [f"{EV_IRI}#public-v1", f"{EV_IRI}#public-v2"]
    assert [row["g"] for row in bindings(now[2])] == [f"{EV_IRI}#public"]


async def test_history_true_without_a_history_index_is_400(endpoint: Endpoint) -> None:
    status, doc = problem(await call(endpoint, params={"query": COUNT, "history": "true"}))
    assert status == 400 and "history" in doc["detail"]


async def test_a_long_query_posted_directly_arrives_whole(
    indexed: tuple[Store, Path], tmp_path: Path
) -> None:
    padding = "# " + "x" * 200 + "\n"
    query = padding * 1000 + PASSPORTS  # 200 kB: many reads of the request stream
    async with limited(indexed, tmp_path, max_query_chars=300_000) as endpoint:
        status, _, body = await call(
            endpoint, "POST", data=query.encode(), headers={"Content-Type": "application/sparql-query"}
        )
    assert status == 200, body
    assert len(bindings(body)) == len(examples())
