"""``/sparql`` on a real node: the index opened by the composition root, fed from the store,
served by the route module, announced in the node description; one writer per index."""

from __future__ import annotations

import uuid
from pathlib import Path

import aiohttp
import orjson

from resolver.config import SparqlConfig, default_config
from resolver.tiers import Role
from tests.integration.conftest import EXAMPLE_HANDLE, OPERATOR, bearer, new_handle, passport
from tests.support.federation import node, peer
from tests.support.node import credential, running_node
from tests.support.redis_server import RedisServer
from tests.support.waiting import until

ASK = "ASK { GRAPH ?g { <https://hdl.handle.net/%s> ?p ?o } }"
SPARQL_JSON = {"Accept": "application/sparql-results+json"}
# The index in the node's own process, for the tests about where it lives and about federation:
# the index's process of its own (the default, ~1.3 CPU-s to spawn) is what the first two tests
# serve from; the routes, the follower and the index are the same either way.
IN_PROCESS = SparqlConfig(process=False)


async def ask(session: aiohttp.ClientSession, url: str, handle: str) -> bool:
    async with session.get(f"{url}/sparql", params={"query": ASK % handle}, headers=SPARQL_JSON) as response:
        assert response.status == 200, await response.text()
        answer: bool = orjson.loads(await response.read())["boolean"]
        return answer


async def test_a_node_serves_its_passports_at_sparql_and_follows_its_writes(tmp_path: Path) -> None:
    config = default_config(
        store=f"sqlite:///{tmp_path}/passports.sqlite3",
        credentials=(credential("maker", Role.OPERATOR, OPERATOR, ["88.100.1"]),),
        workers=1,
        chain=("local",),
    )
    handle = new_handle()
    async with running_node(config, demo=True, sparql_index=True) as node, aiohttp.ClientSession() as session:
        async with session.get(f"{node.url}/.well-known/passport-node") as response:
            assert (await response.json())["sparql"] == f"{node.url}/sparql"
        sparql = node.node.sparql
        assert sparql is not None and sparql.directory == tmp_path / "passports.sqlite3.sparql-index"
        await sparql.follower.catch_up()
        assert await ask(session, node.url, EXAMPLE_HANDLE)
        assert not await ask(session, node.url, handle)
        put = session.put(
            f"{node.url}/{handle}",
            data=passport(handle),
            headers={"Content-Type": "application/ld+json", **bearer(OPERATOR)},
        )
        async with put as response:
            assert response.status == 201, await response.text()

        async def indexed() -> bool:
            return await ask(session, node.url, handle)

        await until(indexed, what=f"{handle} in the node's SPARQL index")


async def test_a_second_node_on_the_same_index_answers_503_for_sparql_only(tmp_path: Path) -> None:
    config = default_config(store=f"sqlite:///{tmp_path}/passports.sqlite3", workers=1, chain=("local",))
    async with (
        running_node(config, sparql_index=True) as first,
        running_node(config, sparql_index=True) as second,
        aiohttp.ClientSession() as session,
    ):
        assert first.node.sparql is not None and second.node.sparql is None
        async with session.get(f"{second.url}/sparql", params={"query": "ASK {}"}) as response:
            assert response.status == 503
            assert response.content_type == "application/problem+json"
            assert "open in another process" in (await response.json())["detail"]
        async with session.get(f"{second.url}/healthz") as response:
            assert response.status == 200


async def test_a_redis_node_keeps_its_index_under_its_data_dir(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    store = f"{redis_server.url}?namespace=sparql-{uuid.uuid4().hex[:8]}"
    config = default_config(
        store=store, node_id="eu", data_dir=str(tmp_path), workers=1, chain=("local",), sparql=IN_PROCESS
    )
    async with running_node(config, demo=True, sparql_index=True) as node, aiohttp.ClientSession() as session:
        sparql = node.node.sparql
        assert sparql is not None and sparql.directory == tmp_path / "sparql-index-eu"
        await sparql.follower.catch_up()
        assert await ask(session, node.url, EXAMPLE_HANDLE)
    assert (tmp_path / "sparql-index-eu").is_dir()


async def test_sparql_can_be_turned_off(tmp_path: Path) -> None:
    config = default_config(
        store=f"sqlite:///{tmp_path}/passports.sqlite3",
        workers=1,
        chain=("local",),
        sparql=SparqlConfig(enabled=False),
    )
    async with running_node(config, sparql_index=True) as node, aiohttp.ClientSession() as session:
        async with session.get(f"{node.url}/sparql", params={"query": "ASK {}"}) as response:
            assert response.status == 503 and "not enabled" in (await response.json())["detail"]
        async with session.get(f"{node.url}/.well-known/passport-node") as response:
            assert "sparql" not in await response.json()
    assert not (tmp_path / "passports.sqlite3.sparql-index").exists()


async def test_federated_true_asks_the_configured_peers_sparql(tmp_path: Path) -> None:
    passports = "SELECT ?p WHERE { ?p a ?t FILTER(STRENDS(STR(?t), 'BatteryPassport')) }"
    mine, theirs = "21.11101/SPARQL-A-1", "88.3/SPARQL-B-1"
    async with (
        node(
            tmp_path,
            "b",
            ["88.3"],
            passports=[theirs],
            roles={"a-to-b": Role.LEGITIMATE_INTEREST},
            sparql_index=True,
            sparql=IN_PROCESS,
        ) as b,
        node(
            tmp_path,
            "a",
            ["21.11101"],
            passports=[mine],
            federation={"peers": [peer("b", b.url, ["88.3"], token="a-to-b")]},
            sparql_index=True,
            sparql=IN_PROCESS,
        ) as a,
        aiohttp.ClientSession() as session,
    ):
        for running in (a, b):
            sparql = running.node.sparql
            assert sparql is not None
            await sparql.follower.catch_up()
        form = {"query": passports, "federated": "true"}
        async with session.post(f"{a.url}/sparql", data=form, headers=SPARQL_JSON) as response:
            assert response.status == 200, await response.text()
            answer = orjson.loads(await response.read())
    rows = {(row["node"]["value"], row["p"]["value"]) for row in answer["results"]["bindings"]}
    assert rows == {("a", f"https://hdl.handle.net/{mine}"), ("b", f"https://hdl.handle.net/{theirs}")}
    assert answer["failed"] == []
