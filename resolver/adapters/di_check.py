"""Checking a Data Integrity proof embedded in a credential (``proof``), offline.

``eddsa-rdfc-2022`` signs the credential's canonical graph (RDFC-1.0), so checking it needs
every JSON-LD context the credential names, read offline (the node fetches nothing): those the
node ships (resolver/jsonld.py ``ACCEPTED_CONTEXTS``: the W3C VC 2.0 and Data Integrity
contexts among them). A UNTP credential always names the UNTP context, which is not shipped
(docs/adapters.md, "UNTP"): its embedded proof is reported as not checked, naming that context.
When every context is held, each proof is checked with a key had offline: the caller's
(``known``: the node's own keys, its peers' pinned ones) or a ``did:key``; a key that would need
a fetch (``did:web``, a URL) leaves it not checked, said so. A proof that does not verify
refuses the credential, with its path (``proof``, ``proof[1]``).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from resolver import jsonld
from resolver.adapters.jws_check import KnownKeys
from resolver.errors import DocumentError, ResolverError
from resolver.integrity.errors import ProofError
from resolver.integrity.multikey import public_key_from_did_key
from resolver.integrity.proofs import KeyResolver, VerificationKey, unsecured_nquads, verify
from resolver.jsontypes import JSONObject

__all__ = ["check"]


def check(doc: JSONObject, known: KnownKeys | None = None) -> str | None:
    """What was found of ``doc``'s embedded proof(s) (None: it has none); DocumentError when
    one does not verify."""
    found = doc.get("proof")
    if found is None:
        return None
    listed = [proof for proof in (found if isinstance(found, list) else [found]) if isinstance(proof, dict)]
    if not listed or len(listed) != (len(found) if isinstance(found, list) else 1):
        raise DocumentError("proof: a Data Integrity proof is a JSON object, or a list of them")
    context = doc.get("@context")
    names = context if isinstance(context, list) else [context]
    missing = [name for name in names if isinstance(name, str) and name not in jsonld.ACCEPTED_CONTEXTS]
    said: list[str] = []
    nquads: bytes | None = None
    for i, proof in enumerate(listed):
        path = f"proof[{i}]" if isinstance(found, list) else "proof"
        suite, method = proof.get("cryptosuite") or proof.get("type"), proof.get("verificationMethod")
        head = f"{path}: {suite} by {method}"
        if missing:
            said.append(
                f"{head}: not checked (the credential's context {missing[0]} is not held offline, "
                "so its graph cannot be canonicalised)"
            )
            continue
        key = _key(method, known) if isinstance(method, str) else None
        if key is None:
            said.append(f"{head}: not checked (its key is not resolved offline)")
            continue
        try:
            if nquads is None:
                nquads = unsecured_nquads(doc)
            verify({**doc, "proof": proof}, resolve_key=_fixed(key), document_nquads=nquads)
        except ProofError as err:
            raise DocumentError(f"{path}: the proof does not verify: {err.detail}") from None
        said.append(f"{head}: verified")
    return "; ".join(said)


def _fixed(key: VerificationKey) -> KeyResolver:
    return lambda _: key


def _key(method: str, known: KnownKeys | None) -> VerificationKey | None:
    held = known(method) if known is not None else None
    if isinstance(held, VerificationKey):
        return held
    if isinstance(held, Ed25519PublicKey):
        return VerificationKey(held)
    if held is not None:
        raise DocumentError(f"proof: the key of {method} is no Ed25519 key, which eddsa-rdfc-2022 needs")
    if method.startswith("did:key:"):
        try:
            return VerificationKey(public_key_from_did_key(method))
        except ResolverError as err:
            raise DocumentError(f"proof: the key {method[:80]!r} cannot be used ({err.detail})") from None
    return None
