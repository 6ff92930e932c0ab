"""The node's configuration: one TOML file read with tomllib into a frozen ``NodeConfig``.

Unknown keys are refused by name, so a typo never silently falls back to a default. Every
table is parsed in this package (``[federation]`` by ``resolver.config.federation``, the
``[lifecycle]`` tables by ``resolver.config.lifecycle``), so a node that starts has a
configuration it can use. It sits low: it imports no part of the node it configures.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from resolver.config.federation import FederationConfig
from resolver.config.lifecycle import LifecycleSettings
from resolver.credentials import Credential, hash_token
from resolver.errors import ConfigError, InvalidIdentifier
from resolver.identifiers import claims, parse_identifier
from resolver.profile import PROFILES
from resolver.tiers import Role

__all__ = [
    "DEFAULT_CHAIN",
    "DEFAULT_PREFIXES",
    "DEFAULT_STORE",
    "STAGE_NAMES",
    "ConfigError",
    "Credential",
    "IntegrityConfig",
    "Limits",
    "NodeConfig",
    "SparqlConfig",
    "default_config",
    "hash_token",
    "load_config",
]

DEFAULT_STORE = "sqlite:///./var/passports.sqlite3"
# The stages a chain may name; the composition root (resolver.node) builds each of them.
STAGE_NAMES = ("local", "cache", "federation")
DEFAULT_CHAIN = STAGE_NAMES
# The prefixes of the example passports (examples/valid): a node started with no
# configuration is authoritative for them, so `serve --demo` resolves every example.
DEFAULT_PREFIXES = ("88.100.1", "88.100.7", "20.500.12345", "21.11101", "01/09521234", "01/04012345")

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what a request may cost the node."""

    max_body_bytes: int = 2 * 1024 * 1024
    max_json_depth: int = 48
    max_header_bytes: int = 8190  # one header line or field (aiohttp's max_line/field_size)
    header_timeout: float = 10.0  # seconds from a request's first byte to the end of its headers
    validate_body_bytes: int = 64 * 1024  # /validate: smaller than writes (examples are ~6 KB)
    validate_seconds: int = 5  # /validate: time budget of its own worker, which is then replaced
    # Token-bucket rate limits per client (resolver/ratelimit.py); 0 requests/s: no limit.
    # Burst 0: twice the rate.
    anonymous_per_second: int = 0
    anonymous_burst: int = 0
    credentialed_per_second: int = 0
    credentialed_burst: int = 0


@dataclass(frozen=True, slots=True)
class SparqlConfig:
    """The ``[sparql]`` table: the SPARQL graph index this node serves at ``/sparql``.

    ``index_dir`` empty means the default: beside an SQLite store (``<file>.sparql-index``), or
    ``{data_dir}/sparql-index-{node_id}`` for a Redis store. An index directory has one writer.
    """

    enabled: bool = True
    index_dir: str = ""
    history: bool = False  # keep every version (``?history=true``)
    # Hold the index in a process of its own, ended and replaced when a query runs past its
    # time limit (false: query threads in the node process, the limit checked between solutions).
    process: bool = True


