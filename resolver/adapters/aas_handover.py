"""The Digital Battery Passport Part 2, Handover Documentation submodel (IDTA-02035-2 1.1), in and
out of our dismantling documents.

Element idShorts and semanticIds are those of the published template (admin-shell-io/
submodel-templates, ``published/Digital Battery Passport/2_Handover Documentation/1/1``, CC BY
4.0; submodel ``HandoverDocumentation``, semanticId ``0173-1#01-AHF578#003``, supplemental
``urn:samm:io.admin-shell.idta.batterypass.handover_documentation:1.0.0#HandoverDocumentation``),
a VDI 2770 document list: ``Documents[]``, each with ``DocumentIds[]`` (``DocumentDomainId``,
``DocumentIdentifier``, ``DocumentIsPrimary``), ``DocumentClassifications[]`` (``ClassName``,
``ClassId``, ``ClassificationSystem``) and ``DocumentVersions[]`` (``Language[]``, ``Version``,
``Title``, ``Subtitle``, ``Description``, ``DigitalFiles[]``, each a File).

Ours are typed document addresses (``dismantlingDocuments``: ``documentType``, ``documentUrl``).
A document is one of them when a classification names our document types
(``ClassificationSystem`` ``https://w3id.org/battery-passport/eu-battery#DocumentTypeValues``,
``ClassId`` the type's IRI, ``https://ref.openepcis.io/extensions/eu/battery/DismantlingManual``,
or its term, ``dismantlingManual``): its address is the first version's first digital file, when
that is a web address. A ClassId in that system that names no type of ours refuses the input
with its path. Listed as not mapped, with the reason: a document classified only otherwise (VDI
2770 ``02-04``: the passport has no such type), one with no web address (a file inside an AASX
package), further versions and files, a version's language, title, subtitle, description and
version, and an identifier other than the document's address. Out, each dismantling document is
one Document, classified in our system, identified by its address (``DocumentIdentifier``, the
address's origin as ``DocumentDomainId``), with one version holding the address as its one File;
the template asks each version's ``Language`` and ``Title``, which the passport does not hold:
they are not written. ``safetyMeasures`` (instruction texts, not documents) is not written.

The identifiers read here are those Part 7 names (``DismantlingAndRemovalInformation``): the
environment reader (aas.py) takes that list as resolved when every identifier names a document
read here.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from resolver.adapters.aas_elements import children, given, text
from resolver.errors import DocumentError

__all__ = ["SEMANTIC_ID", "SYSTEM", "WRITTEN", "Handover", "is_handover", "read", "write"]

SEMANTIC_ID = "0173-1#01-AHF578#003"
SAMM_ID = "urn:samm:io.admin-shell.idta.batterypass.handover_documentation:1.0.0#HandoverDocumentation"
SYSTEM = "https://w3id.org/battery-passport/eu-battery#DocumentTypeValues"
_EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
# our document types: term -> (the concept's local name, its name in English)
_TYPES = {
    "dismantlingManual": ("DismantlingManual", "Dismantling manual"),
    "removalManual": ("RemovalManual", "Removal manual"),
    "explodedDrawing": ("Drawing", "Exploded drawing"),
    "model3D": ("Model3D", "3D model"),
    "billOfMaterial": ("BillOfMaterial", "Bill of material"),
    "safetyDataSheet": ("SafetyDataSheet", "Safety data sheet"),
    "otherManual": ("OtherManual", "Other manual"),
}
_BY_NAME = {name: term for term, (local, _) in _TYPES.items() for name in (term, local, _EUBAT + local)}
WRITTEN = ("dismantlingDocuments",)
# semanticIds, as the template gives them (ECLASS IRDIs)
_DOCUMENTS = "0173-1#02-ABI500#003"
_DOCUMENT = _DOCUMENTS + "/0173-1#01-AHF579#003"
_CLASSIFICATIONS = "0173-1#02-ABI502#003"
_CLASSIFICATION = _CLASSIFICATIONS + "/0173-1#01-AHF581#003"
_IDS = "0173-1#02-ABI501#003"
_ID = _IDS + "/0173-1#01-AHF580#003"
_VERSIONS = "0173-1#02-ABI503#003"
_VERSION = _VERSIONS + "/0173-1#01-AHF582#003"
_IRDI = {"ClassName": "0173-1#02-ABJ219#002", "ClassId": "0173-1#02-ABH996#003",
         "ClassificationSystem": "0173-1#02-ABH997#003", "DocumentDomainId": "0173-1#02-ABH994#003",
         "DocumentIdentifier": "0173-1#02-AAO099#004", "DocumentIsPrimary": "0173-1#02-ABH995#003",
         "DigitalFiles": "0173-1#02-ABK126#002"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Handover:
    """The dismantling documents read, the identifiers of those documents (which Part 7 may
    name), and the idShort paths not mapped."""

    documents: tuple[dict[str, object], ...]
    identifiers: frozenset[str]
    unmapped: tuple[str, ...]


def is_handover(submodel: Mapping[str, object]) -> bool:
    """Whether ``submodel`` is the Part 2 handover documentation (semanticId, else idShort)."""
    semantic = str(submodel.get("semanticId", "")) + str(submodel.get("supplementalSemanticIds", ""))
    return (
        SEMANTIC_ID in semantic
        or "handover_documentation" in semantic
        or submodel.get("idShort") == "HandoverDocumentation"
    )


def _fields(element: Mapping[str, object]) -> dict[str, Mapping[str, object]]:
    return {str(child.get("idShort", "?")): child for child in children(element)}


def read(submodel: Mapping[str, object], name: str) -> Handover:
    """Our dismantling documents from the Part 2 submodel; DocumentError for a ClassId in our
    system that names no document type of ours."""
    documents: list[dict[str, object]] = []
    identifiers: set[str] = set()
    left: list[str] = []
    for element in children(submodel):
        short = str(element.get("idShort", "?"))
        if short != "Documents":
            left += [f"{name}.{short}"] if given(element) else []
            continue
        for index, document in enumerate(children(element)):
            if not given(document):
                continue  # a document with no value at all: no data
            where = f"{name}.{short}[{index}]"
            read_one = _document(document, where, left)
            if read_one is not None:
                documents.append(read_one[0])
                identifiers |= read_one[1]
    return Handover(tuple(documents), frozenset(identifiers), tuple(left))


def _document(
    document: Mapping[str, object], where: str, left: list[str]
) -> tuple[dict[str, object], set[str]] | None:
    """One Document as ours (with its identifiers), or None (listed, with why)."""
    fields = _fields(document)
    read_here = ("DocumentIds", "DocumentClassifications", "DocumentVersions")
    left += [f"{where}.{short}" for short, child in fields.items() if short not in read_here and given(child)]
    kind = _kind(fields.get("DocumentClassifications", {}), f"{where}.DocumentClassifications", left)
    url = _address(fields.get("DocumentVersions", {}), f"{where}.DocumentVersions", left)
    identifiers = _identifiers(fields.get("DocumentIds", {}))
    if kind is None:
        left.append(f"{where} (no classification names a document type of the passport's)")
        return None
    if url is None:
        left.append(f"{where} (no web address: the passport holds a document as its address)")
        return None
    for index, (identifier, domain) in enumerate(identifiers):
        if identifier != url or domain not in (None, _origin(url)):
            left.append(f"{where}.DocumentIds[{index}] (an identifier other than the document's address)")
    return {"documentType": kind, "documentUrl": url}, {identifier for identifier, _ in identifiers}


def _kind(classifications: Mapping[str, object], where: str, left: list[str]) -> str | None:
    """Our document type, from the classification in our system; the others are listed."""
    kind: str | None = None
    for index, entry in enumerate(children(classifications)):
        if not given(entry):
            continue  # an empty classification (as IDTA's template holds): no data
        fields = _fields(entry)
        system = text(fields["ClassificationSystem"]) if "ClassificationSystem" in fields else None
        class_id = text(fields["ClassId"]) if "ClassId" in fields else None
        if system != SYSTEM or kind is not None:
            left.append(f"{where}[{index}] ({system or 'no system'} {class_id or ''}".rstrip() + ")")
            continue
        kind = _BY_NAME.get(class_id or "")
        if kind is None:
            types = ", ".join(_TYPES)
            raise DocumentError(f"{where}[{index}].ClassId: {class_id!r} is no document type ({types})")
    return kind


def _address(versions: Mapping[str, object], where: str, left: list[str]) -> str | None:
    """The first version's first file, when it is a web address; everything else listed."""
    url: str | None = None
    for index, version in enumerate(children(versions)):
        for short, child in _fields(version).items():
            path = f"{where}[{index}].{short}"
            if short != "DigitalFiles" or index > 0:
                left += [path] if given(child) else []
                continue
            for number, file in enumerate(children(child)):
                value = text(file)
                if number == 0 and value is not None and value.startswith(("https://", "http://")):
                    url = value
                elif value is not None:
                    left.append(f"{path}[{number}]")
    return url


