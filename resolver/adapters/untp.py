"""UNTP (UN Transparency Protocol) Digital Product Passport credentials, 0.5.0 and later, in
and out of the eu-battery model.

A UNTP DPP is a W3C Verifiable Credential (``type`` DigitalProductPassport) whose
``credentialSubject`` is a ProductPassport about one ``product`` (0.5 and 0.6), or the Product
itself (0.7). The credential is read by its published JSON Schema (field names), not by JSON-LD
expansion, since no published copy of the UNTP context can be shipped (docs/adapters.md); the
version comes from the context URL (``.../vocabulary/untp/dpp/0.6.1/``,
``https://vocabulary.uncefact.org/untp/0.7.0/context/``).

In, field by field (``product`` is ``credentialSubject.product``, from 0.7 ``credentialSubject``;
0.7 names the serial ``itemNumber`` and the materials ``materialProvenance``):

- ``product.id`` (else ``credentialSubject.id``) -> the passport's ``id``;
- ``product.idGranularity`` (``item``, ``batch``, ``model``) -> ``granularity``;
- ``product.name`` -> ``productName`` (not when it only repeats the id or the model, which is the
  name this exporter gives a product that has none); ``serialNumber``, ``batchNumber`` -> same;
- ``product.productionDate`` -> ``manufacturingDate`` (checked; ``2026-03`` is a month and year);
- ``product.dimensions.weight`` in KGM or GRM -> ``weight`` in kg;
- ``product.characteristics``: UNTP's open extension point; each key that is a term of our
  context is taken as that term (this is where the battery data travels), others are listed;
- ``emissionsScorecard`` declared per KWH (or per MJ, x 3.6) -> ``carbonFootprint.total``;
- ``materialsProvenance`` cobalt, lithium, nickel, lead ``recycledMassFraction`` -> the
  ``recycledContent`` shares (fraction x 100 %);
- ``dueDiligenceDeclaration.linkURL`` -> ``dueDiligence.reportUrl``;
- ``issuer`` (and the credential's ``id``) are recorded (``Credential.issuer``), not put into
  the passport; an embedded ``proof`` is listed as not mapped, and what its check found is
  recorded (``issuer["proof"]``, resolver/adapters/di_check.py: not checked while the UNTP
  context is not held offline).

Out (``to_credential``) writes the same fields back, and every other term of the passport into
``product.characteristics``, so in -> out -> in gives the same graph.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard
from urllib.parse import urlsplit

from resolver import jsonld
from resolver.adapters import di_check, envelope, jws_check
from resolver.adapters.dates import check_date, date_value
from resolver.adapters.jws_check import KnownKeys
from resolver.adapters.paths import unread
from resolver.adapters.reader import PathReader
from resolver.errors import DocumentError

__all__ = ["MEDIA_TYPES", "Credential", "convert_with_notes", "detect_version", "to_credential"]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
DPP_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dpp/{version}/"
OUT_VERSION = "0.6.1"
# A UNTP credential on PUT: the VC 2.0 media types.
MEDIA_TYPES = ("application/vc", "application/vc+ld+json")
_VERSION = re.compile(r"/vocabulary/untp/dpp/(\d+)\.(\d+)\.(\d+)/?$|/untp/(\d+)\.(\d+)\.(\d+)/context/?$")
_GRANULARITY = ("item", "batch", "model")
_WEIGHT_TO_KG = {"KGM": 1.0, "GRM": 0.001}
_PER_KWH = {"KWH": 1.0, "MJ": 3.6, "MJL": 3.6}  # kg CO2e per declared unit -> per kWh
_RECYCLED = {"cobalt": "recycledCobaltShare", "lithium": "recycledLithiumShare",
             "nickel": "recycledNickelShare", "lead": "recycledLeadShare"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a UNTP version keeps the product, its serial number and its materials."""

    product: tuple[str, ...]
    serial: str
    materials: str


_UP_TO_06 = _Layout(("credentialSubject", "product"), "serialNumber", "materialsProvenance")
_FROM_07 = _Layout(("credentialSubject",), "itemNumber", "materialProvenance")


@dataclass(frozen=True, slots=True)
class Credential:
    """A passport read from a UNTP credential, the UNTP version, its issuer, what was not mapped."""

    document: dict[str, object]
    version: str
    issuer: dict[str, str]
    unmapped: tuple[str, ...]


def detect_version(doc: object) -> str | None:
    """The UNTP DPP version named by the credential's context (an enveloped credential's: the
    one inside), or None if it names none."""
    if envelope.is_enveloped(doc) and isinstance(doc, dict):
        try:
            doc = envelope.open_envelope(doc).credential
        except DocumentError:
            return None
    context = doc.get("@context") if isinstance(doc, dict) else None
    for name in context if isinstance(context, list) else [context]:
        match = _VERSION.search(name) if isinstance(name, str) else None
        if match is not None:
            return ".".join(part for part in match.groups() if part is not None)
    return None


