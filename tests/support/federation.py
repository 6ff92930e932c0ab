"""Real nodes for the federation tests: ``resolver.app.start_node`` on 127.0.0.1, port 0.

Each node has its own SQLite store in a temporary directory and validates on the process's
shared pool (tests/support/validators.py); the
example passport is re-identified under whichever prefix a test needs.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from resolver.app import RunningNode, start_node
from resolver.config import Credential, default_config
from resolver.identifiers import parse_identifier
from resolver.tiers import Role
from resolver.write import store_prepared
from tests.support.node import without_sparql_index
from tests.support.validators import shared_validator

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "valid" / "ev-nmc811.jsonld"


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def free_port() -> int:
    """A port nothing listens on now (for nodes that must know each other's URL before starting)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def passport_for(handle: str) -> bytes:
    """The example passport, re-identified as ``handle`` (its @id and passport identifier)."""
    doc = orjson.loads(EXAMPLE.read_bytes())
    iri = f"https://hdl.handle.net/{handle}"
    doc["id"] = iri
    doc["passportIdentifier"] = iri
    return orjson.dumps(doc)


def peer(node_id: str, url: str, prefixes: Sequence[str], **extra: Any) -> dict[str, Any]:
    """A peer entry; a plain http:// URL is marked insecure (tests run on one machine)."""
    insecure = {"insecure": True} if url.startswith("http://") else {}
    return {"id": node_id, "base_urls": [url], "prefixes": list(prefixes), **insecure, **extra}


@contextlib.asynccontextmanager
async def node(
    tmp_path: Path,
    node_id: str,
    prefixes: Sequence[str],
    *,
    port: int = 0,
    passports: Sequence[str] = (),
    federation: dict[str, Any] | None = None,
    roles: dict[str, Role] | None = None,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    sparql_index: bool = False,
    **config: Any,
) -> AsyncIterator[RunningNode]:
    """A running node holding ``passports`` (handles under its prefixes); stopped on exit.

    Without ``sparql_index`` the node has no SPARQL index (tests/support/node.py,
    ``without_sparql_index``).

    ``roles`` maps caller tokens to roles (the node's ``[[credentials]]``).
    """
    credentials = tuple(
        Credential(name=f"caller-{i}", role=role, token_sha256=sha(token))
        for i, (token, role) in enumerate((roles or {}).items())
    )
    settings: dict[str, Any] = {
        "node_id": node_id,
        "prefixes": tuple(prefixes),
        "store": f"sqlite:///{tmp_path}/{node_id}-{port}.sqlite3",
        "workers": 1,
        "credentials": credentials,
        "federation": _unpinned_cached(federation or {}),
        "data_dir": f"{tmp_path}/{node_id}-{port}-data",
    }
    settings.update(config)
    node_config = default_config(**settings)
    if not sparql_index:
        node_config = without_sparql_index(node_config)
    validator = await shared_validator(node_config.workers)
    running = await start_node(
        node_config, host="127.0.0.1", port=port, clock=clock, monotonic=monotonic, validator=validator
    )
    try:
        ctx = running.node
        for handle in passports:
            prepared = await ctx.validator.prepare(passport_for(handle))
            if not prepared.report.conforms:
                raise RuntimeError(
                    f"example passport for {handle} does not conform: {prepared.report.to_json()}"
                )
            # Through the one write path: signed and logged, as the node stores any version.
            key = parse_identifier(handle).key
            current = await ctx.store.get(key)  # a node started again on its store has them
            await store_prepared(
                ctx.store, key, prepared, current=current, expected_version=None, sealer=ctx.integrity
            )
        yield running
    finally:
        await running.stop()


def _unpinned_cached(federation: dict[str, Any]) -> dict[str, Any]:
    """Most federation tests are about caching, routing and failures between nodes whose keys
    they do not pin: their answers are labelled and cached (``unpinned = "cache"``, a federation
    that does not sign) unless the test sets ``unpinned`` itself (the default is "refuse")."""
    if not federation or "unpinned" in federation:
        return federation
    return {**federation, "unpinned": "cache"}


async def get(
    session: aiohttp.ClientSession, url: str, *, token: str | None = None, **headers: str
) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``; (status, headers, body), redirects not followed."""
    sent = dict(headers)
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    async with session.get(url, headers=sent, allow_redirects=False) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def passport_requests(session: aiohttp.ClientSession, node_url: str) -> int:
    """How many passport GETs the node has answered, from its own /metrics."""
    async with session.get(f"{node_url}/metrics") as resp:
        text = await resp.text()
    total = 0
    for line in text.splitlines():
        if line.startswith('passport_http_requests_total{route="passport"'):
            total += int(float(line.rsplit(" ", 1)[1]))
    return total
