"""Three real nodes federating over HTTPS with mutual TLS (issue 12, item 2).

Certificates come from ``trustme``: one CA signs every node's certificate (for 127.0.0.1),
which each node serves and presents to its peers; a peer is known by its certificate's
fingerprint, with no bearer token at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
import pytest_asyncio
import trustme

from resolver.app import RunningNode
from resolver.tiers import Role
from tests.support.federation import free_port, get, node, peer

pytestmark = pytest.mark.asyncio(loop_scope="module")

AUTHORITY = "eu-authority"


@dataclass
class Tls:
    files: dict[str, dict[str, str]]  # node id -> its [federation.tls] table
    fingerprints: dict[str, str]  # node id -> SHA-256 of its certificate


@dataclass
class Setup:
    eu: RunningNode
    national: RunningNode
    enterprise: RunningNode
    tls: Tls
    ca: trustme.CA
    session: aiohttp.ClientSession
    tmp: Path


def _certificates(tmp: Path, ca: trustme.CA, names: list[str]) -> Tls:
    ca_file = tmp / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    files, prints = {}, {}
    for name in names:
        leaf = ca.issue_cert("127.0.0.1", common_name=name)
        cert, key = tmp / f"{name}.crt", tmp / f"{name}.key"
        leaf.cert_chain_pems[0].write_to_path(str(cert))
        leaf.private_key_pem.write_to_path(str(key))
        files[name] = {"cert_file": str(cert), "key_file": str(key), "ca_file": str(ca_file)}
        der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
        prints[name] = hashlib.sha256(der).hexdigest()
    return Tls(files, prints)


def _federation(tls: Tls, me: str, peers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"tls": tls.files[me], "peers": peers}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Setup]:
    tmp = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    tls = _certificates(tmp, ca, ["eu", "cn-national", "cn-enterprise"])
    ports = {name: free_port() for name in ("eu", "cn-national", "cn-enterprise")}
    url = {name: f"https://127.0.0.1:{port}" for name, port in ports.items()}

    def known(name: str, prefixes: list[str], **extra: Any) -> dict[str, Any]:
        return peer(name, url[name], prefixes, accept_cert_sha256=tls.fingerprints[name], **extra)

    client_ssl = ssl.create_default_context(cafile=tls.files["eu"]["ca_file"])
    async with contextlib.AsyncExitStack() as stack:
        enterprise = await stack.enter_async_context(
            node(
                tmp,
                "cn-enterprise",
                ["88.100.1"],
                port=ports["cn-enterprise"],
                passports=["88.100.1/BAT-T1"],
                federation=_federation(
                    tls,
                    "cn-enterprise",
                    [
                        known("cn-national", [], grant="legitimate-interest"),
                    ],
                ),
            )
        )
        national = await stack.enter_async_context(
            node(
                tmp,
                "cn-national",
                ["88.100"],
                port=ports["cn-national"],
                passports=["88.100/BAT-T2"],
                federation=_federation(
                    tls,
                    "cn-national",
                    [
                        known("cn-enterprise", ["88.100.1"], verify="identity"),
                        known("eu", [], grant="legitimate-interest"),
                    ],
                ),
            )
        )
        eu = await stack.enter_async_context(
            node(
                tmp,
                "eu",
                ["21.11101"],
                port=ports["eu"],
                roles={AUTHORITY: Role.AUTHORITY},
                federation=_federation(tls, "eu", [known("cn-national", ["88.100"], verify="identity")]),
            )
        )
        connector = aiohttp.TCPConnector(ssl=client_ssl)
        session = await stack.enter_async_context(aiohttp.ClientSession(connector=connector))
        yield Setup(eu, national, enterprise, tls, ca, session, tmp)


async def test_the_nodes_serve_https(setup: Setup) -> None:
    assert all(n.url.startswith("https://") for n in (setup.eu, setup.national, setup.enterprise))
    status, _, body = await get(setup.session, f"{setup.national.url}/88.100/BAT-T2")
    assert status == 200, body


async def test_a_lookup_crosses_two_tls_hops_and_the_client_certificate_is_the_peer_credential(
    setup: Setup,
) -> None:
    status, headers, body = await get(setup.session, f"{setup.eu.url}/88.100.1/BAT-T1", token=AUTHORITY)
    assert status == 200, body
    assert orjson.loads(body)["id"] == "https://hdl.handle.net/88.100.1/BAT-T1"
    assert headers["Passport-Source"] == "peer:cn-national"
    # cn-national knows eu by its certificate alone and grants it legitimate interest; without
    # that mapping the authority caller at eu would get only the public view.
    assert headers["Passport-Tier"] == "legitimate-interest"


async def test_a_peer_whose_certificate_another_ca_signed_is_not_trusted(setup: Setup) -> None:
    stranger = trustme.CA()
    ca_file = setup.tmp / "stranger-ca.pem"
    stranger.cert_pem.write_to_path(str(ca_file))
    tls = {**setup.tls.files["eu"], "ca_file": str(ca_file)}
    federation = {"tls": tls, "peers": [peer("cn-national", setup.national.url, ["88.100"])]}
    async with node(setup.tmp, "eu-misconfigured", ["21.11102"], federation=federation) as other:
        status, _, body = await get(setup.session, f"{other.url}/88.100/BAT-T2")
    problem = orjson.loads(body)
    assert status == 502 and problem["peer"] == "cn-national", problem
    assert "certificate verify failed" in problem["detail"]