@dataclass(frozen=True, slots=True)
class IntegrityConfig:
    """The ``[integrity]`` table: the node's signing key and its transparency log (issue 11).

    ``sign`` false stores views unsigned and keeps no log (a read-only tool, or a test that
    compares stored bytes). ``key_file`` empty: the node's own keyring, made at first start
    beside the store (``<sqlite file>.keys/``, or ``{data_dir}/keys-{node_id}/`` for a Redis
    store), each private key mode 0600; otherwise the operator's PKCS#8 PEM Ed25519 key.
    ``log`` empty: the log lives in the store (``<sqlite file>.translog`` beside an SQLite
    store, or Redis keys under ``{translog}`` in a Redis store); otherwise an SQLite file path.
    ``monitor_interval``: seconds between checks of the pinned peers' signed tree heads (0:
    none). ``peer_keys``: the file of owners' keys an operator accepted with ``passport-node
    keys learn`` ("": ``peer-keys.json`` in the keys directory), added to the configured ones.
    """

    sign: bool = True
    key_file: str = ""
    keys_dir: str = ""
    log: str = ""
    monitor_interval: int = 60
    peer_keys: str = ""


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """Everything a node process needs to know about itself.

    ``base_url`` empty means "derive it from the listening address" (``serve`` fills it in).
    ``federation`` is the parsed ``[federation]`` table (peers, parent, cache settings);
    ``lifecycle`` the ``[lifecycle]`` table (rating thresholds, rule defaults, webhooks).
    """

    node_id: str = "local"
    region: str = "EU"
    base_url: str = ""
    prefixes: tuple[str, ...] = DEFAULT_PREFIXES
    store: str = DEFAULT_STORE
    redis: str | None = None
    chain: tuple[str, ...] = DEFAULT_CHAIN
    deadline: float = 2.0
    max_hops: int = 8
    max_age: int = 300  # Cache-Control max-age of this node's own answers, seconds
    view_cache_bytes: int = 64 * 1024 * 1024  # public views kept in process (0: none)
    render_cache_bytes: int = 256 * 1024 * 1024  # Turtle/N-Triples/HTML renders kept (LRU)
    hot_cache_bytes: int = 256 * 1024 * 1024  # public answers kept whole, body and headers (0: none)
    limits: Limits = field(default_factory=Limits)
    credentials: tuple[Credential, ...] = ()
    case_sensitive: bool = False
    # Prefixes whose suffixes may mix look-alike scripts or use fullwidth forms (resolver/lookalikes.py).
    mixed_script_prefixes: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int | None = None  # validator worker processes; None = one per CPU
    access_log: bool = False
    federation: FederationConfig = field(default_factory=FederationConfig)
    data_dir: str = "./var"  # local files that are not the store (a Redis node's SPARQL index)
    sparql: SparqlConfig = field(default_factory=SparqlConfig)
    integrity: IntegrityConfig = field(default_factory=IntegrityConfig)
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)
    # ``[profiles]``: (prefix, profile) pairs; a prefix not listed writes eu-battery passports.
    profiles: tuple[tuple[str, str], ...] = ()

    def profile_for(self, prefix: str) -> str:
        """The profile passports under ``prefix`` are written in (resolver.profile.PROFILES)."""
        for listed, name in self.profiles:
            if listed == prefix:
                return name
        return PROFILES[0]

    def profile_of(self, iri: object) -> str:
        """The profile of the prefix a passport's @id (``iri``) falls under: how every write
        path and ``POST /validate`` choose it. The default one when the node names no other, or
        when ``iri`` names no prefix of the node (such a passport is refused anyway)."""
        if not self.profiles or not isinstance(iri, str):
            return PROFILES[0]
        try:
            key = parse_identifier(iri, case_sensitive=self.case_sensitive).key
        except InvalidIdentifier:
            return PROFILES[0]
        prefix = next((p for p in self.prefixes if claims(p, key)), None)
        return self.profile_for(prefix) if prefix is not None else PROFILES[0]


_TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "node_id": str,
    "region": str,
    "base_url": str,
    "prefixes": list,
    "store": str,
    "redis": str,
    "chain": list,
    "deadline": (int, float),
    "max_hops": int,
    "max_age": int,
    "view_cache_bytes": int,
    "render_cache_bytes": int,
    "hot_cache_bytes": int,
    "case_sensitive": bool,
    "mixed_script_prefixes": list,
    "host": str,
    "port": int,
    "workers": int,
    "access_log": bool,
    "data_dir": str,
}
_TABLES = {"limits", "credentials", "federation", "sparql", "lifecycle", "integrity", "profiles"}
_SPARQL_KEYS: dict[str, type] = {"enabled": bool, "index_dir": str, "history": bool, "process": bool}
_INTEGRITY_KEYS: dict[str, type] = {
    "sign": bool,
    "key_file": str,
    "keys_dir": str,
    "log": str,
    "monitor_interval": int,
    "peer_keys": str,
}
_LIMIT_KEYS = {f.name for f in dataclasses.fields(Limits)}
# Limits where 0 means "off" rather than an error.
_ZERO_OFF_LIMITS = {
    name: "0 or more; 0 turns it off"
    for name in ("anonymous_per_second", "anonymous_burst", "credentialed_per_second", "credentialed_burst")
}
_CREDENTIAL_KEYS = {"name", "role", "token_sha256", "prefixes"}


