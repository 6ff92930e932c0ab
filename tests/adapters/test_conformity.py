"""The EU declaration of conformity (data point 42) from partner formats. OpenEPCIS gives it as a
cccev:Evidence node: its document's web address becomes our data point, and its other fields are
listed as not mapped. A UNTP conformity claim is listed as not mapped, field by field: its
evidence may be a test report or a certificate as well as the declaration."""

from __future__ import annotations

import copy
from pathlib import Path

import orjson

from resolver.adapters.formats import convert
from resolver.validation import pipeline

MODEL = Path(__file__).resolve().parents[1] / "linked" / "data" / "openepcis-amperia-staxwall-model.jsonld"
DOC = "https://ref.openepcis.io/extensions/eu/battery/hasEuDeclarationOfConformity"
URL = "https://files.example.org/files/products/09521234002000/docs/declaration-of-conformity.pdf"


def _battery(body: bytes) -> dict[str, object]:
    nodes = orjson.loads(body)
    found: dict[str, object] = next(n for n in nodes if DOC in n)
    return found


def test_the_evidence_node_becomes_the_declarations_web_address() -> None:
    converted = convert("openepcis", MODEL.read_bytes())
    assert _battery(converted.body)[DOC] == [{"@id": URL}]
    assert converted.unmapped == ("eubat:hasEuDeclarationOfConformity/eubat:euDeclarationOfConformityId",)
    report = pipeline.validate_sync(converted.body)
    assert not [r for r in report.results if 42 in r.data_points], report.results


def test_an_evidence_node_without_an_address_is_kept_for_validation_to_name() -> None:
    doc = orjson.loads(MODEL.read_bytes())
    del doc["eubat:hasEuDeclarationOfConformity"]["eubat:declarationOfConformity"]
    converted = convert("openepcis", orjson.dumps(doc))
    kept = _battery(converted.body)[DOC]
    assert isinstance(kept, list) and len(kept) == 1 and isinstance(kept[0], dict)
    assert "https://ref.openepcis.io/extensions/eu/battery/euDeclarationOfConformityId" in kept[0]
    assert converted.unmapped == ()
    report = pipeline.validate_sync(converted.body)
    assert [r for r in report.results if 42 in r.data_points]


def test_a_untp_conformity_claim_is_listed_as_not_mapped_field_by_field() -> None:
    from tests.adapters.test_untp import CREDENTIAL

    credential = copy.deepcopy(CREDENTIAL)
    credential["credentialSubject"]["conformityClaim"] = [
        {
            "id": "https://cells.example.com/claims/doc",
            "conformityTopic": "safety",
            "referenceRegulation": {"id": "http://data.europa.eu/eli/reg/2023/1542/oj"},
            "conformityEvidence": {"linkURL": "https://cells.example.com/doc.pdf", "linkName": "EU DoC"},
        }
    ]
    converted = convert("untp", orjson.dumps(credential))
    claim = sorted(f for f in converted.unmapped if f.startswith("credentialSubject.conformityClaim"))
    assert claim == [
        "credentialSubject.conformityClaim.conformityEvidence.linkName",
        "credentialSubject.conformityClaim.conformityEvidence.linkURL",
        "credentialSubject.conformityClaim.conformityTopic",
        "credentialSubject.conformityClaim.id",
        "credentialSubject.conformityClaim.referenceRegulation.id",
    ]
    assert b"declarationOfConformity" not in converted.body and b"doc.pdf" not in converted.body