def _identifiers(ids: Mapping[str, object]) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for entry in children(ids):
        fields = _fields(entry)
        identifier = text(fields["DocumentIdentifier"]) if "DocumentIdentifier" in fields else None
        if identifier is not None:
            domain = text(fields["DocumentDomainId"]) if "DocumentDomainId" in fields else None
            found.append((identifier, domain))
    return found


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def write(compact: Mapping[str, object], identifier: str) -> tuple[dict[str, object] | None, list[str]]:
    """The Part 2 submodel for a passport's dismantling documents (None: it has none), and what
    of them could not be written."""
    given = compact.get("dismantlingDocuments")
    listed = given if isinstance(given, list) else [given] if given is not None else []
    documents: list[dict[str, object]] = []
    left: list[str] = []
    for index, entry in enumerate(listed):
        kind = entry.get("documentType") if isinstance(entry, dict) else None
        url = entry.get("documentUrl") if isinstance(entry, dict) else None
        if not isinstance(kind, str) or kind not in _TYPES or not isinstance(url, str):
            left.append(f"dismantlingDocuments[{index}]")
            continue
        left += [f"dismantlingDocuments[{index}].{key}" for key in entry
                 if key not in ("documentType", "documentUrl", "type")]  # fmt: skip
        documents.append(_written(kind, url))
    if not documents:
        return None, left
    submodel: dict[str, object] = {
        "modelType": "Submodel",
        "id": identifier + "#HandoverDocumentation",
        "idShort": "HandoverDocumentation",
        "kind": "Instance",
        "semanticId": _reference(SEMANTIC_ID),
        "supplementalSemanticIds": [_reference(SAMM_ID)],
        "submodelElements": [_list("Documents", _DOCUMENTS, _DOCUMENT, documents)],
    }
    return submodel, left


