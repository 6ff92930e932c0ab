"""PUT with a third-party media type: the body is converted by its adapter before the usual
write path (a UNTP credential as application/vc, or secured as application/vc+jwt; JSON-LD
naming an OpenEPCIS context); a bad one is a 4xx problem, nothing stored."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.adapters import envelope, openepcis_out, untp
from resolver.app import RunningNode
from resolver.commands.export import _export
from resolver.config import default_config
from resolver.integrity.multikey import did_key
from resolver.parts.integrity import node_base_url
from resolver.tiers import Tier
from tests.integration.conftest import CREDENTIALS, OPERATOR, bearer, new_handle, passport
from tests.support.node import running_node

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningNode]:
    store = f"sqlite:///{tmp_path_factory.mktemp('node')}/passports.sqlite3"
    config = default_config(store=store, credentials=CREDENTIALS, workers=1, chain=("local",))
    async with running_node(config) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as session:
        yield session


async def test_a_untp_credential_is_put_as_application_vc(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    credential = untp.to_credential(orjson.loads(passport(handle)))
    headers = {**bearer(OPERATOR), "Content-Type": "application/vc"}
    async with http.put(f"{node.url}/{handle}", data=orjson.dumps(credential), headers=headers) as response:
        assert response.status == 201, await response.text()
    async with http.get(f"{node.url}/{handle}", headers={"Accept": "application/ld+json"}) as response:
        assert response.status == 200
        served = orjson.loads(await response.read())
    assert served["productName"] == "Voltaris VX-82 traction pack"


async def test_an_impossible_date_in_a_credential_is_a_problem(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    credential: dict[str, Any] = copy.deepcopy(untp.to_credential(orjson.loads(passport(handle))))
    credential["credentialSubject"]["product"]["productionDate"] = "1538-20-83"
    headers = {**bearer(OPERATOR), "Content-Type": "application/vc+ld+json"}
    async with http.put(f"{node.url}/{handle}", data=orjson.dumps(credential), headers=headers) as response:
        assert response.status == 400
        assert response.content_type == "application/problem+json"
        problem = orjson.loads(await response.read())
    assert (
        "credentialSubject.product.productionDate: '1538-20-83' is not a possible date" in problem["detail"]
    )
    async with http.get(f"{node.url}/{handle}") as response:
        assert response.status == 404


def _signed(handle: str, key: Ed25519PrivateKey, kid: str) -> bytes:
    """The passport as a UNTP credential secured as a compact JWS (an application/vc+jwt body)."""
    credential = untp.to_credential(orjson.loads(passport(handle)))
    enveloped = envelope.envelop(credential, kid=kid, sign=key.sign)
    return str(enveloped["id"]).split(",", 1)[1].encode("ascii")


async def test_a_signed_credential_is_put_as_application_vc_jwt_and_its_signature_checked(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    key = Ed25519PrivateKey.generate()
    kid = did_key(key.public_key())
    handle = new_handle()
    headers = {**bearer(OPERATOR), "Content-Type": "application/vc+jwt"}
    async with http.put(f"{node.url}/{handle}", data=_signed(handle, key, kid), headers=headers) as response:
        assert response.status == 201, await response.text()
        answer = orjson.loads(await response.read())
    assert answer["converted"]["format"] == "untp"
    assert answer["converted"]["issuer"]["envelope"] == f"vc+jwt (EdDSA) signed by {kid}: verified"
    # signed by another key than the one it names: refused, nothing stored
    handle = new_handle()
    forged = _signed(handle, Ed25519PrivateKey.generate(), kid)
    async with http.put(f"{node.url}/{handle}", data=forged, headers=headers) as response:
        assert response.status == 400
        assert "signature does not verify" in orjson.loads(await response.read())["detail"]
    async with http.get(f"{node.url}/{handle}") as response:
        assert response.status == 404


async def test_an_openepcis_passport_is_put_as_json_ld_naming_its_context(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = new_handle()
    body = orjson.dumps(openepcis_out.to_passport(orjson.loads(passport(handle))).document)
    headers = {**bearer(OPERATOR), "Content-Type": "application/ld+json"}
    async with http.put(f"{node.url}/{handle}", data=body, headers=headers) as response:
        assert response.status == 201, await response.text()
        answer = orjson.loads(await response.read())
    assert answer["converted"] == {"format": "openepcis", "unmapped": [], "issuer": {}}
    async with http.get(f"{node.url}/{handle}", headers={"Accept": "application/ld+json"}) as response:
        served = orjson.loads(await response.read())
    assert served["category"] == "EV" and served["chemistry"] == "NMC811"


async def test_validate_takes_the_same_third_party_bodies_and_says_what_it_converted(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    key = Ed25519PrivateKey.generate()
    kid = did_key(key.public_key())
    handle = new_handle()
    headers = {"Content-Type": "application/vc+jwt"}
    async with http.post(f"{node.url}/validate", data=_signed(handle, key, kid), headers=headers) as response:
        assert response.status == 200, await response.text()
        report = orjson.loads(await response.read())
    assert report["conforms"] is True, report["results"]
    assert report["converted"]["issuer"]["envelope"] == f"vc+jwt (EdDSA) signed by {kid}: verified"
    body = orjson.dumps(openepcis_out.to_passport(orjson.loads(passport(handle))).document)
    async with http.post(
        f"{node.url}/validate", data=body, headers={"Content-Type": "application/ld+json"}
    ) as response:
        report = orjson.loads(await response.read())
    assert report["conforms"] is True and report["converted"]["format"] == "openepcis"
    async with http.get(f"{node.url}/{handle}") as response:
        assert response.status == 404  # nothing stored


async def _own_export(node: RunningNode, handle: str, tmp_path: Path) -> tuple[bytes, str]:
    """The passport ``handle`` as the node exports it in UNTP (``export --format untp``: a
    vc+jwt signed with its active key), the compact JWS and the key's URL."""
    out = tmp_path / "export"
    assert await _export(node.config, handle, str(out), Tier.AUTHORITY, "untp") == 1
    [written] = out.iterdir()
    enveloped = orjson.loads(written.read_bytes())
    token = str(enveloped["id"]).split(",", 1)[1]
    return token.encode("ascii"), str(envelope.open_envelope(enveloped).header["kid"])


