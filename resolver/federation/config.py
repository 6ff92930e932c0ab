"""The ``[federation]`` table of a node's configuration: peers, parent, trust and caching.

Parsed into frozen dataclasses when ``resolver.config`` loads the file; ``describe`` publishes
the delegation part (never a credential) in the node description so other nodes discover it.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from resolver.credentials import Credential
from resolver.errors import FederationConfigError, ResolverError
from resolver.integrity.multikey import public_key_from_multibase
from resolver.tiers import Role, Tier

__all__ = [
    "BreakerConfig",
    "CacheConfig",
    "FederationConfig",
    "FederationConfigError",
    "PeerConfig",
    "describe",
]


@dataclass(frozen=True, slots=True)
class PeerConfig:
    """A node this one may ask: where it is, what it is authoritative for, and the trust both ways.

    ``token`` is the bearer token this node presents to the peer (resolved from ``token_env``
    at load time). ``grant`` is the tier this node grants to the peer's own requests, which
    arrive with the token whose SHA-256 is ``accept_token_sha256``.
    """

    id: str
    base_urls: tuple[str, ...]
    region: str = ""
    prefixes: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False)
    grant: Tier = Tier.PUBLIC
    accept_token_sha256: str | None = None
    verify: str = "shapes"
    # The node authoritative for ``prefixes`` when this peer only relays them ("": the peer
    # itself), and that owner's pinned signing keys: verification method URL ->
    # publicKeyMultibase. With keys, every answer must carry the owner's valid proof (502
    # bad-signature otherwise, never cached); a key change is an edit here, by an operator.
    owner: str = ""
    keys: tuple[tuple[str, str], ...] = ()

    @property
    def owner_id(self) -> str:
        return self.owner or self.id

    @property
    def role(self) -> Role:
        """The role the peer's requests get here (never operator: a peer never writes)."""
        return _GRANT_ROLE[self.grant]


@dataclass(frozen=True, slots=True)
class CacheConfig:
    """Federation cache settings, in seconds except ``lru_bytes`` (the in-process budget).

    Every lifetime, ``default_ttl`` included, is capped at ``max_ttl``.
    """

    max_ttl: int = 300
    default_ttl: int = 60
    negative_ttl: int = 10
    stale_if_error: int = 300
    lru_bytes: int = 64 * 1024 * 1024  # 0: Redis only
    redis_prefix: str = "passport:fedcache:"


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """Per-peer circuit breaker: open after ``failures`` in a row, probe after ``cooldown`` s."""

    failures: int = 5
    cooldown: float = 10.0


@dataclass(frozen=True, slots=True)
class FederationConfig:
    peers: tuple[PeerConfig, ...] = ()
    parent: PeerConfig | None = None
    cache: CacheConfig = CacheConfig()
    breaker: BreakerConfig = BreakerConfig()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object] | None) -> FederationConfig:
        """Parse the raw ``[federation]`` TOML table (absent or empty: no federation)."""
        raw = raw or {}
        _only(raw, {"peers", "parent", "cache", "breaker"}, "federation")
        peers_raw = raw.get("peers", [])
        if not isinstance(peers_raw, list):
            raise FederationConfigError("federation.peers must be an array of tables ([[federation.peers]])")
        peers = tuple(_peer(p, f"federation.peers[{i}]") for i, p in enumerate(peers_raw))
        seen: set[str] = set()
        for peer in peers:
            if peer.id in seen:
                raise FederationConfigError(f"federation.peers: peer id {peer.id!r} appears twice")
            seen.add(peer.id)
            if not peer.prefixes:
                raise FederationConfigError(
                    f"federation.peers: peer {peer.id!r} claims no prefixes (use [federation.parent] "
                    "for a node asked about everything else)"
                )
        owner: dict[str, str] = {}
        for peer in peers:
            for prefix in peer.prefixes:
                if owner.setdefault(prefix, peer.id) != peer.id:
                    raise FederationConfigError(
                        f"federation.peers: prefix {prefix} is claimed by both {owner[prefix]} and {peer.id}"
                    )
        parent = None
        if "parent" in raw:
            parent = _peer(raw["parent"], "federation.parent")
        return cls(
            peers=peers,
            parent=parent,
            cache=_cache(raw.get("cache", {})),
            breaker=_breaker(raw.get("breaker", {})),
        )

    @property
    def nodes(self) -> tuple[PeerConfig, ...]:
        """Every node this one may ask: the peers, then the parent."""
        return (*self.peers, self.parent) if self.parent is not None else self.peers

    def credentials(self) -> tuple[Credential, ...]:
        """The peers' incoming tokens as node credentials (named ``peer:<id>``), for the edge.

        A peer's requests get the role of its ``grant``; the edge checks these exactly like the
        ``[[credentials]]`` of the node's own configuration.
        """
        return tuple(
            Credential(name=f"peer:{p.id}", role=p.role, token_sha256=p.accept_token_sha256)
            for p in self.nodes
            if p.accept_token_sha256 is not None
        )