def load_config(path: str | Path) -> NodeConfig:
    """Read and check a TOML configuration file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: no such configuration file") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from err
    try:
        return _from_mapping(raw)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err


def default_config(**overrides: Any) -> NodeConfig:
    """The configuration of a node started without a file, with ``overrides`` applied and checked."""
    config = NodeConfig()
    unknown = set(overrides) - {f.name for f in dataclasses.fields(NodeConfig)}
    if unknown:
        raise ConfigError(f"unknown configuration key(s): {', '.join(sorted(unknown))}")
    for key in ("prefixes", "mixed_script_prefixes"):
        if key in overrides:
            overrides[key] = tuple(overrides[key])
    if "chain" in overrides:
        overrides["chain"] = tuple(overrides["chain"])
    if "credentials" in overrides:
        overrides["credentials"] = tuple(overrides["credentials"])
    if "federation" in overrides and not isinstance(overrides["federation"], FederationConfig):
        overrides["federation"] = _federation(overrides["federation"])
    if "sparql" in overrides and not isinstance(overrides["sparql"], SparqlConfig):
        overrides["sparql"] = _sparql(overrides["sparql"])
    if "integrity" in overrides and not isinstance(overrides["integrity"], IntegrityConfig):
        overrides["integrity"] = _integrity(overrides["integrity"])
    if "lifecycle" in overrides and not isinstance(overrides["lifecycle"], LifecycleSettings):
        overrides["lifecycle"] = _lifecycle(overrides["lifecycle"])
    if "profiles" in overrides and not isinstance(overrides["profiles"], tuple):
        overrides["profiles"] = _profiles(overrides["profiles"])
    config = dataclasses.replace(config, **overrides)
    _check(config, explicit_chain="chain" in overrides)
    return config


def _from_mapping(raw: Mapping[str, object]) -> NodeConfig:
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _TABLES:
            continue
        expected = _TOP_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"unknown configuration key {key!r}")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{key!r} has the wrong type ({type(value).__name__})")
        values[key] = value
    for key in ("prefixes", "chain", "mixed_script_prefixes"):
        if key in values:
            values[key] = tuple(_strings(values[key], key))
    if "deadline" in values:
        values["deadline"] = float(values["deadline"])
    if "limits" in raw:
        values["limits"] = _limits(raw["limits"])
    if "credentials" in raw:
        values["credentials"] = tuple(_credentials(raw["credentials"]))
    if "federation" in raw:
        values["federation"] = _federation(raw["federation"])
    if "sparql" in raw:
        values["sparql"] = _sparql(raw["sparql"])
    if "integrity" in raw:
        values["integrity"] = _integrity(raw["integrity"])
    if "lifecycle" in raw:
        values["lifecycle"] = _lifecycle(raw["lifecycle"])
    if "profiles" in raw:
        values["profiles"] = _profiles(raw["profiles"])
    config = dataclasses.replace(NodeConfig(), **values)
    _check(config, explicit_chain="chain" in values)
    return config


def _federation(raw: object) -> FederationConfig:
    if not isinstance(raw, Mapping):
        raise ConfigError("'federation' must be a table")
    return FederationConfig.from_mapping(raw)


def _sparql(raw: object) -> SparqlConfig:
    return SparqlConfig(**_flat_table("sparql", raw, _SPARQL_KEYS))


def _integrity(raw: object) -> IntegrityConfig:
    return IntegrityConfig(**_flat_table("integrity", raw, _INTEGRITY_KEYS))


def _flat_table(name: str, raw: object, keys: Mapping[str, type]) -> Mapping[Any, Any]:
    """A table of plain values, each key known and of its type; ConfigError naming the key."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"'{name}' must be a table")
    for key, value in raw.items():
        expected = keys.get(key)
        if expected is None:
            raise ConfigError(f"unknown configuration key '{name}.{key}'")
        if not isinstance(value, expected):
            raise ConfigError(f"'{name}.{key}' has the wrong type ({type(value).__name__})")
    return raw  # checked: each value is of its key's type


def _lifecycle(raw: object) -> LifecycleSettings:
    if not isinstance(raw, Mapping):
        raise ConfigError("'lifecycle' must be a table")
    return LifecycleSettings.from_mapping(raw)


def _profiles(raw: object) -> tuple[tuple[str, str], ...]:
    """``[profiles]``: prefix = profile name, each a known profile (ConfigError naming the key)."""
    if not isinstance(raw, Mapping):
        raise ConfigError("'profiles' must be a table of prefix = profile name")
    pairs = []
    for prefix, name in raw.items():
        if not isinstance(name, str) or name not in PROFILES:
            raise ConfigError(
                f"'profiles.\"{prefix}\"' is {name!r}, not a known profile ({', '.join(PROFILES)})"
            )
        pairs.append((str(prefix), name))
    return tuple(pairs)


