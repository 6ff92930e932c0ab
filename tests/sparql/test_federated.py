"""``federated=true``: the same SELECT on this node and its peers (real endpoints on 127.0.0.1),
merged with each binding tagged by node, failed peers listed, the caller's tier kept."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from resolver.sparql.federated import Federation, SparqlPeer
from resolver.stores import open_store
from resolver.tiers import Tier
from tests.sparql.conftest import LI_TOKEN, examples, sparql_server, tier_only

PASSPORTS = "SELECT ?p WHERE { ?p a ?t FILTER(STRENDS(STR(?t), 'BatteryPassport')) }"
EVERYTHING = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def federated(url: str, query: str, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data={"query": query, "federated": "true"}, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        parsed: dict[str, Any] = orjson.loads(await response.read())
        return parsed


async def test_a_federated_select_merges_peers_tags_nodes_and_lists_failures(tmp_path: Path) -> None:
    keys = sorted(examples())
    mine, theirs = keys[:5], keys[5:]
    store_a = await open_store(f"sqlite:///{tmp_path}/a.sqlite3")
    store_b = await open_store(f"sqlite:///{tmp_path}/b.sqlite3")
    try:
        for store, part in ((store_a, mine), (store_b, theirs)):
            for key in part:
                await store.put(key, examples()[key].views)
        async with sparql_server(store_b, tmp_path / "b") as b, aiohttp.ClientSession() as session:
            peers = (
                SparqlPeer("node-b", b.url, token=LI_TOKEN),  # B grants A legitimate interest
                SparqlPeer("node-down", f"http://127.0.0.1:{closed_port()}/sparql"),
            )
            federation = Federation("node-a", peers, session)
            async with sparql_server(store_a, tmp_path / "a", federation=federation) as a:
                answer = await federated(a.url, PASSPORTS)
                everything = await federated(a.url, EVERYTHING)
                for_li = await federated(a.url, EVERYTHING, LI_TOKEN)
    finally:
        await store_a.aclose()
        await store_b.aclose()

    rows = answer["results"]["bindings"]
    by_node = {(row["node"]["value"], row["p"]["value"]) for row in rows}
    assert by_node == {("node-a", examples()[k].iri) for k in mine} | {
        ("node-b", examples()[k].iri) for k in theirs
    }
    assert answer["head"]["vars"] == ["node", "p"]
    assert [f["node"] for f in answer["failed"]] == ["node-down"]

    # B grants A legitimate interest, but A's caller is public: B answers at the public tier.
    secrets, _ = tier_only(Tier.LEGITIMATE_INTEREST)
    predicates = {row["p"]["value"] for row in everything["results"]["bindings"]}
    assert {row["node"]["value"] for row in everything["results"]["bindings"]} == {"node-a", "node-b"}
    assert not predicates & secrets
    # The same query from a legitimate-interest caller gets them, from both nodes.
    li_rows = for_li["results"]["bindings"]
    for node in ("node-a", "node-b"):
        assert {row["p"]["value"] for row in li_rows if row["node"]["value"] == node} & secrets