def describe(config: FederationConfig) -> dict[str, object]:
    """The delegation part of the node description: who this node asks about which prefixes.

    Never includes a credential.
    """

    def node(p: PeerConfig) -> dict[str, object]:
        return {"id": p.id, "region": p.region, "base_urls": list(p.base_urls), "prefixes": list(p.prefixes)}

    return {
        "peers": [node(p) for p in config.peers],
        "parent": node(config.parent) if config.parent is not None else None,
    }


_GRANT_ROLE = {
    Tier.PUBLIC: Role.PUBLIC,
    Tier.LEGITIMATE_INTEREST: Role.LEGITIMATE_INTEREST,
    Tier.AUTHORITY: Role.AUTHORITY,
}

_PEER_KEYS = {
    "id",
    "region",
    "base_url",
    "base_urls",
    "prefixes",
    "token",
    "token_env",
    "grant",
    "accept_token",
    "accept_token_sha256",
    "verify",
    "owner",
    "keys",
}


def _pinned_keys(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    """``keys = { "<verification method URL>" = "<publicKeyMultibase>", ... }``, each checked."""
    if not isinstance(raw, Mapping):
        raise FederationConfigError(f"{where} must be a table of key URL = publicKeyMultibase")
    pinned = []
    for url, value in raw.items():
        if not isinstance(value, str):
            raise FederationConfigError(f"{where}.{url!r} must be a publicKeyMultibase string")
        try:
            public_key_from_multibase(value)
        except ResolverError as err:
            raise FederationConfigError(f"{where}.{url!r}: {err.detail}") from err
        pinned.append((str(url), value))
    return tuple(sorted(pinned))


def _peer(raw: object, where: str) -> PeerConfig:
    if not isinstance(raw, Mapping):
        raise FederationConfigError(f"{where} must be a table")
    _only(raw, _PEER_KEYS, where)
    peer_id = _text(raw, "id", where)
    if peer_id is None:
        raise FederationConfigError(f"{where}.id is required")
    at = f"{where}.base_urls"
    first = _strings(raw["base_url"], at) if "base_url" in raw else ()
    urls = tuple(_base_url(u, at) for u in (*first, *_strings(raw.get("base_urls", []), at)))
    if not urls:
        raise FederationConfigError(f"{where}: peer {peer_id!r} needs base_urls (one or more replicas)")
    prefixes = tuple(p.strip() for p in _strings(raw.get("prefixes", []), f"{where}.prefixes"))
    if any(not p for p in prefixes):
        raise FederationConfigError(f"{where}.prefixes: empty prefix")
    token = _text(raw, "token", where)
    token_env = _text(raw, "token_env", where)
    if token is not None and token_env is not None:
        raise FederationConfigError(f"{where}: give token or token_env, not both")
    if token_env is not None:
        token = os.environ.get(token_env)
        if not token:
            raise FederationConfigError(f"{where}.token_env: environment variable {token_env} is not set")
    grant_label = _text(raw, "grant", where) or Tier.PUBLIC.label
    try:
        grant = Tier.from_label(grant_label)
    except ValueError as err:
        raise FederationConfigError(f"{where}.grant: {err}") from err
    accept_plain = _text(raw, "accept_token", where)
    accept_hash = _text(raw, "accept_token_sha256", where)
    if accept_plain is not None and accept_hash is not None:
        raise FederationConfigError(f"{where}: give accept_token or accept_token_sha256, not both")
    if accept_plain is not None:
        accept_hash = hashlib.sha256(accept_plain.encode()).hexdigest()
    if accept_hash is not None:
        accept_hash = accept_hash.lower()
        if len(accept_hash) != 64 or any(c not in "0123456789abcdef" for c in accept_hash):
            raise FederationConfigError(f"{where}.accept_token_sha256 must be 64 hex digits")
    if grant != Tier.PUBLIC and accept_hash is None:
        raise FederationConfigError(
            f"{where}: grant {grant.label!r} needs accept_token_sha256 (how this node knows the peer)"
        )
    verify = _text(raw, "verify", where) or "shapes"
    if verify not in ("shapes", "identity"):
        raise FederationConfigError(f"{where}.verify must be 'shapes' or 'identity', got {verify!r}")
    return PeerConfig(
        owner=_text(raw, "owner", where) or "",
        keys=_pinned_keys(raw.get("keys", {}), f"{where}.keys"),
        id=peer_id,
        base_urls=urls,
        region=_text(raw, "region", where) or "",
        prefixes=prefixes,
        token=token,
        grant=grant,
        accept_token_sha256=accept_hash,
        verify=verify,
    )


def _cache(raw: object) -> CacheConfig:
    if not isinstance(raw, Mapping):
        raise FederationConfigError("federation.cache must be a table")
    keys = {"max_ttl", "default_ttl", "negative_ttl", "stale_if_error", "lru_bytes", "redis_prefix"}
    _only(raw, keys, "federation.cache")
    d = CacheConfig()
    cfg = CacheConfig(
        max_ttl=_count(raw, "max_ttl", d.max_ttl, "federation.cache"),
        default_ttl=_count(raw, "default_ttl", d.default_ttl, "federation.cache"),
        negative_ttl=_count(raw, "negative_ttl", d.negative_ttl, "federation.cache"),
        stale_if_error=_count(raw, "stale_if_error", d.stale_if_error, "federation.cache"),
        lru_bytes=_count(raw, "lru_bytes", d.lru_bytes, "federation.cache"),
        redis_prefix=_text(raw, "redis_prefix", "federation.cache") or d.redis_prefix,
    )
    return cfg  # default_ttl above max_ttl is capped like any lifetime, not refused


def _breaker(raw: object) -> BreakerConfig:
    if not isinstance(raw, Mapping):
        raise FederationConfigError("federation.breaker must be a table")
    _only(raw, {"failures", "cooldown"}, "federation.breaker")
    d = BreakerConfig()
    failures = _count(raw, "failures", d.failures, "federation.breaker")
    if failures < 1:
        raise FederationConfigError("federation.breaker.failures must be at least 1")
    cooldown = raw.get("cooldown", d.cooldown)
    number = isinstance(cooldown, int | float) and not isinstance(cooldown, bool)
    if not number or not math.isfinite(cooldown) or cooldown < 0:
        raise FederationConfigError("federation.breaker.cooldown must be a number of seconds >= 0")
    return BreakerConfig(failures=failures, cooldown=float(cooldown))


def _only(raw: Mapping[str, object], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise FederationConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {known})")


def _text(raw: Mapping[str, object], key: str, where: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FederationConfigError(f"{where}.{key} must be a non-empty string")
    return value.strip()


def _strings(value: object, where: str) -> Sequence[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FederationConfigError(f"{where} must be a list of strings")
    return value


def _count(raw: Mapping[str, object], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FederationConfigError(f"{where}.{key} must be a whole number >= 0")
    return value


def _base_url(url: str, where: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise FederationConfigError(f"{where}: {url!r} is not an http(s) base URL")
    return url.strip().rstrip("/")
