"""AAS Part 2, Handover Documentation (IDTA-02035-2 1.1): the template's VDI 2770 documents in and
out of our dismantling documents; a document classified only otherwise, or without a web
address, listed with why; a ClassId in our system that names no document type refused with its
path; Part 7's DismantlingAndRemovalInformation resolved when it names Part 2's documents. The
submodels are built here with the published template's idShorts (the template file, CC BY 4.0,
is not shipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import aas, aas_handover
from resolver.errors import DocumentError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"
MANUAL = "https://voltaris.example/rr/vx-82/dismantling.pdf"


def _prop(short: str | None, value: object) -> dict[str, Any]:
    element: dict[str, Any] = {"modelType": "Property", "valueType": "xs:string", "value": value}
    if short is not None:
        element["idShort"] = short
    return element


def _mlp(short: str, text: str) -> dict[str, Any]:
    return {
        "modelType": "MultiLanguageProperty",
        "idShort": short,
        "value": [{"language": "en", "text": text}],
    }


def _smc(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"modelType": "SubmodelElementCollection", "value": list(elements)}


def _sml(short: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return {"modelType": "SubmodelElementList", "idShort": short, "value": list(elements)}


def _document(class_id: str, system: str, file: str, identifier: str | None = None) -> dict[str, Any]:
    return _smc(
        _sml("DocumentIds", _smc(_prop("DocumentDomainId", "https://voltaris.example"),
                                 _prop("DocumentIdentifier", identifier or file),
                                 _prop("DocumentIsPrimary", "true"))),
        _sml("DocumentClassifications", _smc(_mlp("ClassName", "Certificates, declarations"),
                                             _prop("ClassId", class_id),
                                             _prop("ClassificationSystem", system))),
        _sml("DocumentVersions", _smc(
            _sml("Language", _prop(None, "en")), _prop("Version", "V1.2"), _mlp("Title", "Examplary title"),
            _sml("DigitalFiles", {"modelType": "File", "contentType": "application/pdf", "value": file}))),
    )  # fmt: skip


def _handover(manual_type: str = "dismantlingManual") -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "idShort": "HandoverDocumentation",
        "semanticId": {"type": "ModelReference",
                       "keys": [{"type": "Submodel", "value": aas_handover.SEMANTIC_ID}]},
        "submodelElements": [_sml(
            "Documents",
            _document(manual_type, aas_handover.SYSTEM, MANUAL),
            _document("https://ref.openepcis.io/extensions/eu/battery/Drawing", aas_handover.SYSTEM,
                      "https://voltaris.example/rr/vx-82/exploded.pdf", identifier="XF90-884"),
            _document("02-04", "VDI2770:2020", "https://voltaris.example/doc.pdf"),
            _document("safetyDataSheet", aas_handover.SYSTEM, "/aasx/files/sds.pdf"),
        )],
    }  # fmt: skip


def _read(*submodels: dict[str, Any]) -> aas.Read:
    nameplate = {"modelType": "Submodel", "idShort": "BatteryNameplate",
                 "submodelElements": [_prop("URIOfTheProduct", IRI)]}  # fmt: skip
    return aas.convert_with_notes({"submodels": [nameplate, *submodels]})


def test_the_templates_documents_are_read() -> None:
    read = _read(_handover())
    assert read.document["dismantlingDocuments"] == [
        {"documentType": "dismantlingManual", "documentUrl": MANUAL},
        {"documentType": "explodedDrawing", "documentUrl": "https://voltaris.example/rr/vx-82/exploded.pdf"},
    ]
    documents = "HandoverDocumentation.Documents"
    assert set(read.unmapped) == {
        *(f"{documents}[{i}].DocumentVersions[0].{short}"
          for i in range(4) for short in ("Language", "Version", "Title")),
        f"{documents}[1].DocumentIds[0] (an identifier other than the document's address)",
        f"{documents}[2].DocumentClassifications[0] (VDI2770:2020 02-04)",
        f"{documents}[2] (no classification names a document type of the passport's)",
        f"{documents}[3].DocumentVersions[0].DigitalFiles[0]",
        f"{documents}[3] (no web address: the passport holds a document as its address)",
    }  # fmt: skip


def test_a_class_id_in_our_system_that_names_no_document_type_is_refused_with_its_path() -> None:
    with pytest.raises(DocumentError) as caught:
        _read(_handover(manual_type="dismantlingManuall"))
    assert caught.value.detail.startswith(
        "HandoverDocumentation.Documents[0].DocumentClassifications[0].ClassId: 'dismantlingManuall' is no "
        "document type (dismantlingManual, removalManual,"
    )


def test_part_7_names_part_2s_documents_and_is_resolved_by_them() -> None:
    listed = _sml("DismantlingAndRemovalInformation", _prop(None, MANUAL))
    circularity: dict[str, Any] = {
        "modelType": "Submodel",
        "idShort": "Circularity",
        "submodelElements": [listed],
    }
    assert "Circularity.DismantlingAndRemovalInformation" in _read(circularity).unmapped
    assert "Circularity.DismantlingAndRemovalInformation" not in _read(_handover(), circularity).unmapped
    listed["value"].append(_prop(None, "DOC-NOT-IN-PART-2"))
    assert "Circularity.DismantlingAndRemovalInformation" in _read(_handover(), circularity).unmapped


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_out_and_in_gives_the_same_documents(example: Path) -> None:
    doc = orjson.loads(example.read_bytes())
    environment = aas.to_environment(doc)
    read = aas.convert_with_notes(environment.document)
    assert aas.to_environment(read.document).document == environment.document
    assert read.document.get("dismantlingDocuments") == doc.get("dismantlingDocuments")
    assert "dismantlingDocuments" not in environment.not_written
    assert not [
        f for f in read.unmapped if f.startswith(("HandoverDocumentation", "Circularity.Dismantling"))
    ]
