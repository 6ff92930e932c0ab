"""Every version a node stores is signed and logged (issue 11): the JSON-LD answer embeds a
proof that verifies against the node's key, the Turtle answer carries the same proof in
``Passport-Proof`` over the same graph, and ``Passport-Log-Index`` names a log entry that holds
the SHA-256 of each tier view's canonical N-Quads. On SQLite and on Redis."""

from __future__ import annotations

import hashlib
import os
import stat

import aiohttp
import orjson
import pyoxigraph
import pytest

from resolver.app import RunningNode
from resolver.integrity import proofs
from resolver.integrity.canon import canonical_nquads
from resolver.integrity.errors import ProofError
from resolver.integrity.signer import keyring_resolver
from resolver.parts.integrity import keys_directory
from resolver.translog.entry import LogEntry
from tests.integration.conftest import AUTHORITY, OPERATOR, bearer, new_handle, passport

pytestmark = pytest.mark.asyncio(loop_scope="module")

LD = {"Content-Type": "application/ld+json"}


async def _get(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    async with http.get(url, headers=headers) as response:
        return response.status, dict(response.headers), await response.read()


async def test_a_written_version_is_signed_served_with_its_proof_and_logged(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    url = f"{node.url}/{handle}"
    async with http.put(url, data=passport(handle), headers={**LD, **bearer(OPERATOR)}) as response:
        assert response.status == 201, await response.text()
        written_index = int(response.headers["Passport-Log-Index"])
    integrity = node.node.integrity
    assert integrity is not None
    resolve_key = keyring_resolver(integrity.keyring, integrity.base_url)

    status, headers, body = await _get(http, url, Accept="application/ld+json", **bearer(AUTHORITY))
    assert status == 200
    assert int(headers["Passport-Log-Index"]) == written_index
    document = orjson.loads(body)
    assert proofs.verify(document, resolve_key=resolve_key)
    tampered = orjson.loads(body.replace(handle.encode(), handle.encode() + b"X"))
    with pytest.raises(ProofError, match="does not match"):
        proofs.verify(tampered, resolve_key=resolve_key)

    entry = LogEntry.from_leaf_bytes((await integrity.log.entries(written_index, written_index))[0])
    assert (entry.identifier, entry.version) == (handle, 1)
    held = proofs.unsecured_nquads(document)
    assert entry.names("authority", held)

    status, headers, turtle = await _get(http, url, Accept="text/turtle")
    assert status == 200
    assert int(headers["Passport-Log-Index"]) == written_index
    carried = orjson.loads(headers["Passport-Proof"])
    graph = pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE)
    public = canonical_nquads(graph)
    assert entry.views["public"] == hashlib.sha256(public).hexdigest()
    status, _, public_ld = await _get(http, url, Accept="application/ld+json")
    assert orjson.loads(public_ld)["proof"] == carried["proof"]
    assert proofs.verify(orjson.loads(public_ld), resolve_key=resolve_key)


async def test_the_node_key_is_made_beside_the_store_with_mode_0600(node: RunningNode) -> None:
    directory = keys_directory(node.config)
    keys = list(directory.glob("*.key"))
    assert len(keys) == 1
    assert stat.S_IMODE(os.stat(keys[0]).st_mode) == 0o600


async def test_keys_and_log_routes_and_the_well_known_document(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    async with http.put(
        f"{node.url}/{handle}", data=passport(handle), headers={**LD, **bearer(OPERATOR)}
    ) as response:
        index = int(response.headers["Passport-Log-Index"])
    status, _, body = await _get(http, f"{node.url}/.well-known/passport-node")
    described = orjson.loads(body)
    assert status == 200 and described["keys"]
    key_id = described["keys"][-1]["id"]
    status, headers, body = await _get(http, key_id)
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    assert orjson.loads(body) == described["keys"][-1]
    status, _, body = await _get(http, f"{node.url}/log/sth")
    head = orjson.loads(body)
    assert status == 200 and head["tree_size"] > index and head["key"] == key_id
    status, _, body = await _get(http, f"{node.url}/log/proof/inclusion?id={handle}&version=1")
    assert status == 200 and orjson.loads(body)["leaf_index"] == index
    status, _, body = await _get(http, f"{node.url}/log/proof/inclusion?id={handle}&version=9")
    assert status == 404
