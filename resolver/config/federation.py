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
    "LookupLimits",
    "PeerConfig",
    "TlsConfig",
    "describe",
]


# What becomes of a peer's answer whose owner's keys are neither pinned here nor learnable over
# an authenticated peer link (resolver/federation/trust.py), so that it cannot be checked:
# "refuse" (the default): 502 unpinned-owner, never served nor cached; "label" (weaker, opt-in):
# served with Passport-Unverified, kept by no cache; "cache" (weakest, a federation whose nodes
# do not sign): served labelled and cached like a checked answer, the label kept with the copy.
UNPINNED_POLICIES = ("refuse", "label", "cache")


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
    insecure: bool = False
    accept_cert_sha256: str | None = None
    # The node authoritative for ``prefixes`` when this peer only relays them ("": the peer
    # itself), and that owner's pinned signing keys: verification method URL ->
    # publicKeyMultibase. Every answer must carry its owner's valid proof (502 bad-signature
    # otherwise, never cached); keys not pinned are learned once from an owner reached over an
    # authenticated link (resolver/federation/trust.py); a key change is an operator's edit.
    owner: str = ""
    keys: tuple[tuple[str, str], ...] = ()
    # Asked for the prefixes the federation learns it owns (resolver/federation/delegation.py),
    # beyond ``prefixes``: a node reached through a relay, known here so it may be asked directly.
    learned: bool = False

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
    negative_bytes: int = 4 * 1024 * 1024  # the separate, smaller cache of "not found"s
    redis_prefix: str = "passport:fedcache:"
    serve_stale_after_ms: int = 300  # a slow peer's stale copy is served after this (0: never early)
    follow_changes: bool = True  # follow each source peer's /changes and drop what it names
    delegation_ttl: int = 3600  # how long a learned owner of a prefix is asked first (0: never)
    delegation_entries: int = 10_000  # learned owners kept at most


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """Per-peer circuit breaker: open after ``failures`` in a row, probe after ``cooldown`` s."""

    failures: int = 5
    cooldown: float = 10.0
    probe_interval: float = 1.0  # seconds between /healthz probes of an open circuit (0: none)


@dataclass(frozen=True, slots=True)
class LookupLimits:
    """What one client may make this node ask its peers, and how much a peer is asked at once.

    ``per_second`` (sustained, with ``burst``) counts each client's lookups that reach a peer
    (cache hits are free; federation peers relaying their own clients are exempt); 0: no limit.
    ``peer_concurrency`` caps the requests in flight to one peer (0: no cap); a lookup waits for
    a slot within its deadline.
    """

    per_second: int = 0
    burst: int = 0
    peer_concurrency: int = 0


@dataclass(frozen=True, slots=True)
class TlsConfig:
    """This node's certificate (served, and presented to peers for mutual TLS) and the CAs
    that sign its peers' certificates (``ca_file``; the system's CAs when absent).

    With ``cert_file`` the node serves HTTPS and asks clients for a certificate (optional, so
    that ordinary clients still connect); a client certificate whose SHA-256 fingerprint is a
    peer's ``accept_cert_sha256`` is that peer's credential.
    """

    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None

    @property
    def serving(self) -> bool:
        return self.cert_file is not None


