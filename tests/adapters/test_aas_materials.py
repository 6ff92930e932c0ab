"""AAS Part 6, Material Composition (IDTA-02035-6 1.0.2): chemistry, hazardous substances and
critical raw materials in and out by the template's idShorts; what is not ours listed; a value
that is no number (or no boolean) refused with its path. The submodels are built here with the
published template's idShorts (the template file, CC BY 4.0, is not shipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import aas, aas_materials
from resolver.errors import DocumentError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"


def _prop(short: str, value: object) -> dict[str, Any]:
    return {"modelType": "Property", "idShort": short, "valueType": "xs:string", "value": value}


def _smc(short: str | None, *elements: dict[str, Any]) -> dict[str, Any]:
    element: dict[str, Any] = {"modelType": "SubmodelElementCollection", "value": list(elements)}
    if short is not None:
        element["idShort"] = short
    return element


def _materials(concentration: str = "1.2", critical: str = "true") -> dict[str, Any]:
    return {
        "modelType": "Submodel",
        "idShort": "MaterialComposition",
        "semanticId": {"type": "ExternalReference", "keys": [
            {"type": "GlobalReference", "value": aas_materials.SEMANTIC_ID}]},
        "submodelElements": [
            _smc("BatteryChemistry", _prop("ShortName", "nmc811"),
                 _prop("ClearName", "Lithium nickel manganese cobalt oxide")),
            {"modelType": "SubmodelElementList", "idShort": "BatteryMaterials", "value": [
                _smc(None, _smc("BatteryMaterialLocation", _prop("ComponentName", "cathode")),
                     _prop("BatteryMaterialIdentifier", "7440-48-4"),
                     _prop("BatteryMaterialName", "Cobalt"),
                     _prop("BatteryMaterialMass", "2.35"), _prop("IsCriticalRawMaterial", critical)),
                _smc(None, _prop("BatteryMaterialName", "Aluminium"),
                     _prop("IsCriticalRawMaterial", "false")),
            ]},
            {"modelType": "SubmodelElementList", "idShort": "HazardousSubstances", "value": [
                _smc(None, _prop("HazardousSubstanceClass", "AcuteToxicity"),
                     _prop("HazardousSubstanceName", "Lithium hexafluorophosphate"),
                     _prop("HazardousSubstanceIdentifier", "21324-40-3"),
                     _prop("HazardousSubstanceConcentration", concentration),
                     {"modelType": "SubmodelElementList", "idShort": "HazardousSubstanceImpact",
                      "value": [_prop("Impact", "H302 Harmful if swallowed")]},
                     _smc("HazardousSubstanceLocation", _prop("ComponentName", "Electrolyte"),
                          _prop("ComponentId", "EL-1"))),
            ]},
        ],
    }  # fmt: skip


def _read(submodel: dict[str, Any]) -> aas.Read:
    nameplate = {"modelType": "Submodel", "idShort": "BatteryNameplate",
                 "submodelElements": [_prop("URIOfTheProduct", IRI)]}  # fmt: skip
    return aas.convert_with_notes({"submodels": [nameplate, submodel]})


def test_the_templates_elements_are_read() -> None:
    read = _read(_materials())
    doc = read.document
    assert doc["chemistry"] == "NMC811"
    assert doc["hazardousSubstances"] == [
        {"name": "Lithium hexafluorophosphate", "casNumber": "21324-40-3", "concentration": 1.2,
         "location": "electrolyte"}
    ]  # fmt: skip
    assert doc["criticalRawMaterials"] == ["Cobalt"]
    path = "MaterialComposition."
    assert set(read.unmapped) == {
        path + "BatteryChemistry.ClearName",
        path + "BatteryMaterials[0].BatteryMaterialLocation",
        path + "BatteryMaterials[0].BatteryMaterialIdentifier",
        path + "BatteryMaterials[0].BatteryMaterialMass",
        path + "BatteryMaterials[1].BatteryMaterialName",
        path + "BatteryMaterials[1].IsCriticalRawMaterial",
        path + "HazardousSubstances[0].HazardousSubstanceClass",
        path + "HazardousSubstances[0].HazardousSubstanceImpact",
        path + "HazardousSubstances[0].HazardousSubstanceLocation.ComponentId",
    }


def test_a_multi_language_element_not_mapped_is_listed_not_dropped() -> None:
    submodel = _materials()
    submodel["submodelElements"].append({
        "modelType": "MultiLanguageProperty", "idShort": "Remarks",
        "value": [{"language": "en", "text": "cell supplier's note"}],
    })  # fmt: skip
    empty = {"modelType": "MultiLanguageProperty", "idShort": "Empty", "value": []}
    submodel["submodelElements"].append(empty)
    unmapped = _read(submodel).unmapped
    assert "MaterialComposition.Remarks" in unmapped
    assert "MaterialComposition.Empty" not in unmapped


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"concentration": "1,2 %"},
         "MaterialComposition.HazardousSubstances[0].HazardousSubstanceConcentration: '1,2 %' is not a "
         "number"),
        ({"critical": "yes"},
         "MaterialComposition.BatteryMaterials[0].IsCriticalRawMaterial: 'yes' is not a boolean"),
    ],
)  # fmt: skip
def test_an_impossible_value_is_refused_with_its_path(changes: dict[str, str], said: str) -> None:
    with pytest.raises(DocumentError) as caught:
        _read(_materials(**changes))
    assert caught.value.detail == said


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_out_and_in_gives_the_same_terms(example: Path) -> None:
    doc = orjson.loads(example.read_bytes())
    environment = aas.to_environment(doc)
    read = aas.convert_with_notes(environment.document)
    assert aas.to_environment(read.document).document == environment.document
    for term in aas_materials.WRITTEN:
        if term in doc and term not in environment.not_written:
            assert read.document[term] == doc[term], term
    assert not [field for field in read.unmapped if field.startswith("MaterialComposition")]
    # the template asks each material's CAS identifier and location: not written, named
    assert ("criticalRawMaterials" in environment.not_written) == ("criticalRawMaterials" in doc)
