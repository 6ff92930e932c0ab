"""The index in a process of its own: it follows the store and answers as the in-process index
does, and a query past its time limit ends the process, which is replaced."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import orjson

from resolver.sparql.engine import QueryLimits
from resolver.sparql.host import IndexProcess
from resolver.stores import Store
from tests.sparql.conftest import examples, put_examples, sparql_server

# FILTER: answered by pyoxigraph, not the columns (their reading and planning, in a new
# process, would not fit the 0.2 s limit of the test below on a loaded machine).
COUNT = (
    "SELECT (COUNT(DISTINCT ?p) AS ?n) "
    "WHERE { ?p a <https://w3id.org/battery-passport/eu-battery#BatteryPassport> FILTER(isIRI(?p)) }"
)
# Every triple three times over: billions of rows for the demo data, in one step (COUNT).
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


async def get(url: str, query: str) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.get(url, params={"query": query}) as response:
        return response.status, orjson.loads(await response.read())


def count(doc: dict[str, object]) -> int:
    value = orjson.loads(orjson.dumps(doc))["results"]["bindings"][0]["n"]["value"]
    return int(value)


async def test_the_index_process_follows_the_store_and_answers(sqlite_store: Store, tmp_path: Path) -> None:
    await put_examples(sqlite_store)
    async with sparql_server(sqlite_store, tmp_path / "index", process=True) as endpoint:
        assert isinstance(endpoint.parts.index, IndexProcess)
        status, doc = await get(endpoint.url, COUNT)
        assert (status, count(doc)) == (200, len(examples()))
        await sqlite_store.delete("88.100.1/BAT-EV-000001")
        await endpoint.caught_up()
        status, doc = await get(endpoint.url, COUNT)
        assert (status, count(doc)) == (200, len(examples()) - 1)


async def test_a_query_past_its_limit_ends_the_index_process_which_is_replaced(
    sqlite_store: Store, tmp_path: Path
) -> None:
    await put_examples(sqlite_store)
    limits = QueryLimits(timeout=0.2)
    async with sparql_server(sqlite_store, tmp_path / "index", process=True, limits=limits) as endpoint:
        index = endpoint.parts.index
        assert isinstance(index, IndexProcess)
        first = index.pid
        status, doc = await get(endpoint.url, ENDLESS)
        assert (status, doc["type"], doc["limit_seconds"]) == (503, doc["type"], 0.2)
        assert str(doc["type"]).endswith("query-timeout")
        assert index.restarts == 1 and index.pid != first
        status, doc = await get(endpoint.url, COUNT)  # the new process holds the same index
        assert (status, count(doc)) == (200, len(examples()))
