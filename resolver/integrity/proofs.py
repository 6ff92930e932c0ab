"""W3C Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (vc-di-eddsa, section 3.3).

hashData = SHA-256(canonical proof configuration) || SHA-256(canonical document); the proof
value is the Ed25519 signature of hashData, multibase base58btc. The document is everything but
its ``proof``; the proof configuration is the proof without ``proofValue``, read in the
document's ``@context``. A document may carry several proofs (a proof set): each signs the same
unsecured document, and each is checked on its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import datetime

import orjson
import pyoxigraph
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from resolver import jsonld
from resolver.errors import ResolverError
from resolver.integrity.canon import Contexts, canonical_nquads, document_quads
from resolver.integrity.errors import ProofError, UnusableKey
from resolver.integrity.multikey import multibase_decode, multibase_encode
from resolver.jsontypes import JSON, JSONObject

__all__ = [
    "CREDENTIALS_V2",
    "CRYPTOSUITE",
    "DATA_INTEGRITY_V2",
    "PROOF_HEADER",
    "KeyResolver",
    "VerificationKey",
    "Verified",
    "create_proof",
    "hash_data",
    "proof_config_nquads",
    "proof_header",
    "secure",
    "secure_json",
    "unsecured",
    "unsecured_body",
    "unsecured_nquads",
    "verify",
    "with_proof_context",
    "with_proof_header",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
_OURS_SIGNED = [jsonld.CONTEXT_URL, DATA_INTEGRITY_V2]
# Contexts that define DataIntegrityProof and its properties.
_PROOF_CONTEXTS = frozenset({DATA_INTEGRITY_V2, CREDENTIALS_V2})


@dataclasses.dataclass(frozen=True, slots=True)
class VerificationKey:
    """A public key a verification method names, and when it may sign (None: no bound)."""

    public_key: Ed25519PublicKey
    valid_from: datetime | None = None
    valid_until: datetime | None = None


# verification method URL -> its key; raises UnusableKey when it cannot say.
KeyResolver = Callable[[str], VerificationKey]


@dataclasses.dataclass(frozen=True, slots=True)
class Verified:
    """One proof that verified."""

    verification_method: str
    created: str | None
    proof_purpose: str


def unsecured(document: JSONObject) -> JSONObject:
    """The document without its proof(s)."""
    return {key: value for key, value in document.items() if key != "proof"}


def unsecured_nquads(document: JSONObject, contexts: Contexts | None = None) -> bytes:
    """Canonical N-Quads of the unsecured document: what a proof signs (of :func:`unsecured_body`)."""
    return canonical_nquads(document_quads(unsecured_body(document), contexts))


def unsecured_body(document: JSONObject) -> JSONObject:
    """The unsecured document as a verifier reads it.

    A passport in our context alone plus the Data Integrity context (as :func:`with_proof_context`
    makes it) is read without the latter when it uses neither ``proof`` nor ``DataIntegrityProof``:
    both contexts define ``id`` and ``type`` alike, so the graph is the same, and our context
    alone takes resolver.jsonld's fast path.
    """
    body = unsecured(document)
    if body.get("@context") == _OURS_SIGNED:
        text = orjson.dumps(body)
        if b'"proof"' not in text and b"DataIntegrityProof" not in text:
            body["@context"] = jsonld.CONTEXT_URL
    return body


def with_proof_context(document: JSONObject) -> JSONObject:
    """The document with the Data Integrity context added to its ``@context`` when none of its
    contexts defines DataIntegrityProof. The document's graph is unchanged: the added context
    defines only ``id``, ``type`` (as every context here does) and the proof terms."""
    context = document.get("@context")
    listed = context if isinstance(context, list) else [] if context is None else [context]
    if any(isinstance(item, str) and item in _PROOF_CONTEXTS for item in listed):
        return document
    rest = {key: value for key, value in document.items() if key != "@context"}
    return {"@context": [*listed, DATA_INTEGRITY_V2], **rest}


def proof_config_nquads(proof: JSONObject, context: JSON, contexts: Contexts | None = None) -> bytes:
    """Canonical N-Quads of the proof configuration: the proof less ``proofValue``, in ``context``.

    A proof with only the usual options, in a context list that holds a Data Integrity context,
    is built directly (the protected, type-scoped proof terms leave no other reading);
    tests/integrity/test_proofs.py checks it against pyld's reading.
    """
    config = {key: value for key, value in proof.items() if key not in ("proofValue", "@context")}
    key = _config_key(config, context)
    known = _CONFIGS.get(key) if key is not None else None
    if known is not None:
        return known
    direct = _direct_config(config, context)
    if direct is not None:
        data = _lone_blank_nquads(direct)
        if key is not None:
            if len(_CONFIGS) >= _CONFIGS_KEPT:
                _CONFIGS.clear()
            _CONFIGS[key] = data
        return data
    if context is not None:
        config["@context"] = context
    return canonical_nquads(document_quads(config, contexts))


# Canonical N-Quads of proof configurations built directly (a pure function of the options and
# the context): every view of a version, and every version signed in the same second, share one.
_CONFIGS: dict[tuple[object, ...], bytes] = {}
_CONFIGS_KEPT = 1024


def _config_key(config: JSONObject, context: JSON) -> tuple[object, ...] | None:
    """A key for :data:`_CONFIGS`: the options and the context, when all are strings."""
    options: list[tuple[str, str]] = []
    for name, value in sorted(config.items()):
        if not isinstance(value, str):
            return None
        options.append((name, value))
    urls: list[str] = []
    for item in context if isinstance(context, list) else [context]:
        if not isinstance(item, str):
            return None
        urls.append(item)
    return (tuple(options), tuple(urls))


_SEC = "https://w3id.org/security#"
_PURPOSES = {
    "assertionMethod": _SEC + "assertionMethod",
    "authentication": _SEC + "authenticationMethod",
    "capabilityInvocation": _SEC + "capabilityInvocationMethod",
    "capabilityDelegation": _SEC + "capabilityDelegationMethod",
    "keyAgreement": _SEC + "keyAgreementMethod",
}
_DIRECT_KEYS = frozenset({"type", "cryptosuite", "created", "verificationMethod", "proofPurpose"})
_RDF_TYPE = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CREATED = pyoxigraph.NamedNode("http://purl.org/dc/terms/created")
_DATE_TIME = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


def _text(value: object) -> str | bool | None:
    """``value`` when it is a string or absent (None); False otherwise."""
    return value if isinstance(value, str) or value is None else False


def _direct_config(config: JSONObject, context: JSON) -> list[pyoxigraph.Triple] | None:
    """The proof configuration's triples, or None when only a JSON-LD processor may say."""
    listed = context if isinstance(context, list) else [context]
    if not any(isinstance(item, str) and item in _PROOF_CONTEXTS for item in listed):
        return None
    if config.get("type") != PROOF_TYPE or not set(config) <= _DIRECT_KEYS:
        return None
    suite, created = config.get("cryptosuite"), config.get("created")
    method, purpose = config.get("verificationMethod"), config.get("proofPurpose")
    if not (
        isinstance(suite, str | None)
        and isinstance(created, str | None)
        and isinstance(method, str | None)
        and isinstance(purpose, str | None)
    ):
        return None
    if purpose is not None and purpose not in _PURPOSES:
        return None
    node = pyoxigraph.BlankNode("proof")
    triples = [pyoxigraph.Triple(node, _RDF_TYPE, pyoxigraph.NamedNode(_SEC + PROOF_TYPE))]
    try:
        if suite is not None:
            suite_type = pyoxigraph.NamedNode(_SEC + "cryptosuiteString")
            triples.append(_triple(node, "cryptosuite", pyoxigraph.Literal(suite, datatype=suite_type)))
        if created is not None:
            stamp = pyoxigraph.Literal(created, datatype=_DATE_TIME)
            triples.append(pyoxigraph.Triple(node, _CREATED, stamp))
        if method is not None:
            if not _absolute(method):
                return None
            triples.append(_triple(node, "verificationMethod", pyoxigraph.NamedNode(method)))
        if purpose is not None:
            triples.append(_triple(node, "proofPurpose", pyoxigraph.NamedNode(_PURPOSES[purpose])))
    except ValueError:
        return None  # not an IRI pyoxigraph accepts: the processor decides
    return triples


