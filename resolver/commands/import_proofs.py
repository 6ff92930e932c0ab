"""The signatures an import carries, checked offline with the keys a node holds (docs/adapters.md,
"Signatures on import").

A document exported by this node (``export``: a signed JSON-LD view, or a UNTP credential
enveloped as a vc+jwt) is signed by a key of the node's keyring, ``{base_url}/keys/{name}``; one
exported by a peer, by a key its operator pinned (``[[federation.peers]] keys``, the peer-key
file of ``passport-node keys learn``). The import checks such a signature without fetching
anything: the keyring's ``keys.json`` lists every key with its validity (a retired key verifies
what it signed before it was retired, nothing after), and the pinned keys are in the
configuration. Each signature is reported as verified, or as not checked with the reason (a key
URL under this node's base URL that its keyring does not hold: another store served at the same
URL); one that does not verify refuses the document, naming the proof (``proof[1]: ...``).

Node proofs are then taken off the body: the node signs every version it stores itself, and a
node's proof is no operator's (the write path checks those: resolver/integrity/operator.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import orjson

from resolver.config import ConfigError, NodeConfig
from resolver.errors import DocumentError, ResolverError
from resolver.integrity.errors import ProofError, UnusableKey
from resolver.integrity.keyring import KeyEntry, time_text
from resolver.integrity.multikey import public_key_from_multibase
from resolver.integrity.proofs import CRYPTOSUITE, VerificationKey, unsecured_nquads, verify
from resolver.jsontypes import JSONObject

__all__ = ["NodeKeys", "node_keys", "node_proofs"]


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
    from resolver.integrity.part import keys_directory, node_base_url
    from resolver.integrity.pins import with_pinned_keys
    from resolver.integrity.signer import key_url

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


def node_proofs(body: bytes, keys: NodeKeys) -> tuple[bytes, tuple[str, ...]]:
    """``body`` (our JSON-LD) without the proofs by a node's key, each checked first, and what
    was found of each (``proof[0]: eddsa-rdfc-2022 by <url> (this node's key ...): verified``);
    DocumentError naming the proof that does not verify. Other proofs (an operator's) stay."""
    if b'"proof"' not in body:
        return body, ()
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body, ()  # refused by the reader, with its reason
    found = document.get("proof") if isinstance(document, dict) else None
    listed = found if isinstance(found, list) else [found] if found is not None else []
    if not listed or not all(isinstance(proof, dict) for proof in listed):
        return body, ()  # none, or malformed: resolver.integrity.operator refuses it
    ours = {
        i for i, proof in enumerate(listed)
        if isinstance(proof.get("verificationMethod"), str) and keys.holds(proof["verificationMethod"])
    }  # fmt: skip
    if not ours:
        return body, ()
    nquads = unsecured_nquads(document)
    said = tuple(
        _check(document, listed[i], f"proof[{i}]" if isinstance(found, list) else "proof", keys, nquads)
        for i in sorted(ours)
    )
    rest = [proof for i, proof in enumerate(listed) if i not in ours]
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    if rest:
        unsigned["proof"] = rest if len(rest) > 1 else rest[0]
    return orjson.dumps(unsigned), said


def _check(document: JSONObject, proof: JSONObject, path: str, keys: NodeKeys, nquads: bytes) -> str:
    method = str(proof["verificationMethod"])
    suite = proof.get("cryptosuite") or proof.get("type")
    key = keys.known(method)
    if key is None:
        return (
            f"{path}: {suite} by {method}: not checked (under this node's URL, but its keyring "
            "holds no such key: a document of another store served at the same URL?)"
        )
    try:
        verify({**document, "proof": proof}, resolve_key=lambda _: key, document_nquads=nquads)
    except ProofError as err:
        raise DocumentError(
            f"{path}: the proof by {method} ({keys.whose(method)}) does not verify: {err.detail}"
        ) from None
    return f"{path}: {CRYPTOSUITE} by {method} ({keys.whose(method)}): verified"
