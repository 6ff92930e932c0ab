"""Three real nodes on 127.0.0.1: an EU node, a Chinese national node and an enterprise node.

    eu-central (21.11101)  --88-->  cn-national (88.100)  --88.100.1-->  cn-enterprise (88.100.1)
                           <--21.11101--                  <--parent--

What a client sees across them: passports both ways and through the hierarchy, answers from
cache without a second request, negative caching, tiers bounded by the links, the Handle REST
API and content negotiation, referrals.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.tiers import Role
from tests.support.clock import ManualClock
from tests.support.federation import free_port, get, node, passport_requests, peer

pytestmark = pytest.mark.asyncio(loop_scope="module")

ENTERPRISE_PASSPORT = "88.100.1/BAT-E-1"
NATIONAL_PASSPORT = "88.100/BAT-N-1"
EU_PASSPORT = "21.11101/BAT-EU-1"


@dataclass
class Federation:
    eu: RunningNode
    national: RunningNode
    enterprise: RunningNode
    session: aiohttp.ClientSession
    eu_clock: ManualClock  # the EU node's federation cache ages its entries by this clock


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def fed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Federation]:
    tmp = tmp_path_factory.mktemp("federation")
    ports = {name: free_port() for name in ("eu", "national", "enterprise")}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    eu_clock = ManualClock()
    async with contextlib.AsyncExitStack() as stack:
        enterprise = await stack.enter_async_context(
            node(
                tmp,
                "cn-enterprise",
                ["88.100.1"],
                port=ports["enterprise"],
                passports=[ENTERPRISE_PASSPORT],
                federation={
                    "parent": peer(
                        "cn-national",
                        url["national"],
                        [],
                        token="e-to-n",
                        grant="authority",
                        accept_token="n-to-e",
                    )
                },
            )
        )
        national = await stack.enter_async_context(
            node(
                tmp,
                "cn-national",
                ["88.100"],
                port=ports["national"],
                passports=[NATIONAL_PASSPORT],
                federation={
                    "peers": [
                        peer(
                            "cn-enterprise",
                            url["enterprise"],
                            ["88.100.1"],
                            token="n-to-e",
                            grant="legitimate-interest",
                            accept_token="e-to-n",
                        ),
                        peer(
                            "eu-central",
                            url["eu"],
                            ["21.11101"],
                            token="n-to-eu",
                            grant="legitimate-interest",
                            accept_token="eu-to-n",
                        ),
                    ]
                },
            )
        )
        eu = await stack.enter_async_context(
            node(
                tmp,
                "eu-central",
                ["21.11101"],
                port=ports["eu"],
                passports=[EU_PASSPORT],
                roles={"eu-authority": Role.AUTHORITY, "eu-repairer": Role.LEGITIMATE_INTEREST},
                federation={
                    "peers": [
                        peer(
                            "cn-national",
                            url["national"],
                            ["88"],
                            token="eu-to-n",
                            grant="legitimate-interest",
                            accept_token="n-to-eu",
                        )
                    ],
                    "cache": {"negative_ttl": 1},
                },
                clock=eu_clock,
            )
        )
        session = await stack.enter_async_context(aiohttp.ClientSession())
        yield Federation(eu=eu, national=national, enterprise=enterprise, session=session, eu_clock=eu_clock)


def _iri(handle: str) -> str:
    return f"https://hdl.handle.net/{handle}"


async def test_eu_node_resolves_a_chinese_enterprise_passport_through_the_national_node(
    fed: Federation,
) -> None:
    status, headers, body = await get(fed.session, f"{fed.eu.url}/{ENTERPRISE_PASSPORT}")
    assert status == 200, body
    assert orjson.loads(body)["id"] == _iri(ENTERPRISE_PASSPORT)
    assert headers["Passport-Source"] == "peer:cn-national"
    assert headers["Passport-Tier"] == "public"


async def test_enterprise_node_resolves_an_eu_passport_through_its_parent(fed: Federation) -> None:
    status, headers, body = await get(fed.session, f"{fed.enterprise.url}/{EU_PASSPORT}")
    assert status == 200, body
    assert orjson.loads(body)["id"] == _iri(EU_PASSPORT)
    assert headers["Passport-Source"] == "peer:cn-national"


async def test_national_node_resolves_eu_passports_and_the_eu_node_national_ones(fed: Federation) -> None:
    status, _, body = await get(fed.session, f"{fed.national.url}/{EU_PASSPORT}")
    assert status == 200 and orjson.loads(body)["id"] == _iri(EU_PASSPORT)
    status, _, body = await get(fed.session, f"{fed.eu.url}/{NATIONAL_PASSPORT}")
    assert status == 200 and orjson.loads(body)["id"] == _iri(NATIONAL_PASSPORT)


async def test_the_second_lookup_is_answered_from_cache_without_asking_the_peer(fed: Federation) -> None:
    handle = ENTERPRISE_PASSPORT
    await get(fed.session, f"{fed.eu.url}/{handle}", token="eu-repairer")
    before = await passport_requests(fed.session, fed.national.url)
    status, headers, body = await get(fed.session, f"{fed.eu.url}/{handle}", token="eu-repairer")
    assert status == 200 and orjson.loads(body)["id"] == _iri(handle)
    assert headers["Passport-Source"] == "cache"
    assert int(headers["Age"]) >= 0 and headers["Cache-Control"] == "private, max-age=300"
    assert await passport_requests(fed.session, fed.national.url) == before


async def test_an_authoritative_not_found_is_cached_briefly_then_asked_again(fed: Federation) -> None:
    missing = f"{fed.eu.url}/88.100.1/NO-SUCH-BATTERY"
    before = await passport_requests(fed.session, fed.national.url)
    status, _, body = await get(fed.session, missing)
    assert status == 404, body
    assert "no passport is registered for 88.100.1/NO-SUCH-BATTERY" in orjson.loads(body)["detail"]
    status, _, _ = await get(fed.session, missing)
    assert status == 404
    assert await passport_requests(fed.session, fed.national.url) == before + 1
    fed.eu_clock.advance(1.1)  # negative_ttl = 1 s on the EU node
    status, _, _ = await get(fed.session, missing)
    assert status == 404
    assert await passport_requests(fed.session, fed.national.url) == before + 2


async def test_a_public_caller_gets_only_the_public_view_whatever_the_link_grants(fed: Federation) -> None:
    status, headers, body = await get(fed.session, f"{fed.eu.url}/{NATIONAL_PASSPORT}")
    assert status == 200 and headers["Passport-Tier"] == "public"
    public = orjson.loads(body)
    status, _, local = await get(fed.session, f"{fed.national.url}/{NATIONAL_PASSPORT}")
    assert orjson.loads(local) == public  # exactly the public view the national node serves


async def test_an_authority_caller_gets_at_most_what_the_peer_grants_this_node(fed: Federation) -> None:
    status, headers, body = await get(fed.session, f"{fed.eu.url}/{NATIONAL_PASSPORT}", token="eu-authority")
    assert status == 200, body
    assert headers["Passport-Tier"] == "legitimate-interest"  # the national node grants the EU node that
    granted = orjson.loads(body)
    direct_li = await fed.national.node.store.get_view("88.100/BAT-N-1", Role.LEGITIMATE_INTEREST.tier)
    direct_auth = await fed.national.node.store.get_view("88.100/BAT-N-1", Role.AUTHORITY.tier)
    assert direct_li is not None and direct_auth is not None
    assert granted == orjson.loads(direct_li.body)
    assert direct_auth.body != direct_li.body  # there is more, and it did not cross


async def test_the_tier_is_bounded_at_every_hop_of_the_hierarchy(fed: Federation) -> None:
    # eu-central -(grants LI)-> cn-national -(grants authority)-> cn-enterprise: LI at most.
    status, headers, _ = await get(fed.session, f"{fed.eu.url}/{ENTERPRISE_PASSPORT}", token="eu-authority")
    assert status == 200 and headers["Passport-Tier"] == "legitimate-interest"


async def test_the_handle_rest_api_answers_for_a_federated_handle(fed: Federation) -> None:
    status, _, body = await get(fed.session, f"{fed.eu.url}/api/handles/{ENTERPRISE_PASSPORT}")
    assert status == 200, body
    doc = orjson.loads(body)
    assert doc["responseCode"] == 1 and doc["handle"] == ENTERPRISE_PASSPORT
    assert {v["type"] for v in doc["values"]} >= {"URL"}


async def test_content_negotiation_works_for_a_federated_passport(fed: Federation) -> None:
    status, headers, body = await get(fed.session, f"{fed.eu.url}/{EU_PASSPORT}")
    assert status == 200
    status, headers, body = await get(fed.session, f"{fed.national.url}/{EU_PASSPORT}", Accept="text/turtle")
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/turtle")
    assert _iri(EU_PASSPORT).encode() in body
    status, _, _ = await get(fed.session, f"{fed.national.url}/{EU_PASSPORT}", Accept="image/png")
    assert status == 406


async def test_a_referral_names_the_authoritative_peer_without_fetching(fed: Federation) -> None:
    before = await passport_requests(fed.session, fed.national.url)
    status, headers, body = await get(fed.session, f"{fed.eu.url}/88.100.1/ANY-1?referral=true")
    assert status == 307, body
    assert headers["Location"] == f"{fed.national.url}/88.100.1/ANY-1"
    assert orjson.loads(body)["node_id"] == "cn-national"
    assert await passport_requests(fed.session, fed.national.url) == before


async def test_node_description_publishes_peers_and_parent(fed: Federation) -> None:
    status, _, body = await get(fed.session, f"{fed.national.url}/.well-known/passport-node")
    assert status == 200
    doc = orjson.loads(body)
    assert [p["id"] for p in doc["peers"]] == ["cn-enterprise", "eu-central"]
    assert doc["peers"][0]["prefixes"] == ["88.100.1"]
    assert "n-to-e" not in body.decode()
    status, _, body = await get(fed.session, f"{fed.enterprise.url}/.well-known/passport-node")
    assert status == 200 and orjson.loads(body)["parent"]["id"] == "cn-national"


async def test_an_identifier_no_node_claims_is_not_found(fed: Federation) -> None:
    status, _, body = await get(fed.session, f"{fed.eu.url}/77.1/X")
    assert status == 404, body
