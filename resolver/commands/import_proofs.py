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

import orjson

from resolver.errors import DocumentError
from resolver.integrity.errors import ProofError
from resolver.integrity.proofs import CRYPTOSUITE, unsecured_nquads, verify
from resolver.jsontypes import JSONObject
from resolver.parts.held_keys import NodeKeys, node_keys

__all__ = ["NodeKeys", "node_keys", "node_proofs"]


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
