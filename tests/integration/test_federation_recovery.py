"""Recovery (issue 12, item 6): an open circuit closes as soon as the peer answers its
/healthz probe, not after the cool-down; referrals never name a failing node. Real nodes."""

from __future__ import annotations

import time
from pathlib import Path

import aiohttp
import orjson
import pytest

from tests.support.federation import free_port, get, node, peer
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio


async def test_a_peer_that_comes_back_is_asked_again_at_once_and_referrals_skip_it_while_down(
    tmp_path: Path,
) -> None:
    port = free_port()
    cn_url = f"http://127.0.0.1:{port}"
    federation = {
        "peers": [peer("cn", cn_url, ["88.100"], verify="identity")],
        "breaker": {"failures": 1, "cooldown": 600, "probe_interval": 0.05},
    }
    handles = ["88.100/BACK-1", "88.100/BACK-2"]
    async with (
        node(tmp_path, "eu", ["21.11101"], federation=federation) as eu,
        aiohttp.ClientSession() as session,
    ):
        async with node(tmp_path, "cn", ["88.100"], port=port, passports=handles):
            status, _, _ = await get(session, f"{eu.url}/{handles[0]}")
            assert status == 200
            status, headers, _ = await get(session, f"{eu.url}/{handles[0]}?referral=true")
            assert status == 307 and headers["Location"].startswith(cn_url)
        status, _, _ = await get(session, f"{eu.url}/{handles[1]}")  # cn is down: the circuit opens
        assert status == 502
        status, headers, body = await get(session, f"{eu.url}/{handles[1]}?referral=true")
        assert status == 502 and "no healthy node" in orjson.loads(body)["detail"], body
        assert int(headers["Retry-After"]) > 500
        async with node(tmp_path, "cn", ["88.100"], port=port, passports=handles):
            back = time.monotonic()

            async def answered() -> bool:
                status, _, _ = await get(session, f"{eu.url}/{handles[1]}")
                return status == 200

            await until(answered, what="the probe to close cn's circuit", bound=5.0)
            assert time.monotonic() - back < 5.0  # the cool-down is 600 s


async def test_with_the_relay_down_the_owner_is_asked_directly_and_a_dead_path_goes_last(
    tmp_path: Path,
) -> None:
    handle = "88.100.1/TWO-PATHS"
    async with (
        node(tmp_path, "cn-enterprise", ["88.100.1"], passports=[handle, handle + "-2"]) as owner,
        aiohttp.ClientSession() as session,
    ):
        federation = {
            "peers": [
                peer("cn-national", "http://127.0.0.1:1", ["88"]),  # the relay, down
                peer("cn-mirror", "http://127.0.0.1:1", ["88.100.1"]),  # listed first for it, down too
                peer("cn-enterprise", owner.url, ["88.100.1"], verify="identity"),
            ],
            "breaker": {"failures": 1, "cooldown": 600, "probe_interval": 0},
        }
        async with node(tmp_path, "eu", ["21.11101"], federation=federation) as eu:
            status, headers, body = await get(session, f"{eu.url}/{handle}")
            assert status == 200, body
            assert headers["Passport-Source"] == "peer:cn-enterprise"
            status, headers, _ = await get(session, f"{eu.url}/{handle}-2")
            assert status == 200 and headers["Passport-Source"] == "peer:cn-enterprise"
            async with session.get(f"{eu.url}/metrics") as resp:
                metrics = await resp.text()
            # The mirror failed once, its circuit opened, and it was put last the second time.
            asked = [
                line
                for line in metrics.splitlines()
                if 'peer="cn-mirror"' in line and "lookups_total" in line
            ]
            assert asked == [
                'passport_federation_lookups_total{peer="cn-mirror",outcome="federation-failed"} 1'
            ]
            assert 'peer="cn-national"' not in metrics.split("passport_federation_lookups_total", 1)[1]
