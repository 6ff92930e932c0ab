"""UNTP Digital Product Passport credentials: in, out, and in again gives the same graph; the
UNTP fields map, impossible values are refused with their path, the issuer is recorded."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import untp
from resolver.adapters.formats import convert
from resolver.errors import DocumentError
from resolver.passport.canonical import canonical_nquads
from tests.support.cli import passport_node

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
ITEM = "https://id.gs1.org/01/09521234000013/21/UNTP-0001"

# A credential written to the UNTP DPP 0.6.1 JSON Schema (values our own, synthetic).
CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/",
    ],
    "type": ["DigitalProductPassport", "VerifiableCredential"],
    "id": "https://example.com/credentials/2a423366",
    "issuer": {"type": ["CredentialIssuer"], "id": "did:web:cells.example.com", "name": "Cells Example"},
    "validFrom": "2026-03-02T00:00:00Z",
    "credentialSubject": {
        "type": ["ProductPassport"],
        "id": ITEM,
        "product": {
            "type": ["Product"],
            "id": ITEM,
            "name": "LFP module M-12",
            "serialNumber": "UNTP-0001",
            "productionDate": "2026-03",
            "dimensions": {"weight": {"value": 12500, "unit": "GRM"}},
            "productCategory": [
                {"id": "https://unstats.un.org/unsd/classifications/Econ/cpc/46410", "name": "Cells"}
            ],
            "characteristics": {"chemistry": "LFP", "colour": "blue"},
        },
        "emissionsScorecard": {
            "carbonFootprint": 20.0,
            "declaredUnit": "MJ",
            "operationalScope": "CradleToGate",
            "primarySourcedRatio": 0.4,
        },
        "materialsProvenance": [
            {"name": "Lithium", "recycledMassFraction": 0.06},
            {"name": "Aluminium", "recycledMassFraction": 0.5},
        ],
        "dueDiligenceDeclaration": {"linkURL": "https://cells.example.com/dd.pdf", "linkName": "DD report"},
    },
}


def _graph(doc: object) -> str:
    return canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(doc)))


@pytest.mark.parametrize("example", EXAMPLES[:4], ids=lambda p: p.name)
def test_out_and_in_again_gives_the_same_graph(example: Path) -> None:
    doc = orjson.loads(example.read_bytes())
    credential = untp.to_credential(doc)
    assert credential["type"] == ["DigitalProductPassport", "VerifiableCredential"]
    assert untp.detect_version(credential) == "0.6.1"
    again = untp.convert_with_notes(orjson.loads(orjson.dumps(credential)))
    assert again.unmapped == ()
    assert _graph(again.document) == _graph(doc)
    # and out once more: the same credential
    assert untp.to_credential(again.document) == credential


def test_fields_map_with_conversions_and_the_rest_is_listed() -> None:
    read = untp.convert_with_notes(copy.deepcopy(CREDENTIAL))
    doc = read.document
    assert doc["id"] == ITEM and doc["productName"] == "LFP module M-12"
    assert doc["manufacturingDate"] == {"@value": "2026-03", "@type": "xsd:gYearMonth"}
    assert doc["weight"] == {"value": 12.5, "unit": "KGM"}
    assert doc["chemistry"] == "LFP"
    assert doc["carbonFootprint"] == {"total": {"value": 72.0, "unit": "kgCO2e/kWh"}}  # 20 per MJ x 3.6
    assert doc["recycledContent"] == {"recycledLithiumShare": 6.0}
    assert doc["dueDiligence"] == {"reportUrl": "https://cells.example.com/dd.pdf"}
    assert read.issuer == {
        "id": "did:web:cells.example.com",
        "name": "Cells Example",
        "credential": "https://example.com/credentials/2a423366",
    }
    assert read.version == "0.6.1"
    assert set(read.unmapped) == {
        "validFrom",
        "credentialSubject.product.productCategory.id",
        "credentialSubject.product.productCategory.name",
        "credentialSubject.product.characteristics.colour",
        "credentialSubject.emissionsScorecard.operationalScope",
        "credentialSubject.emissionsScorecard.primarySourcedRatio",
        "credentialSubject.dueDiligenceDeclaration.linkName",
    }
    # the passport is well-formed JSON-LD in our context (every term known)
    assert _graph(doc)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("productionDate", "1538-20-83"),
         r"^credentialSubject\.product\.productionDate: '1538-20-83' is not a possible date "
         r"\(month 20, day 83\)"),
        (("productionDate", "2026-13"),
         r"^credentialSubject\.product\.productionDate: '2026-13' is not a possible month and year"),
        (("productionDate", "03/2026"), r"is not a date"),
    ],
)  # fmt: skip
def test_impossible_dates_are_refused_with_their_path(change: tuple[str, str], message: str) -> None:
    credential = copy.deepcopy(CREDENTIAL)
    credential["credentialSubject"]["product"][change[0]] = change[1]
    with pytest.raises(DocumentError, match=message):
        untp.convert_with_notes(credential)


def test_a_recycled_fraction_above_one_is_refused_with_its_path() -> None:
    credential = copy.deepcopy(CREDENTIAL)
    credential["credentialSubject"]["materialsProvenance"][0]["recycledMassFraction"] = 6
    with pytest.raises(DocumentError, match=r"materialsProvenance \(Lithium\)\.recycledMassFraction: 6"):
        untp.convert_with_notes(credential)


def test_versions_before_0_5_and_other_credentials_are_refused() -> None:
    old = copy.deepcopy(CREDENTIAL)
    old["@context"][1] = "https://test.uncefact.org/vocabulary/untp/dpp/0.4.2/"
    with pytest.raises(DocumentError, match=r"UNTP DPP 0\.4\.2: this node reads 0\.5\.0 and later"):
        untp.convert_with_notes(old)
    with pytest.raises(DocumentError, match="not a UNTP Digital Product Passport"):
        untp.convert_with_notes(
            {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
        )
    other = copy.deepcopy(CREDENTIAL)
    other["type"] = ["VerifiableCredential", "DigitalConformityCredential"]
    with pytest.raises(DocumentError, match="type DigitalProductPassport"):
        untp.convert_with_notes(other)


def test_import_format_untp_records_the_issuer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    example = orjson.loads((ROOT / "examples" / "valid" / "ev-nmc811.jsonld").read_bytes())
    (tmp_path / "dpp.json").write_bytes(orjson.dumps(untp.to_credential(example)))
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    code = passport_node(["import", "--format", "untp", str(tmp_path / "dpp.json"), "--store", store,
                         "--workers", "1", "--json", "--no-progress"])  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert (code, summary["created"]) == (0, 1), summary
    issuer = next(iter(summary["issuers"].values()))
    assert issuer["id"] == "did:web:hdl.handle.net" and issuer["name"] == "Voltaris Cells GmbH"
    assert convert("untp", orjson.dumps(untp.to_credential(example))).version == "0.6.1"


# The same product written to the UNTP DPP 0.7.0 JSON Schema: the Product is the subject, the
# serial is its itemNumber, the materials its materialProvenance (values our own, synthetic).
CREDENTIAL_07: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://vocabulary.uncefact.org/untp/0.7.0/context/",
    ],
    "type": ["DigitalProductPassport", "VerifiableCredential"],
    "id": "https://example.com/credentials/2a423367",
    "issuer": {"type": ["CredentialIssuer"], "id": "did:web:cells.example.com", "name": "Cells Example"},
    "validFrom": "2026-03-02T00:00:00Z",
    "name": "Digital Product Passport: LFP module M-12",
    "credentialSubject": {
        "type": ["Product"],
        "id": ITEM,
        "name": "LFP module M-12",
        "itemNumber": "UNTP-0001",
        "idGranularity": "item",
        "productionDate": "2026-03",
        "dimensions": {"weight": {"value": 12500, "unit": "GRM"}},
        "characteristics": {"chemistry": "LFP"},
        "materialProvenance": [{"name": "Lithium", "recycledMassFraction": 0.06, "hazardous": False}],
    },
}


def test_a_0_7_credential_is_read_with_its_product_as_the_subject() -> None:
    read = untp.convert_with_notes(copy.deepcopy(CREDENTIAL_07))
    assert read.version == "0.7.0"
    doc = read.document
    assert (doc["id"], doc["serialNumber"], doc["granularity"]) == (ITEM, "UNTP-0001", "item")
    assert doc["manufacturingDate"] == {"@value": "2026-03", "@type": "xsd:gYearMonth"}
    assert doc["weight"] == {"value": 12.5, "unit": "KGM"} and doc["chemistry"] == "LFP"
    assert doc["recycledContent"] == {"recycledLithiumShare": 6.0}
    assert set(read.unmapped) == {"validFrom", "name", "credentialSubject.materialProvenance.hazardous"}
    # out (0.6.1) and in again: the same graph
    again = untp.convert_with_notes(untp.to_credential(doc))
    assert _graph(again.document) == _graph(doc)
    wrong = copy.deepcopy(CREDENTIAL_07)
    wrong["credentialSubject"]["productionDate"] = "2026-13-01"
    with pytest.raises(DocumentError, match=r"^credentialSubject\.productionDate: '2026-13-01'"):
        untp.convert_with_notes(wrong)
    unknown = copy.deepcopy(CREDENTIAL_07)
    unknown["credentialSubject"]["idGranularity"] = "lot"
    assert "credentialSubject.idGranularity" in untp.convert_with_notes(unknown).unmapped


def test_an_enveloped_credential_is_told_and_read_from_inside() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from resolver.adapters import envelope
    from resolver.adapters.formats import detect

    key = Ed25519PrivateKey.generate()
    wrapped = envelope.envelop(CREDENTIAL_07, kid="https://node.example/keys/k1", sign=key.sign)
    assert wrapped["type"] == "EnvelopedVerifiableCredential"
    assert detect(wrapped) == "untp" and untp.detect_version(wrapped) == "0.7.0"
    opened = envelope.open_envelope(wrapped)
    assert opened.credential == CREDENTIAL_07 and opened.verifies(key.public_key())
    assert not opened.verifies(Ed25519PrivateKey.generate().public_key())
    read = untp.convert_with_notes(wrapped)
    assert read.document == untp.convert_with_notes(copy.deepcopy(CREDENTIAL_07)).document
    assert read.issuer["envelope"] == (
        "vc+jwt (EdDSA) signed by https://node.example/keys/k1: not checked (its key is not resolved offline)"
    )
    known = {"https://node.example/keys/k1": key.public_key()}
    read = untp.convert_with_notes(wrapped, known=known.get)
    assert read.issuer["envelope"] == "vc+jwt (EdDSA) signed by https://node.example/keys/k1: verified"
    broken = dict(wrapped, id=str(wrapped["id"]).rsplit(".", 1)[0])
    with pytest.raises(DocumentError, match=r"a vc\+jwt is a compact JWS of three parts"):
        untp.convert_with_notes(broken)