def _lone_blank_nquads(triples: list[pyoxigraph.Triple]) -> bytes:
    """Canonical N-Quads of distinct triples whose only blank node is their common subject:
    RDFC-1.0 labels a lone blank node ``c14n0``, so the lines are the triples as N-Quads
    (pyoxigraph's term syntax), sorted; no dataset to build and canonicalise (a peer answer's
    proof is checked on every federated miss)."""
    return b"".join(sorted(f"_:c14n0 {t.predicate} {t.object} .\n".encode() for t in triples))


def _triple(
    node: pyoxigraph.BlankNode, name: str, value: pyoxigraph.NamedNode | pyoxigraph.Literal
) -> pyoxigraph.Triple:
    return pyoxigraph.Triple(node, pyoxigraph.NamedNode(_SEC + name), value)


def _absolute(iri: str) -> bool:
    scheme, colon, _ = iri.partition(":")
    return bool(colon) and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme)


def hash_data(config_nquads: bytes, document_nquads: bytes) -> bytes:
    """The 64 bytes eddsa-rdfc-2022 signs."""
    return hashlib.sha256(config_nquads).digest() + hashlib.sha256(document_nquads).digest()


def create_proof(
    document: JSONObject,
    *,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    proof_purpose: str = "assertionMethod",
    document_nquads: bytes | None = None,
    contexts: Contexts | None = None,
) -> JSONObject:
    """A DataIntegrityProof over ``document`` (its proofs left out).

    ``document_nquads``, when the caller already holds the canonical N-Quads of the document's
    graph (the write path does), saves reading the document again; it must be that graph's.
    The document's ``@context`` must define the proof terms (see :func:`with_proof_context`).
    """
    proof: JSONObject = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if document_nquads is None:
        document_nquads = unsecured_nquads(document, contexts)
    config = proof_config_nquads(proof, document.get("@context"), contexts)
    signature = key.sign(hash_data(config, document_nquads))
    proof["proofValue"] = multibase_encode(signature)
    return proof


