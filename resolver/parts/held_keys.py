"""The keys a node holds to check signatures with, offline: its own keyring's (each with its
validity, read from ``keys.json``; no private key is read) and the keys pinned for its peers.
``import`` checks the node's own exports with them (resolver/commands/import_proofs.py), and so do
PUT and ``POST /validate`` (built once when the node starts: resolver/app.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import orjson

from resolver.config import ConfigError, NodeConfig
from resolver.errors import ResolverError
from resolver.integrity.errors import UnusableKey
from resolver.integrity.keyring import KeyEntry, time_text
from resolver.integrity.multikey import public_key_from_multibase
from resolver.integrity.proofs import VerificationKey

__all__ = ["NodeKeys", "node_keys"]


@dataclasses.dataclass(frozen=True, slots=True)
class NodeKeys:
    """The keys an import checks node signatures with: this node's (``own_prefix`` is the URL
    its key URLs start with) and the peers' pinned ones; each key with whose it is."""

    own_prefix: str
    keys: Mapping[str, tuple[VerificationKey, str]] = dataclasses.field(default_factory=dict)

    def holds(self, method: str) -> bool:
        """Whether ``method`` names a node's key: one held here, or any under this node's URL."""
        return method in self.keys or (bool(self.own_prefix) and method.startswith(self.own_prefix))

    def known(self, kid: str) -> VerificationKey | None:
        """The key ``kid`` names, with its validity period (jws_check.KnownKeys), if held here."""
        found = self.keys.get(kid)
        return found[0] if found is not None else None

    def whose(self, method: str) -> str:
        found = self.keys.get(method)
        return found[1] if found is not None else "not a key this node holds"


def node_keys(config: NodeConfig) -> NodeKeys:
    """The keys of ``config``'s node (its keyring, read, never made) and of its peers (pinned in
    the configuration or the peer-key file); ConfigError when one of them is unusable."""
    from resolver.integrity.signer import key_url
    from resolver.parts.integrity import keys_directory, node_base_url
    from resolver.parts.pins import with_pinned_keys

    prefix = key_url(node_base_url(config), "")
    keys: dict[str, tuple[VerificationKey, str]] = {}
    try:
        for entry in _keyring_entries(config, keys_directory(config)):
            retired = "" if entry.retired is None else f", retired at {time_text(entry.retired)}"
            keys[prefix + entry.name] = (entry.verification_key(), f"this node's key {entry.name}{retired}")
        federation = with_pinned_keys(config).federation
        peers = (*federation.peers, *((federation.parent,) if federation.parent is not None else ()))
        for peer in peers:
            for url, multibase in peer.keys:
                key = VerificationKey(public_key_from_multibase(multibase))
                keys.setdefault(url, (key, f"a key pinned for {peer.owner_id}"))
    except ResolverError as err:
        raise ConfigError(f"the keys to check signatures with: {err.detail}") from err
    return NodeKeys(prefix, keys)


def _keyring_entries(config: NodeConfig, directory: Path) -> list[KeyEntry]:
    """The keyring's keys with their validity, from its ``keys.json`` (no private key is read;
    none when the node has no keyring yet); a configured key file's one key."""
    if config.integrity.key_file:
        from resolver.integrity.keyring import Keyring

        path = Path(config.integrity.key_file)
        valid_from = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return Keyring.from_key_file(path, valid_from=valid_from).entries
    index = directory / "keys.json"
    try:
        data = orjson.loads(index.read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, orjson.JSONDecodeError) as err:
        raise UnusableKey(f"{index}: the keyring cannot be read: {err}") from err
    listed = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        raise UnusableKey(f"{index}: the keyring lists no keys")
    return [KeyEntry.from_json(item) for item in listed]