def _strings(value: Sequence[object], key: str) -> list[str]:
    strings = [v for v in value if isinstance(v, str)]
    if len(strings) != len(value):
        raise ConfigError(f"{key!r} must be a list of strings")
    return strings


def _limits(raw: object) -> Limits:
    if not isinstance(raw, Mapping):
        raise ConfigError("'limits' must be a table")
    for key, value in raw.items():
        if key not in _LIMIT_KEYS:
            raise ConfigError(f"unknown configuration key 'limits.{key}'")
        least = 0 if key in _ZERO_OFF_LIMITS else 1
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            allowed = _ZERO_OFF_LIMITS.get(key, "over 0")
            raise ConfigError(f"'limits.{key}' must be a whole number ({allowed})")
    return Limits(**raw)


def _credentials(raw: object) -> list[Credential]:
    if not isinstance(raw, list):
        raise ConfigError("'credentials' must be an array of tables ([[credentials]])")
    out = []
    for i, entry in enumerate(raw):
        where = f"credentials[{i}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} must be a table")
        for key in entry:
            if key not in _CREDENTIAL_KEYS:
                raise ConfigError(f"unknown configuration key '{where}.{key}'")
        for key in ("name", "role", "token_sha256"):
            if not isinstance(entry.get(key), str):
                raise ConfigError(f"{where}.{key} is required (a string)")
        try:
            role = Role(entry["role"])
        except ValueError as err:
            roles = ", ".join(r.value for r in Role)
            raise ConfigError(f"{where}.role {entry['role']!r} is not one of {roles}") from err
        prefixes = tuple(_strings(entry.get("prefixes", []), f"{where}.prefixes"))
        out.append(Credential(entry["name"], role, entry["token_sha256"].lower(), prefixes))
    return out


def _check(config: NodeConfig, *, explicit_chain: bool) -> None:
    if not config.node_id or "," in config.node_id or config.node_id != config.node_id.strip():
        raise ConfigError(f"'node_id' {config.node_id!r} must be non-empty, without commas or spaces")
    if config.deadline <= 0:
        raise ConfigError("'deadline' must be positive (seconds)")
    if config.max_hops < 1:
        raise ConfigError("'max_hops' must be at least 1")
    if config.max_age < 0:
        raise ConfigError("'max_age' must not be negative")
    if config.view_cache_bytes < 0 or config.render_cache_bytes < 0 or config.hot_cache_bytes < 0:
        raise ConfigError(
            "'view_cache_bytes', 'render_cache_bytes' and 'hot_cache_bytes' must not be negative"
        )
    if not 0 <= config.port <= 65535:
        raise ConfigError(f"'port' {config.port} is not a TCP port")
    if config.workers is not None and config.workers < 1:
        raise ConfigError("'workers' must be at least 1")
    if not config.data_dir:
        raise ConfigError("'data_dir' must not be empty")
    if config.base_url.endswith("/"):
        raise ConfigError("'base_url' must not end with '/'")
    if explicit_chain:
        for name in config.chain:
            if name not in STAGE_NAMES:
                known = ", ".join(sorted(STAGE_NAMES))
                raise ConfigError(f"unknown stage {name!r} in 'chain' (known stages: {known})")
        if len(set(config.chain)) != len(config.chain):
            raise ConfigError("'chain' names a stage twice")
    for prefix, _name in config.profiles:
        if prefix not in config.prefixes:
            raise ConfigError(f"'profiles.\"{prefix}\"' names a prefix the node does not hold ('prefixes')")
    names = set()
    for cred in config.credentials:
        if not _SHA256_HEX.fullmatch(cred.token_sha256):
            raise ConfigError(f"credential {cred.name!r}: token_sha256 must be 64 hex digits")
        if cred.name in names:
            raise ConfigError(f"credential {cred.name!r} is defined twice")
        names.add(cred.name)
        writes = cred.role in (Role.OPERATOR, Role.DATA_PROVIDER)
        if writes and not cred.prefixes:
            article = "an" if cred.role is Role.OPERATOR else "a"
            role = f"{article} {cred.role.value}"
            raise ConfigError(f"credential {cred.name!r}: {role} needs 'prefixes' it may write")
        if not writes and cred.prefixes:
            raise ConfigError(f"credential {cred.name!r}: only operators and data providers have 'prefixes'")
    digests = [c.token_sha256 for c in config.credentials]
    if len(set(digests)) != len(digests):
        raise ConfigError("two credentials share one token")