async def test_the_nodes_own_untp_export_put_back_is_verified_with_its_key(
    node: RunningNode, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    handle = new_handle()
    headers = {**bearer(OPERATOR), "Content-Type": "application/ld+json"}
    async with http.put(f"{node.url}/{handle}", data=passport(handle), headers=headers) as response:
        assert response.status == 201, await response.text()
    token, kid = await _own_export(node, handle, tmp_path)
    assert kid.startswith(node_base_url(node.config))  # the node's own key URL, fetched by no one
    said = f"vc+jwt (EdDSA) signed by {kid}: verified"
    headers = {**bearer(OPERATOR), "Content-Type": "application/vc+jwt"}
    async with http.put(f"{node.url}/{handle}", data=token, headers=headers) as response:
        assert response.status == 200, await response.text()
        assert orjson.loads(await response.read())["converted"]["issuer"]["envelope"] == said
    validate = {"Content-Type": "application/vc+jwt"}
    async with http.post(f"{node.url}/validate", data=token, headers=validate) as response:
        assert response.status == 200, await response.text()
        assert orjson.loads(await response.read())["converted"]["issuer"]["envelope"] == said
    # the payload changed under the node's signature: refused with the path, nothing stored
    head, payload, signature = token.decode("ascii").split(".")
    changed = orjson.loads(envelope._unb64(payload, "payload"))
    changed["credentialSubject"]["product"]["name"] = "another battery"
    forged = ".".join((head, envelope._b64(orjson.dumps(changed)), signature)).encode("ascii")
    for method, url, sent in (
        (http.put, f"{node.url}/{handle}", headers),
        (http.post, f"{node.url}/validate", validate),
    ):
        async with method(url, data=forged, headers=sent) as response:
            assert response.status == 400, await response.text()
            detail = orjson.loads(await response.read())["detail"]
        assert detail == f"id: the vc+jwt signature does not verify with the key of {kid}"
    async with http.get(f"{node.url}/{handle}", headers={"Accept": "application/ld+json"}) as response:
        assert orjson.loads(await response.read())["productName"] == "Voltaris VX-82 traction pack"