def convert_with_notes(doc: object, *, iri: str | None = None, known: KnownKeys | None = None) -> Credential:
    """The eu-battery passport (compact JSON-LD) in a UNTP DPP credential; DocumentError if the
    credential is not one, is older than 0.5.0, or holds an impossible value (with its path).
    An enveloped credential (vc+jwt) is read from inside its envelope, its signature checked
    with the keys ``known`` (the node's) or offline."""
    if envelope.is_enveloped(doc) and isinstance(doc, dict):
        return _enveloped(doc, iri, known)
    version = detect_version(doc)
    if not isinstance(doc, dict) or version is None:
        raise DocumentError(
            "not a UNTP Digital Product Passport: no .../vocabulary/untp/dpp/{version}/ "
            "(nor .../untp/{version}/context/) context"
        )
    major, minor, _ = (int(part) for part in version.split("."))
    if (major, minor) < (0, 5):
        raise DocumentError(f"UNTP DPP {version}: this node reads 0.5.0 and later")
    types = doc.get("type")
    if "DigitalProductPassport" not in (types if isinstance(types, list) else [types]):
        raise DocumentError("type: a UNTP passport credential has the type DigitalProductPassport")
    layout = _UP_TO_06 if (major, minor) < (0, 7) else _FROM_07
    get = PathReader(doc)
    document = _passport(get, iri, layout)
    read = get.read | {
        "@context",
        "type",
        "id",
        "issuer",
        "credentialSubject.type",
        ".".join((*layout.product, "type")),
    }
    issuer = _issuer(doc.get("issuer"))
    if isinstance(doc.get("id"), str):
        issuer["credential"] = str(doc["id"])
    proof = di_check.check(doc, known)
    if proof is not None:
        issuer["proof"] = proof
    return Credential(document, version, issuer, unread(doc, read))


def _enveloped(doc: dict[str, object], iri: str | None, known: KnownKeys | None) -> Credential:
    """The credential in a vc+jwt envelope, its signature checked offline (resolver/adapters/
    jws_check.py): a bad one refuses it; one whose key is not to be had without a fetch (a
    did:web) is recorded as not checked, in ``issuer["envelope"]``."""
    opened = envelope.open_envelope(doc)
    verdict = jws_check.check(opened, known)
    inner = convert_with_notes(opened.credential, iri=iri, known=known)
    issuer = {**inner.issuer, "envelope": verdict.said}
    outer = unread(doc, {"@context", "type", "id"})
    return Credential(
        inner.document, inner.version, issuer, (*inner.unmapped, "id (the vc+jwt signature)", *outer)
    )


def _passport(get: PathReader, iri: str | None, layout: _Layout) -> dict[str, object]:
    product = layout.product
    identifier = iri or get.text(*product, "id") or get.text("credentialSubject", "id")
    if not identifier:
        raise DocumentError(f"{'.'.join((*product, 'id'))}: missing, and no IRI was given")
    get.text("credentialSubject", "id")
    doc: dict[str, object] = {"@context": jsonld.CONTEXT_URL, "id": identifier, "type": "BatteryPassport"}
    characteristics = _characteristics(get, product)
    name = get.text(*product, "name")
    if name and name not in (identifier, characteristics.get("model")):
        doc["productName"] = name
    for term, field in (("serialNumber", layout.serial), ("batchNumber", "batchNumber")):
        text = get.text(*product, field)
        if text:
            doc[term] = text
    granularity = get.section(*product).get("idGranularity")  # another value stays not mapped
    if granularity in _GRANULARITY:
        get.read.add(".".join((*product, "idGranularity")))
        doc["granularity"] = granularity
    made = get.text(*product, "productionDate")
    if made:
        doc["manufacturingDate"] = date_value(check_date(".".join((*product, "productionDate")), made))
    weight = _weight(get, product)
    if weight is not None:
        doc["weight"] = weight
    extra = {
        "carbonFootprint": _footprint(get),
        "recycledContent": _recycled(get, layout.materials),
        "dueDiligence": _due_diligence(get),
    }
    for term, value in extra.items():
        if value is not None and term not in characteristics:
            doc[term] = value
    doc.update(characteristics)
    return doc


def _characteristics(get: PathReader, product: tuple[str, ...]) -> dict[str, object]:
    terms = jsonld.context_terms()
    known = terms.terms if terms is not None else {}
    found = get.section(*product, "characteristics")
    taken: dict[str, object] = {}
    for key, value in found.items():
        if key in known and key not in ("id", "type") and value is not None:
            taken[key] = value
            get.read.add(".".join((*product, "characteristics", key)))
    return taken


def _weight(get: PathReader, product: tuple[str, ...]) -> dict[str, object] | None:
    weight = get.section(*product, "dimensions", "weight")
    value, unit = weight.get("value"), weight.get("unit")
    if not _number(value) or unit not in _WEIGHT_TO_KG:
        return None  # left in the not-mapped list
    get.read.add(".".join((*product, "dimensions", "weight")))
    return {"value": value * _WEIGHT_TO_KG[str(unit)], "unit": "KGM"}


