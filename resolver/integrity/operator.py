"""Operator proofs on write (issue 11): a passport PUT with its operator's own Data Integrity
proof (``DataIntegrityProof``, ``eddsa-rdfc-2022``) is stored with that proof, or refused.

The proof is checked against the passport's canonical graph as the node stores it: the
canonical N-Quads (RDFC-1.0) of the authority view, the document served to the authority tier,
in that view's ``@context`` (ours plus the Data Integrity context). So a proof that verifies here
verifies offline on the served document, with `passport-node verify`. A proof that does not
verify is a ProofError (422, nothing stored). A good one joins the authority view's proof set;
the node adds its own when it signs the views (resolver.integrity.signer keeps existing proofs).
The lower tiers' views are redactions of the graph the operator signed, so they carry only the
node's proof.

Keys: ``did:key`` verification methods are resolved offline; a Multikey URL is never fetched at
run time, so it verifies only through a resolver the caller passes in (e.g. pinned keys).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol, TypeVar

import orjson

from resolver.integrity.errors import ProofError
from resolver.integrity.proofs import KeyResolver, Verified, verify, with_proof_context
from resolver.integrity.signer import did_key_resolver
from resolver.jsontypes import JSONObject
from resolver.tiers import Tier

__all__ = ["JSON_MEDIA_TYPES", "ProvablePassport", "attach", "carried_proofs", "kept_in"]

JSON_MEDIA_TYPES = frozenset({"application/ld+json", "application/json", ""})


class ProvablePassport(Protocol):
    """What :func:`attach` reads of a prepared passport (resolver.validation.report's
    ``PreparedPassport``, a dataclass it copies with ``views`` and ``document`` replaced)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def views(self) -> Mapping[Tier, bytes]: ...

    @property
    def nquads(self) -> Mapping[Tier, bytes]: ...


_Prepared = TypeVar("_Prepared", bound=ProvablePassport)


def carried_proofs(
    body: bytes, media_type: str, *, own_methods: str | None = None
) -> tuple[bytes, tuple[JSONObject, ...]]:
    """The body without its top-level ``proof``, and the operator proofs it carried (the body
    unchanged and none for other syntaxes, or when it has no proof).

    Proofs whose verificationMethod starts with ``own_methods`` (this node's key URLs) are the
    node's own, from a served document sent back (a re-PUT, an export imported again): they are
    dropped, not checked, since the node signs every new version itself.

    The proof must go before the body is read: in the Data Integrity context ``proof`` is a
    graph container, so reading it would add a ``sec:proof`` triple to the passport's graph.
    A body that is not a JSON object is left to the reader, which says why it is unusable.
    """
    if media_type not in JSON_MEDIA_TYPES or b'"proof"' not in body:
        return body, ()
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body, ()
    if not isinstance(document, dict) or "proof" not in document:
        return body, ()
    found = document.pop("proof")
    listed = found if isinstance(found, list) else [found]
    if not listed or not all(isinstance(proof, dict) for proof in listed):
        raise ProofError("the passport's proof must be a JSON object or a non-empty array of them")
    return orjson.dumps(document), tuple(proof for proof in listed if not _own(proof, own_methods))


def _own(proof: JSONObject, own_methods: str | None) -> bool:
    method = proof.get("verificationMethod")
    return bool(own_methods) and isinstance(method, str) and method.startswith(own_methods or "")


def attach(
    prepared: _Prepared,
    proofs: tuple[JSONObject, ...],
    *,
    resolve_key: KeyResolver = did_key_resolver,
) -> tuple[_Prepared, list[Verified]]:
    """``prepared`` with ``proofs`` added to its authority view, once each has verified against
    that view's canonical graph; ProofError naming the first that does not."""
    top = max(Tier)
    view, nquads = prepared.views.get(top), prepared.nquads.get(top)
    if view is None or nquads is None:
        raise ProofError("the passport has no canonical graph to check its proof against")
    secured: JSONObject = with_proof_context(orjson.loads(view))
    secured["proof"] = list(proofs) if len(proofs) > 1 else proofs[0]
    try:
        verified = verify(secured, resolve_key=resolve_key, document_nquads=nquads)
    except ProofError as err:
        raise ProofError(
            f"the operator's proof does not verify against the passport's canonical graph "
            f"(RDFC-1.0, eddsa-rdfc-2022): {err.detail}"
        ) from err
    views = {**prepared.views, top: orjson.dumps(secured)}
    return dataclasses.replace(prepared, views=views, document=views[top]), verified


def kept_in(view: bytes, proofs: tuple[JSONObject, ...]) -> bool:
    """Whether a stored view already carries every one of ``proofs`` (then a write of the same
    passport with them changes nothing)."""
    try:
        found = orjson.loads(view).get("proof")
    except (orjson.JSONDecodeError, AttributeError):
        return False
    stored = found if isinstance(found, list) else [found]
    values = {proof.get("proofValue") for proof in stored if isinstance(proof, dict)}
    return all(proof.get("proofValue") in values for proof in proofs)