def _written(kind: str, url: str) -> dict[str, object]:
    local, label = _TYPES[kind]
    class_name: dict[str, object] = {"modelType": "MultiLanguageProperty", "idShort": "ClassName",
                                     "semanticId": _reference(_IRDI["ClassName"]),
                                     "value": [{"language": "en", "text": label}]}  # fmt: skip
    classification = _collection(_CLASSIFICATION, [
        class_name, _property("ClassId", _EUBAT + local),
        _property("ClassificationSystem", SYSTEM)])  # fmt: skip
    document_id = _collection(_ID, [
        _property("DocumentDomainId", _origin(url)), _property("DocumentIdentifier", url),
        _property("DocumentIsPrimary", "true", "xs:boolean")])  # fmt: skip
    content_type = mimetypes.guess_type(urlsplit(url).path)[0] or "application/octet-stream"
    file: dict[str, object] = {"modelType": "File", "semanticId": _reference(_IRDI["DigitalFiles"]),
                               "contentType": content_type, "value": url}  # fmt: skip
    files: dict[str, object] = {"modelType": "SubmodelElementList", "idShort": "DigitalFiles",
                                "semanticId": _reference(_IRDI["DigitalFiles"]),
                                "typeValueListElement": "File", "value": [file]}  # fmt: skip
    version = _collection(_VERSION, [files])
    return _collection(_DOCUMENT, [
        _list("DocumentIds", _IDS, _ID, [document_id]),
        _list("DocumentClassifications", _CLASSIFICATIONS, _CLASSIFICATION, [classification]),
        _list("DocumentVersions", _VERSIONS, _VERSION, [version])])  # fmt: skip


def _reference(semantic_id: str) -> dict[str, object]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic_id}]}


def _property(short: str, text: str, value_type: str = "xs:string") -> dict[str, object]:
    return {"modelType": "Property", "idShort": short, "semanticId": _reference(_IRDI[short]),
            "valueType": value_type, "value": text}  # fmt: skip


def _collection(semantic_id: str, value: list[dict[str, object]]) -> dict[str, object]:
    """A list's item: a collection without an idShort (AASd-120)."""
    return {"modelType": "SubmodelElementCollection", "semanticId": _reference(semantic_id), "value": value}


def _list(short: str, semantic_id: str, item_id: str, value: list[dict[str, object]]) -> dict[str, object]:
    return {"modelType": "SubmodelElementList", "idShort": short, "semanticId": _reference(semantic_id),
            "orderRelevant": False, "semanticIdListElement": _reference(item_id),
            "typeValueListElement": "SubmodelElementCollection", "value": value}  # fmt: skip
