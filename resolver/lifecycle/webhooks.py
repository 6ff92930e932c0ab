"""Where webhooks may go: the guard that keeps subscriptions from aiming the node at any address.

Without it any caller allowed to subscribe could make the node send requests to its own
loopback, the operator's private network or a cloud metadata address. A host listed in
``[lifecycle] allowed_webhook_hosts`` is allowed whatever its address; with the list empty,
any host whose addresses are all public is. The check runs when a subscription is made
(address literals, and hosts not on a non-empty list), and again on every connection: the
resolver below drops non-public addresses of unlisted names, so a name that later resolves
to a private address (DNS rebinding) reaches nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from resolver.errors import InputError

__all__ = ["GuardedResolver", "WebhookGuard"]


def _public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return ip.is_global and not ip.is_multicast


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class WebhookGuard:
    """The configured ``allowed_webhook_hosts`` and the checks made with them."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self.allowed = tuple(h.lower() for h in allowed)

    def listed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == a or (a.startswith(".") and host.endswith(a)) for a in self.allowed)

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be a webhook target, or None when it may."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            return "delivery.url is not a valid URL"
        if parts.scheme not in ("http", "https") or not host:
            return "delivery.url must be an http(s) URL with a host"
        if self.listed(host):
            return None
        if self.allowed:
            return f"delivery.url: host {host[:100]!r} is not one this node delivers to"
        if _literal(host) and not _public(host):
            return f"delivery.url: {host[:100]!r} is not a public address"
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            return f"delivery.url: {host[:100]!r} is not a public host"
        return None

    def check(self, url: str) -> None:
        """Refuse (400) a subscription whose webhook this node would not deliver to."""
        why = self.refusal(url)
        if why is not None:
            raise InputError(why)


class GuardedResolver(AbstractResolver):
    """Name resolution for webhook delivery: an unlisted name's non-public addresses are dropped."""

    def __init__(self, guard: WebhookGuard, inner: AbstractResolver | None = None) -> None:
        self._guard = guard
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self._guard.listed(host):
            return found
        kept = [r for r in found if _public(r["host"])]
        if not kept:
            raise OSError(f"{host} has no public address; webhooks go to public addresses only")
        return kept

    async def close(self) -> None:
        await self._inner.close()
