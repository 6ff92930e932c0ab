"""A node seen from outside, for the command line: its JSON answers, its Multikey documents,
its signed tree head. Only URLs under the node's base URL are fetched."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import orjson

from resolver.integrity.errors import UnusableKey
from resolver.integrity.multikey import public_key_from_multibase
from resolver.integrity.proofs import VerificationKey

__all__ = ["NodeClient", "Unreachable", "verification_key_of"]


class Unreachable(Exception):
    """The node could not be asked, or answered something unusable: the check cannot be made."""


def verification_key_of(document: object, method: str) -> VerificationKey:
    """The key of a Multikey document served for ``method``, with its validity period."""
    if not isinstance(document, dict) or document.get("id") != method:
        raise Unreachable(f"the key document at {method} does not describe {method}")
    try:
        key = public_key_from_multibase(document["publicKeyMultibase"])
        since, revoked = document.get("validFrom"), document.get("revoked")
        return VerificationKey(
            key,
            valid_from=None if since is None else datetime.fromisoformat(since),
            valid_until=None if revoked is None else datetime.fromisoformat(revoked),
        )
    except (KeyError, TypeError, ValueError, UnusableKey) as err:
        raise Unreachable(f"the key document at {method} is unusable: {err}") from err


class NodeClient:
    """One session to one node; ``async with NodeClient(url) as node``."""

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> NodeClient:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    def owns(self, url: str) -> bool:
        return url == self.base_url or url.startswith(self.base_url + "/")

    async def get_json(self, path_or_url: str) -> Any:
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        if not self.owns(url):
            raise Unreachable(f"{url} is not under {self.base_url}; only the named node is asked")
        if self._session is None:
            raise RuntimeError("use NodeClient in 'async with'")
        try:
            async with self._session.get(url, headers={"Accept": "application/json"}) as response:
                body = await response.read()
                if response.status != 200:
                    detail = body[:300].decode("utf-8", "replace")
                    raise Unreachable(f"{url} answered {response.status}: {detail}")
        except (aiohttp.ClientError, TimeoutError) as err:
            raise Unreachable(f"{url} could not be fetched: {err}") from err
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as err:
            raise Unreachable(f"{url} did not answer JSON") from err

    async def key(self, method: str) -> VerificationKey:
        return verification_key_of(await self.get_json(method), method)