def secure(
    document: JSONObject,
    *,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    document_nquads: bytes | None = None,
    contexts: Contexts | None = None,
) -> JSONObject:
    """The document with the proof context (if needed) and a new proof; proofs it already has
    are kept, and the new one joins them in a proof set."""
    prepared = with_proof_context(document)
    proof = create_proof(
        prepared,
        key=key,
        verification_method=verification_method,
        created=created,
        document_nquads=document_nquads,
        contexts=contexts,
    )
    existing = prepared.get("proof")
    proofs = [] if existing is None else existing if isinstance(existing, list) else [existing]
    return {**prepared, "proof": proof if not proofs else [*proofs, proof]}


_CONTEXT_HEAD = b'{"@context":"'


def secure_json(
    view: bytes,
    *,
    key: Ed25519PrivateKey,
    verification_method: str,
    created: str,
    document_hash: bytes,
) -> bytes | None:
    """``orjson.dumps(secure(orjson.loads(view), ...))`` without reading the view: the proof
    spliced into its bytes (the write path signs three views per version; reading and writing
    each again cost more than its signature). ``view`` must be as ``orjson.dumps`` writes it
    (the views the validation workers frame are): its bytes are kept as they are. None unless
    its ``@context`` comes first and is one plain string outside :data:`_PROOF_CONTEXTS`, with
    no ``proof`` anywhere: :func:`secure` is then for the caller.

    ``document_hash``: SHA-256 of the view's canonical N-Quads (what :func:`hash_data` takes).
    tests/integrity/test_seal_bytes.py checks the bytes against :func:`secure`'s.
    """
    if not view.startswith(_CONTEXT_HEAD) or not view.endswith(b"}") or b'"proof"' in view:
        return None
    end = view.find(b'"', len(_CONTEXT_HEAD))
    if end < 0 or view[end + 1 : end + 2] not in (b",", b"}"):
        return None
    url = view[len(_CONTEXT_HEAD) : end]
    parts = _SPLICES.get((url, created, verification_method))
    if parts is None:
        parts = _splice_parts(url, created, verification_method)
        if parts is None:
            return None
    head, config_hash, proof_head = parts
    value = multibase_encode(key.sign(config_hash + document_hash))
    return b"".join((head, view[end + 1 : -1], proof_head, value.encode(), b'"}}'))


# (context URL, created, verification method) -> what every view signed with them shares: the
# signed view's head, SHA-256 of the proof configuration, the proof's JSON up to its value.
_SPLICES: dict[tuple[bytes, str, str], tuple[bytes, bytes, bytes]] = {}


def _splice_parts(url: bytes, created: str, verification_method: str) -> tuple[bytes, bytes, bytes] | None:
    if b"\\" in url:
        return None
    text = url.decode()
    if text in _PROOF_CONTEXTS:
        return None
    context: list[JSON] = [text, DATA_INTEGRITY_V2]
    proof: JSONObject = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    config_hash = hashlib.sha256(proof_config_nquads(proof, context)).digest()
    proof_head = b',"proof":' + orjson.dumps(proof)[:-1] + b',"proofValue":"'
    parts = (b'{"@context":' + orjson.dumps(context), config_hash, proof_head)
    if len(_SPLICES) >= _CONFIGS_KEPT:
        _SPLICES.clear()
    _SPLICES[(url, created, verification_method)] = parts
    return parts


