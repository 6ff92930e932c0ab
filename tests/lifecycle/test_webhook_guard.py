"""The webhook guard: which subscription URLs a node delivers to, and what its resolver lets through."""

from __future__ import annotations

import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from resolver.errors import InputError
from resolver.lifecycle.webhooks import GuardedResolver, WebhookGuard


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0/hook",
        "http://localhost/hook",
        "http://printer.local/hook",
        "gopher://example.com/",
        "http:///no-host",
    ],
)
def test_by_default_private_loopback_and_odd_targets_are_refused(url: str) -> None:
    guard = WebhookGuard(())
    assert guard.refusal(url) is not None
    with pytest.raises(InputError):
        guard.check(url)


def test_by_default_public_hosts_are_allowed() -> None:
    guard = WebhookGuard(())
    assert guard.refusal("https://hooks.example.com/warnings") is None
    assert guard.refusal("http://93.184.216.34/hook") is None


def test_a_configured_list_is_the_only_hosts_allowed_private_ones_included() -> None:
    guard = WebhookGuard(("127.0.0.1", ".example.com"))
    assert guard.refusal("http://127.0.0.1:9000/hook") is None
    assert guard.refusal("https://a.example.com/hook") is None
    assert "not one this node delivers to" in (guard.refusal("https://example.org/hook") or "")
    assert guard.refusal("http://10.0.0.1/hook") is not None


class _Fixed(AbstractResolver):
    """A resolver that answers every name with the given addresses (a name that rebinds)."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0)
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


async def test_the_resolver_drops_private_addresses_of_unlisted_names() -> None:
    guarded = GuardedResolver(WebhookGuard(()), _Fixed("10.0.0.5", "93.184.216.34"))
    assert [r["host"] for r in await guarded.resolve("hooks.example.com", 443)] == ["93.184.216.34"]
    only_private = GuardedResolver(WebhookGuard(()), _Fixed("127.0.0.1"))
    with pytest.raises(OSError, match="no public address"):
        await only_private.resolve("rebinding.example.com", 443)
    listed = GuardedResolver(WebhookGuard(("internal.example.com",)), _Fixed("10.0.0.5"))
    assert [r["host"] for r in await listed.resolve("internal.example.com", 443)] == ["10.0.0.5"]
