"""The peer client against peers on real sockets: headers, replicas, deadlines, breaker."""

import asyncio
import time

import aiohttp
import pytest

from resolver.config.federation import FederationConfig
from resolver.errors import FederationError, PeerTimeout
from resolver.federation.client import PeerClient
from resolver.lookup import Lookup
from resolver.tiers import Tier
from tests.support.fake_peers import FakePeer, answering, failing, passport, serving, slow

_IRI = "https://hdl.handle.net/88.100.1/BAT-1"


def _config(*urls: str, failures: int = 5, cooldown: float = 10.0) -> FederationConfig:
    return FederationConfig.from_mapping(
        {
            "peers": [
                {
                    "id": "b",
                    "base_urls": list(urls),
                    "insecure": True,
                    "prefixes": ["88.100"],
                    "token": "tok-for-b",
                }
            ],
            "breaker": {"failures": failures, "cooldown": cooldown},
        }
    )


def _lookup(budget: float = 2.0, hops: tuple[str, ...] = ()) -> Lookup:
    return Lookup(
        handle="88.100.1/BAT-1", tier=Tier.LEGITIMATE_INTEREST, deadline=time.monotonic() + budget, hops=hops
    )


async def test_the_request_carries_trail_budget_tier_and_this_nodes_token() -> None:
    peer = FakePeer(answering(passport(_IRI)))
    async with serving(peer.app()) as url, aiohttp.ClientSession() as session:
        config = _config(url)
        client = PeerClient(session, config, node_id="a")
        response = await client.fetch(config.peers[0], _lookup(hops=("x",)))
    assert response.status == 200 and response.body == passport(_IRI)
    (headers,) = peer.seen
    assert peer.paths == ["/88.100.1/BAT-1"]
    assert headers["Passport-Hops"] == "x,a"
    assert headers["Passport-Tier"] == "legitimate-interest"
    assert headers["Authorization"] == "Bearer tok-for-b"
    assert headers["Accept"] == "application/ld+json"
    assert 1700 <= int(headers["Passport-Budget-Ms"]) < 1800  # what is left, less the reserve


async def test_a_failing_replica_is_skipped_and_asked_last_afterwards() -> None:
    bad, good = FakePeer(failing(503)), FakePeer(answering(passport(_IRI)))
    async with (
        serving(bad.app()) as bad_url,
        serving(good.app()) as good_url,
        aiohttp.ClientSession() as session,
    ):
        config = _config(bad_url, good_url)
        client = PeerClient(session, config, node_id="a")
        first = await client.fetch(config.peers[0], _lookup())
        second = await client.fetch(config.peers[0], _lookup())
    assert first.replica == good_url and second.replica == good_url
    assert len(bad.seen) == 1  # the unwell replica was not asked first again
    assert len(good.seen) == 2


async def test_all_replicas_down_gives_502_with_each_replicas_error() -> None:
    bad = FakePeer(failing(500))
    async with serving(bad.app()) as bad_url, aiohttp.ClientSession() as session:
        config = _config(bad_url, "http://127.0.0.1:1")
        client = PeerClient(session, config, node_id="a")
        with pytest.raises(FederationError) as caught:
            await client.fetch(config.peers[0], _lookup())
    err = caught.value
    assert err.status == 502 and "peer b could not be reached" in err.detail
    errors = err.extensions["errors"]
    assert isinstance(errors, list)
    assert [e["replica"] for e in errors] == [bad_url, "http://127.0.0.1:1"]
    assert errors[0]["error"] == "http-500"


async def test_a_slow_peer_times_out_within_the_budget_naming_the_peer() -> None:
    peer = FakePeer(slow(5))
    async with serving(peer.app()) as url, aiohttp.ClientSession() as session:
        config = _config(url)
        client = PeerClient(session, config, node_id="a")
        started = time.monotonic()
        with pytest.raises(PeerTimeout) as caught:
            await client.fetch(config.peers[0], _lookup(budget=0.3))
        spent = time.monotonic() - started
    assert caught.value.status == 504 and caught.value.extensions["peer"] == "b"
    assert 0.25 <= spent < 0.45


async def test_the_circuit_opens_after_repeated_failures_and_then_fails_fast() -> None:
    bad = FakePeer(failing(503))
    async with serving(bad.app()) as url, aiohttp.ClientSession() as session:
        config = _config(url, failures=2, cooldown=0.2)
        client = PeerClient(session, config, node_id="a")
        for _ in range(2):
            with pytest.raises(FederationError, match="could not be reached"):
                await client.fetch(config.peers[0], _lookup())
        with pytest.raises(FederationError, match="circuit open"):
            await client.fetch(config.peers[0], _lookup())
        assert len(bad.seen) == 2  # the open circuit did not ask the peer
        await asyncio.sleep(0.25)
        bad.handler = answering(passport(_IRI))
        response = await client.fetch(config.peers[0], _lookup())  # the probe, which closes it
        assert response.status == 200 and client.breaker("b").state == "closed"


async def test_timeouts_of_callers_with_too_little_time_do_not_open_the_circuit() -> None:
    peer = FakePeer(slow(1))
    async with serving(peer.app()) as url, aiohttp.ClientSession() as session:
        config = _config(url, failures=1)
        client = PeerClient(session, config, node_id="a")
        for _ in range(3):
            with pytest.raises(PeerTimeout):
                await client.fetch(config.peers[0], _lookup(budget=0.05))
        assert client.breaker("b").state == "closed"
        with pytest.raises(PeerTimeout, match="no time was left"):
            await client.fetch(config.peers[0], _lookup(budget=0))
        with pytest.raises(PeerTimeout):
            await client.fetch(config.peers[0], _lookup(budget=0.3))  # a fair attempt: counted
        assert client.breaker("b").state == "open"
