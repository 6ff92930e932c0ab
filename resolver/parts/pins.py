"""Owners' keys learned from their ``/.well-known/passport-node`` and pinned by an operator.

``passport-node keys learn`` shows each key the owner lists with its fingerprint; only the keys
whose fingerprint the operator passes with ``--accept`` are written to the peer-key file (JSON:
owner id -> {verification method URL: publicKeyMultibase}). The node adds them to the keys its
configuration pins (``with_pinned_keys``) when it opens: until then, a peer answer signed by
a key not pinned is refused (502 bad-signature), and so is an owner's new key after a rotation.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import orjson

from resolver.config import NodeConfig
from resolver.config.federation import PeerConfig
from resolver.errors import DocumentError
from resolver.integrity.offers import OfferedKey, fingerprint, offered_keys
from resolver.parts.integrity import keys_directory

__all__ = [
    "OfferedKey",
    "PeerKeyFile",
    "fingerprint",
    "fork_marks_path",
    "offered_keys",
    "peer_keys_path",
    "with_pinned_keys",
]

Pins = dict[str, dict[str, str]]  # owner id -> {verification method URL: publicKeyMultibase}


class PeerKeyFile:
    """The JSON file of owners' keys operators accepted."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Pins:
        try:
            raw = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except orjson.JSONDecodeError as err:
            raise DocumentError(f"{self.path} is not JSON: {err}") from err
        if not isinstance(raw, dict):
            raise DocumentError(f"{self.path} must map owner ids to their keys")
        pins: Pins = {}
        for owner, keys in raw.items():
            if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
                raise DocumentError(f"{self.path}: the keys of {owner!r} must map URLs to Multikey values")
            pins[str(owner)] = {str(url): str(value) for url, value in keys.items()}
        return pins

    def pin(self, owner: str, keys: Mapping[str, str]) -> Pins:
        """Add ``keys`` (URL -> multibase) to ``owner``'s pinned keys; the whole file after."""
        pins = self.load()
        pins.setdefault(owner, {}).update(keys)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_bytes(orjson.dumps(pins, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        os.replace(partial, self.path)
        return pins


def fork_marks_path(config: NodeConfig) -> Path:
    """The file of peers seen forked (resolver/translog/marks.py), beside the peer-key file."""
    return keys_directory(config) / "forked-peers.json"


def peer_keys_path(config: NodeConfig) -> Path:
    """Where the node keeps the keys its operator accepted."""
    if config.integrity.peer_keys:
        return Path(config.integrity.peer_keys)
    return keys_directory(config) / "peer-keys.json"


def _with_keys(peer: PeerConfig, pins: Pins) -> PeerConfig:
    learned = pins.get(peer.owner_id)
    if not learned:
        return peer
    keys = dict(peer.keys)
    keys.update({url: value for url, value in learned.items() if url not in keys})
    return dataclasses.replace(peer, keys=tuple(sorted(keys.items())))


def with_pinned_keys(config: NodeConfig) -> NodeConfig:
    """``config`` with each peer's owner keys from the peer-key file added to its own."""
    pins = PeerKeyFile(peer_keys_path(config)).load()
    if not pins:
        return config
    federation = config.federation
    parent = None if federation.parent is None else _with_keys(federation.parent, pins)
    peers = tuple(_with_keys(peer, pins) for peer in federation.peers)
    return dataclasses.replace(config, federation=dataclasses.replace(federation, peers=peers, parent=parent))