@dataclass(frozen=True, slots=True)
class FederationConfig:
    peers: tuple[PeerConfig, ...] = ()
    parent: PeerConfig | None = None
    cache: CacheConfig = CacheConfig()
    breaker: BreakerConfig = BreakerConfig()
    tls: TlsConfig = TlsConfig()
    limits: LookupLimits = LookupLimits()
    unpinned: str = "refuse"  # one of UNPINNED_POLICIES

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object] | None) -> FederationConfig:
        """Parse the raw ``[federation]`` TOML table (absent or empty: no federation)."""
        raw = raw or {}
        _only(raw, {"peers", "parent", "cache", "breaker", "tls", "limits", "unpinned"}, "federation")
        unpinned = raw.get("unpinned", "refuse")
        if unpinned not in UNPINNED_POLICIES:
            allowed = ", ".join(UNPINNED_POLICIES)
            raise FederationConfigError(f"federation.unpinned must be one of {allowed}, got {unpinned!r}")
        peers_raw = raw.get("peers", [])
        if not isinstance(peers_raw, list):
            raise FederationConfigError("federation.peers must be an array of tables ([[federation.peers]])")
        peers = tuple(_peer(p, f"federation.peers[{i}]") for i, p in enumerate(peers_raw))
        seen: set[str] = set()
        for peer in peers:
            if peer.id in seen:
                raise FederationConfigError(f"federation.peers: peer id {peer.id!r} appears twice")
            seen.add(peer.id)
            if not (peer.prefixes or peer.learned or peer.accept_token_sha256 or peer.accept_cert_sha256):
                raise FederationConfigError(
                    f"federation.peers: peer {peer.id!r} claims no prefixes and has no accept_token "
                    "(use [federation.parent] for a node asked about everything else; a peer that "
                    "only asks this node needs accept_token_sha256; one reached through a relay, "
                    "learned = true)"
                )
        # A prefix may be claimed by several peers (replica nodes, or an owner and a relay):
        # they are tried in configuration order, those whose circuit is open last.
        parent = None
        if "parent" in raw:
            parent = _peer(raw["parent"], "federation.parent")
        return cls(
            peers=peers,
            parent=parent,
            cache=_cache(raw.get("cache", {})),
            breaker=_breaker(raw.get("breaker", {})),
            tls=_tls(raw.get("tls", {})),
            limits=_limits(raw.get("limits", {})),
            unpinned=str(unpinned),
        )

    @property
    def nodes(self) -> tuple[PeerConfig, ...]:
        """Every node this one may ask: the peers, then the parent."""
        return (*self.peers, self.parent) if self.parent is not None else self.peers

    def peer_certificates(self) -> dict[str, PeerConfig]:
        """The peers known by their client certificate: SHA-256 fingerprint (hex) -> peer."""
        return {p.accept_cert_sha256: p for p in self.nodes if p.accept_cert_sha256 is not None}

    def credentials(self) -> tuple[Credential, ...]:
        """The peers' incoming tokens as node credentials (named ``peer:<id>``), for the edge.

        A peer's requests get the role of its ``grant``; the edge checks these exactly like the
        ``[[credentials]]`` of the node's own configuration.
        """
        return tuple(
            Credential(name=f"peer:{p.id}", role=p.role, token_sha256=p.accept_token_sha256, peer=True)
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
    "learned",
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
    "insecure",
    "accept_cert_sha256",
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
    insecure = raw.get("insecure", False)
    if not isinstance(insecure, bool):
        raise FederationConfigError(f"{where}.insecure must be true or false")
    plain = [u for u in urls if u.startswith("http://")]
    if plain and not insecure:
        raise FederationConfigError(
            f"{where}: peer {peer_id!r} has a plain http:// URL ({plain[0]}); peers talk HTTPS, "
            "or say insecure = true for this peer (tests, one machine)"
        )
    cert = _hex_digest(raw, "accept_cert_sha256", where)
    if grant != Tier.PUBLIC and accept_hash is None and cert is None:
        raise FederationConfigError(
            f"{where}: grant {grant.label!r} needs accept_token_sha256 or accept_cert_sha256 "
            "(how this node knows the peer)"
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
        insecure=insecure,
        accept_cert_sha256=cert,
        learned=_flag(raw, "learned", False, where),
    )


def _hex_digest(raw: Mapping[str, object], key: str, where: str) -> str | None:
    value = _text(raw, key, where)
    if value is None:
        return None
    value = value.lower().replace(":", "")
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise FederationConfigError(f"{where}.{key} must be a SHA-256 fingerprint (64 hex digits)")
    return value


def _limits(raw: object) -> LookupLimits:
    if not isinstance(raw, Mapping):
        raise FederationConfigError("federation.limits must be a table")
    where = "federation.limits"
    _only(raw, {"per_second", "burst", "peer_concurrency"}, where)
    return LookupLimits(
        per_second=_count(raw, "per_second", 0, where),
        burst=_count(raw, "burst", 0, where),
        peer_concurrency=_count(raw, "peer_concurrency", 0, where),
    )


def _tls(raw: object) -> TlsConfig:
    if not isinstance(raw, Mapping):
        raise FederationConfigError("federation.tls must be a table")
    _only(raw, {"cert_file", "key_file", "ca_file"}, "federation.tls")
    cert = _text(raw, "cert_file", "federation.tls")
    key = _text(raw, "key_file", "federation.tls")
    if (cert is None) != (key is None):
        raise FederationConfigError("federation.tls: give cert_file and key_file together")
    files = {"cert_file": cert, "key_file": key, "ca_file": _text(raw, "ca_file", "federation.tls")}
    for name, path in files.items():
        if path is not None and not os.path.isfile(path):
            raise FederationConfigError(f"federation.tls.{name}: no file at {path}")
    return TlsConfig(cert_file=cert, key_file=key, ca_file=files["ca_file"])


def _cache(raw: object) -> CacheConfig:
    if not isinstance(raw, Mapping):
        raise FederationConfigError("federation.cache must be a table")
    keys = {
        "max_ttl",
        "default_ttl",
        "negative_ttl",
        "stale_if_error",
        "lru_bytes",
        "negative_bytes",
        "redis_prefix",
        "follow_changes",
        "serve_stale_after_ms",
        "delegation_ttl",
        "delegation_entries",
    }
    _only(raw, keys, "federation.cache")
    d = CacheConfig()
    cfg = CacheConfig(
        max_ttl=_count(raw, "max_ttl", d.max_ttl, "federation.cache"),
        default_ttl=_count(raw, "default_ttl", d.default_ttl, "federation.cache"),
        negative_ttl=_count(raw, "negative_ttl", d.negative_ttl, "federation.cache"),
        stale_if_error=_count(raw, "stale_if_error", d.stale_if_error, "federation.cache"),
        lru_bytes=_count(raw, "lru_bytes", d.lru_bytes, "federation.cache"),
        negative_bytes=_count(raw, "negative_bytes", d.negative_bytes, "federation.cache"),
        redis_prefix=_text(raw, "redis_prefix", "federation.cache") or d.redis_prefix,
        serve_stale_after_ms=_count(raw, "serve_stale_after_ms", d.serve_stale_after_ms, "federation.cache"),
        follow_changes=_flag(raw, "follow_changes", d.follow_changes, "federation.cache"),
        delegation_ttl=_count(raw, "delegation_ttl", d.delegation_ttl, "federation.cache"),
        delegation_entries=_count(raw, "delegation_entries", d.delegation_entries, "federation.cache"),
    )
    return cfg  # default_ttl above max_ttl is capped like any lifetime, not refused


def _breaker(raw: object) -> BreakerConfig:
    if not isinstance(raw, Mapping):
        raise FederationConfigError("federation.breaker must be a table")
    _only(raw, {"failures", "cooldown", "probe_interval"}, "federation.breaker")
    d = BreakerConfig()
    failures = _count(raw, "failures", d.failures, "federation.breaker")
    if failures < 1:
        raise FederationConfigError("federation.breaker.failures must be at least 1")
    cooldown = raw.get("cooldown", d.cooldown)
    number = isinstance(cooldown, int | float) and not isinstance(cooldown, bool)
    if not number or not math.isfinite(cooldown) or cooldown < 0:
        raise FederationConfigError("federation.breaker.cooldown must be a number of seconds >= 0")
    interval = raw.get("probe_interval", d.probe_interval)
    number = isinstance(interval, int | float) and not isinstance(interval, bool)
    if not number or not math.isfinite(interval) or interval < 0:
        raise FederationConfigError("federation.breaker.probe_interval must be a number of seconds >= 0")
    return BreakerConfig(failures=failures, cooldown=float(cooldown), probe_interval=float(interval))


def _flag(raw: Mapping[str, object], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise FederationConfigError(f"{where}.{key} must be true or false")
    return value


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