def verify(
    document: JSONObject,
    *,
    resolve_key: KeyResolver,
    contexts: Contexts | None = None,
    document_nquads: bytes | None = None,
) -> list[Verified]:
    """Check every proof of ``document``; ProofError naming the first that fails.

    A document without a proof fails. ``document_nquads`` as for :func:`create_proof`.
    """
    if not isinstance(document, dict):
        raise ProofError("a signed document must be a JSON object")
    found = document.get("proof")
    if found is None:
        raise ProofError("the document has no proof")
    proofs = found if isinstance(found, list) else [found]
    if not proofs:
        raise ProofError("the document has no proof")
    if document_nquads is None:
        document_nquads = unsecured_nquads(document, contexts)
    context = document.get("@context")
    return [_verify_one(proof, context, document_nquads, resolve_key, contexts) for proof in proofs]


def _verify_one(
    proof: object,
    context: JSON,
    document_nquads: bytes,
    resolve_key: KeyResolver,
    contexts: Contexts | None,
) -> Verified:
    if not isinstance(proof, dict):
        raise ProofError("a proof must be a JSON object")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(
            f"unsupported proof: type {proof.get('type')!r}, cryptosuite {proof.get('cryptosuite')!r}; "
            f"this node checks {PROOF_TYPE} with {CRYPTOSUITE}"
        )
    method, purpose = proof.get("verificationMethod"), proof.get("proofPurpose")
    created = proof.get("created")
    if not isinstance(method, str) or not isinstance(purpose, str):
        raise ProofError("the proof must name its verificationMethod and proofPurpose")
    if created is not None and not isinstance(created, str):
        raise ProofError("the proof's created time must be a string")
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise ProofError("the proof has no proofValue string")
    try:
        signature = multibase_decode(value)
    except UnusableKey as err:
        raise ProofError(f"the proofValue is unusable: {err.detail}") from err
    if len(signature) != 64:
        raise ProofError(f"the proofValue is {len(signature)} bytes; an Ed25519 signature is 64")
    try:
        key = resolve_key(method)
    except ResolverError as err:
        raise ProofError(f"the verification method {method!r} cannot be used: {err.detail}") from err
    _check_validity(key, created, method)
    config = proof_config_nquads(proof, context, contexts)
    try:
        key.public_key.verify(signature, hash_data(config, document_nquads))
    except InvalidSignature as err:
        raise ProofError(f"the proof by {method!r} does not match the document") from err
    return Verified(verification_method=method, created=created, proof_purpose=purpose)


def _check_validity(key: VerificationKey, created: str | None, method: str) -> None:
    if key.valid_from is None and key.valid_until is None:
        return
    if created is None:
        raise ProofError(f"the key {method!r} has a validity period; the proof must say when it was created")
    try:
        when = datetime.fromisoformat(created)
    except ValueError as err:
        raise ProofError(f"the proof's created time is not a date-time: {created!r}") from err
    if when.tzinfo is None:
        raise ProofError(f"the proof's created time has no time zone: {created!r}")
    if (key.valid_from is not None and when < key.valid_from) or (
        key.valid_until is not None and when >= key.valid_until
    ):
        raise ProofError(f"the proof was created at {created}, outside the validity period of {method!r}")


PROOF_HEADER = "Passport-Proof"


def proof_header(document: JSONObject) -> str:
    """The ``Passport-Proof`` header value for a Turtle or N-Triples rendering of a signed view:
    the view's ``@context`` and ``proof`` as compact JSON. Its graph is the rendered one, so
    :func:`with_proof_header` rebuilds a document :func:`verify` checks."""
    return orjson.dumps({"@context": document.get("@context"), "proof": document["proof"]}).decode()


def with_proof_header(graph_document: JSONObject, header: str) -> JSONObject:
    """A document to verify from a rendering's graph (as JSON-LD, e.g. expanded) and its header."""
    try:
        carried = orjson.loads(header)
    except orjson.JSONDecodeError as err:
        raise ProofError("the Passport-Proof header is not JSON") from err
    if not isinstance(carried, dict) or "proof" not in carried:
        raise ProofError("the Passport-Proof header carries no proof")
    return {**graph_document, "@context": carried.get("@context"), "proof": carried["proof"]}