def _footprint(get: PathReader) -> dict[str, object] | None:
    card = get.section("credentialSubject", "emissionsScorecard")
    value, unit = card.get("carbonFootprint"), card.get("declaredUnit")
    if not _number(value) or unit not in _PER_KWH:
        return None
    get.read.update({"credentialSubject.emissionsScorecard.carbonFootprint",
                     "credentialSubject.emissionsScorecard.declaredUnit"})  # fmt: skip
    return {"total": {"value": value * _PER_KWH[str(unit)], "unit": "kgCO2e/kWh"}}


def _recycled(get: PathReader, field: str) -> dict[str, object] | None:
    shares: dict[str, object] = {}
    materials = get.section("credentialSubject").get(field)  # its other fields stay not mapped
    for material in materials if isinstance(materials, list) else []:
        if not isinstance(material, dict):
            continue
        term = _RECYCLED.get(str(material.get("name", "")).strip().lower())
        fraction = material.get("recycledMassFraction")
        if term is not None and _number(fraction):
            if not 0 <= fraction <= 1:
                raise DocumentError(
                    f"credentialSubject.{field} ({material['name']}).recycledMassFraction: "
                    f"{fraction!r} is not a fraction between 0 and 1"
                )
            shares[term] = round(fraction * 100, 10)
    if shares:
        get.read.update({f"credentialSubject.{field}.name",
                         f"credentialSubject.{field}.recycledMassFraction"})  # fmt: skip
    return shares or None


def _due_diligence(get: PathReader) -> dict[str, object] | None:
    url = get.text("credentialSubject", "dueDiligenceDeclaration", "linkURL")
    return {"reportUrl": url} if url else None


def _issuer(issuer: object) -> dict[str, str]:
    if isinstance(issuer, str):
        return {"id": issuer}
    if isinstance(issuer, dict):
        return {key: str(issuer[key]) for key in ("id", "name") if isinstance(issuer.get(key), str)}
    return {}


def to_credential(doc: object, *, issuer: Mapping[str, str] | None = None) -> dict[str, object]:
    """A UNTP DPP credential (0.6.1 shape, unsigned) for one of our passports. ``issuer`` is
    ``{"id": URI, "name": ...}``; by default ``did:web:`` of the passport's host, named after
    its operator or manufacturer."""
    compact = jsonld.compact_expanded(jsonld.expand(doc))
    identifier = compact.get("id")
    if not isinstance(identifier, str):
        raise DocumentError("the passport has no id")
    rest: dict[str, object] = {
        _as_term(k): v for k, v in compact.items() if k not in ("@context", "id", "type", "proof")
    }
    product, written = _product(identifier, rest)
    characteristics = {k: v for k, v in rest.items() if k not in written}
    if characteristics:
        product["characteristics"] = characteristics
    who = dict(issuer) if issuer else _default_issuer(identifier, rest)
    return {
        "@context": [VC_CONTEXT, DPP_CONTEXT.format(version=OUT_VERSION)],
        "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identifier)}",
        "issuer": {"type": ["CredentialIssuer"], **who},
        "credentialSubject": {"type": ["ProductPassport"], "id": identifier, "product": product},
    }


def _product(identifier: str, rest: Mapping[str, object]) -> tuple[dict[str, object], set[str]]:
    """The UNTP product with the fields it holds natively, and the terms written there."""
    product: dict[str, object] = {"type": ["Product"], "id": identifier}
    written: set[str] = set()
    name, model = rest.get("productName"), rest.get("model")
    product["name"] = name if isinstance(name, str) else model if isinstance(model, str) else identifier
    if isinstance(name, str):
        written.add("productName")
    for term in ("serialNumber", "batchNumber"):
        if isinstance(rest.get(term), str):
            product[term] = rest[term]
            written.add(term)
    if rest.get("granularity") in _GRANULARITY:
        product["idGranularity"] = rest["granularity"]
        written.add("granularity")
    made = rest.get("manufacturingDate")
    made = made.get("@value") if isinstance(made, dict) else made
    if isinstance(made, str):
        product["productionDate"] = made
        written.add("manufacturingDate")
    weight = rest.get("weight")
    if isinstance(weight, dict) and set(weight) == {"value", "unit"} and weight["unit"] == "KGM":
        product["dimensions"] = {"weight": {"value": weight["value"], "unit": "KGM"}}
        written.add("weight")
    return product, written


def _as_term(key: str) -> str:
    """``manufacturingDate`` for the compact IRI a month and year compacts to (its datatype is
    not the term's), so the exporter finds it; any other key as it is."""
    terms = jsonld.context_terms()
    if terms is None or ":" not in key:
        return key
    return "manufacturingDate" if terms.expand_compact(key) == terms.key_iri("manufacturingDate") else key


def _default_issuer(identifier: str, rest: Mapping[str, object]) -> dict[str, str]:
    host = urlsplit(identifier).hostname or "localhost"
    name = host
    for term in ("operator", "manufacturer"):
        party = rest.get(term)
        if isinstance(party, dict) and isinstance(party.get("organizationName"), str):
            name = str(party["organizationName"])
            break
    return {"id": f"did:web:{host}", "name": name}


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
