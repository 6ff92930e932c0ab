"""Operator proofs on write, through a real node (issue 11): a PUT whose passport carries its
operator's eddsa-rdfc-2022 proof is stored with it (served to the authority tier beside the
node's own proof, both verifiable offline); a bad proof gets 422 problem+json and stores nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import orjson
import pytest

from resolver.config import default_config
from resolver.integrity import proofs
from resolver.integrity.multikey import did_key_verification_method, private_key_from_multibase
from resolver.integrity.signer import any_of, did_key_resolver, keyring_resolver
from resolver.jsontypes import JSONObject
from tests.integration.conftest import AUTHORITY, CREDENTIALS, OPERATOR, bearer, new_handle, passport
from tests.support.node import running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")

VECTORS = Path(__file__).parents[1] / "integrity" / "vectors"


def _signed(handle: str, **replace: str) -> JSONObject:
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    key = private_key_from_multibase(pair["privateKeyMultibase"])
    document: JSONObject = orjson.loads(passport(handle, **replace))
    method = did_key_verification_method(key.public_key())
    return proofs.secure(document, key=key, verification_method=method, created="2026-11-30T12:00:00Z")


async def _put(http: aiohttp.ClientSession, url: str, document: JSONObject) -> tuple[int, str, JSONObject]:
    headers = {"Content-Type": "application/ld+json", **bearer(OPERATOR)}
    async with http.put(url, data=orjson.dumps(document), headers=headers) as response:
        return response.status, response.content_type, orjson.loads(await response.read() or b"{}")


async def test_operator_proofs_are_verified_kept_or_refused(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/passports.sqlite3"
    config = default_config(store=store, credentials=CREDENTIALS, workers=1, chain=("local",))
    async with running_node(config) as node, aiohttp.ClientSession() as http:
        integrity = node.node.integrity
        assert integrity is not None
        good, bad = new_handle(), new_handle()

        # A proof over another graph: 422 with the precise reason, nothing stored.
        tampered = _signed(bad)
        tampered["manufacturingDate"] = "2026-03-02"
        status, content_type, problem = await _put(http, f"{node.url}/{bad}", tampered)
        assert (status, content_type) == (422, "application/problem+json")
        assert str(problem["type"]).endswith("/invalid-proof")
        assert "does not verify against the passport's canonical graph" in str(problem["detail"])
        async with http.get(f"{node.url}/{bad}", headers=bearer(AUTHORITY)) as response:
            assert response.status == 404

        # A good proof: stored, served to the authority tier beside the node's proof.
        document = _signed(good)
        status, _, _ = await _put(http, f"{node.url}/{good}", document)
        assert status == 201
        async with http.get(f"{node.url}/{good}", headers=bearer(AUTHORITY)) as response:
            assert response.status == 200
            assert response.headers["Passport-Tier"] == "authority"
            served = orjson.loads(await response.read())
        carried = served["proof"]
        assert isinstance(carried, list) and carried[0] == document["proof"]
        keys = any_of(did_key_resolver, keyring_resolver(integrity.keyring, integrity.base_url))
        verified = proofs.verify(served, resolve_key=keys)  # offline: the served bytes alone
        assert [v.verification_method for v in verified] == [
            document["proof"]["verificationMethod"],  # type: ignore[index, call-overload]
            integrity.signer.verification_method,
        ]
        async with http.get(f"{node.url}/{good}") as response:
            public = orjson.loads(await response.read())
        assert isinstance(public["proof"], dict)  # the public view: a redaction, the node's proof only
        assert proofs.verify(public, resolve_key=keys)

        # The same passport again with the same proof: nothing new to store.
        status, _, _ = await _put(http, f"{node.url}/{good}", document)
        assert status == 200
        async with http.get(f"{node.url}/{good}", headers=bearer(AUTHORITY)) as response:
            assert response.headers["ETag"].startswith('"v1.')

        # The served document sent back, with the node's own proof beside the operator's: the
        # node's proof is dropped (not checked as an operator's), the operator's checked again.
        status, _, _ = await _put(http, f"{node.url}/{good}", served)
        assert status == 200

        # A PATCH changes the graph the operator signed: the stored proofs do not carry over.
        patch = orjson.dumps({"manufacturingDate": "2026-03-02"})
        headers = {"Content-Type": "application/merge-patch+json", **bearer(OPERATOR)}
        async with http.patch(f"{node.url}/{good}", data=patch, headers=headers) as response:
            assert response.status == 200, await response.text()
        async with http.get(f"{node.url}/{good}", headers=bearer(AUTHORITY)) as response:
            patched = orjson.loads(await response.read())
        assert patched["manufacturingDate"] == "2026-03-02"
        assert isinstance(patched["proof"], dict)  # the node's proof of version 2 only
        assert proofs.verify(patched, resolve_key=keys)
