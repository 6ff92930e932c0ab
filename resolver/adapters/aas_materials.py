"""The Digital Battery Passport Part 6, Material Composition submodel (IDTA-02035-6 1.0.2), in and
out of our chemistry, hazardous substances and critical raw materials.

Element idShorts and semanticIds are those of the published template
(admin-shell-io/submodel-templates, ``published/Digital Battery Passport/6_Material Composition/
1/0/2``, CC BY 4.0; submodel ``MaterialComposition``, semanticId
``urn:samm:io.admin-shell.idta.batterypass.material_composition:1.0.0#MaterialComposition``).

- ``BatteryChemistry.ShortName`` <-> ``chemistry``, when it names a chemistry of our vocabulary
  (``NMC811``, ``LFP``, ...; another short name and the ``ClearName`` are listed; out, the clear
  name, which the passport does not hold, is not written);
- ``HazardousSubstances[]``: ``HazardousSubstanceName``, ``HazardousSubstanceIdentifier`` (CAS),
  ``HazardousSubstanceConcentration`` (percent w/w, as ours), ``HazardousSubstanceLocation.
  ComponentName`` (cathode, anode, electrolyte, separator, casing) <-> ``hazardousSubstances``
  ``name``, ``casNumber``, ``concentration``, ``location``; the class, impact statements and
  component id are listed, and so is an entry with neither name nor CAS number (IDTA's template
  holds one with only a location): no substance of ours;
- ``BatteryMaterials[]``: the names of those with ``IsCriticalRawMaterial`` true ->
  ``criticalRawMaterials`` (in only: the template asks each material's CAS identifier and
  location, which the passport does not hold for them); every other field is listed.

A concentration or mass that is no number, and an ``IsCriticalRawMaterial`` that is no
boolean, refuse the input with its path.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.adapters.aas_elements import children, finite, given, plain
from resolver.errors import DocumentError

__all__ = ["SEMANTIC_ID", "WRITTEN", "is_material_composition", "read", "write"]

_M = "urn:samm:io.admin-shell.idta.batterypass.material_composition:1.0.1#"  # elements, as published
SEMANTIC_ID = "urn:samm:io.admin-shell.idta.batterypass.material_composition:1.0.0#MaterialComposition"
_CHEMISTRIES = ("LCO", "LFP", "LMO", "LiMetal", "NCA", "NMC", "NMC111", "NMC532", "NMC622", "NMC811",
                "NaIon", "NiCd", "NiMH", "Pb")  # fmt: skip
_BY_LOWER = {name.lower(): name for name in _CHEMISTRIES}
_LOCATIONS = ("cathode", "anode", "electrolyte", "separator", "casing")
_SUBSTANCE = {"HazardousSubstanceName": "name", "HazardousSubstanceIdentifier": "casNumber"}
WRITTEN = ("chemistry", "hazardousSubstances")


def is_material_composition(submodel: Mapping[str, object]) -> bool:
    """Whether ``submodel`` is the Part 6 material composition (by semanticId, else idShort)."""
    semantic = str(submodel.get("semanticId", ""))
    return "batterypass.material_composition" in semantic or submodel.get("idShort") == "MaterialComposition"


def _text(element: Mapping[str, object]) -> str | None:
    value = element.get("value")
    return value if isinstance(value, str) and value else None


def read(submodel: Mapping[str, object], name: str) -> tuple[dict[str, object], list[str]]:
    """Our terms from the Part 6 submodel, and the idShort paths not mapped."""
    terms: dict[str, object] = {}
    left: list[str] = []
    for element in children(submodel):
        short = str(element.get("idShort", "?"))
        path = f"{name}.{short}"
        if short == "BatteryChemistry":
            for child in children(element):
                text = _text(child)
                known = _BY_LOWER.get((text or "").lower())
                if child.get("idShort") == "ShortName" and known is not None:
                    terms["chemistry"] = known
                elif text is not None:
                    left.append(f"{path}.{child.get('idShort')}")
        elif short == "HazardousSubstances":
            substances = [
                _substance(entry, f"{path}[{i}]", left) for i, entry in enumerate(children(element))
            ]
            if any(substances):
                terms["hazardousSubstances"] = [substance for substance in substances if substance]
        elif short == "BatteryMaterials":
            critical = _materials(element, path, left)
            if critical:
                terms["criticalRawMaterials"] = critical
        elif given(element):
            left.append(path)
    return terms, left


def _substance(entry: Mapping[str, object], path: str, left: list[str]) -> dict[str, object]:
    substance: dict[str, object] = {}
    for child in children(entry):
        short, text = str(child.get("idShort", "?")), _text(child)
        if short in _SUBSTANCE and text is not None:
            substance[_SUBSTANCE[short]] = text
        elif short == "HazardousSubstanceConcentration" and text is not None:
            substance["concentration"] = _number(text, f"{path}.{short}")
        elif short == "HazardousSubstanceLocation":
            for part in children(child):
                where = (_text(part) or "").strip().lower()
                if part.get("idShort") == "ComponentName" and where in _LOCATIONS:
                    substance["location"] = where
                elif _text(part) is not None:
                    left.append(f"{path}.{short}.{part.get('idShort')}")
        elif given(child):
            left.append(f"{path}.{short}")
    if substance and not {"name", "casNumber"} & substance.keys():
        # a location or a concentration of no named substance (IDTA's template holds one: "Anode")
        left.append(f"{path} (no substance name or CAS number)")
        return {}
    return substance


def _materials(element: Mapping[str, object], path: str, left: list[str]) -> list[str]:
    critical: list[str] = []
    for index, entry in enumerate(children(element)):
        where = f"{path}[{index}]"
        fields = {str(child.get("idShort")): child for child in children(entry)}
        flag = _text(fields["IsCriticalRawMaterial"]) if "IsCriticalRawMaterial" in fields else None
        if flag is not None and flag.lower() not in ("true", "false", "1", "0"):
            raise DocumentError(f"{where}.IsCriticalRawMaterial: {flag!r} is not a boolean")
        if "BatteryMaterialMass" in fields and _text(fields["BatteryMaterialMass"]) is not None:
            _number(str(_text(fields["BatteryMaterialMass"])), f"{where}.BatteryMaterialMass")
        material = _text(fields["BatteryMaterialName"]) if "BatteryMaterialName" in fields else None
        taken = material is not None and flag is not None and flag.lower() in ("true", "1")
        if taken and material is not None:
            critical.append(material)
        used = ("BatteryMaterialName", "IsCriticalRawMaterial") if taken else ()
        left += [f"{where}.{short}" for short, child in fields.items() if given(child) and short not in used]
    return critical


def _number(text: str, path: str) -> float | int:
    return plain(finite(text, path))


def write(compact: Mapping[str, object], identifier: str) -> tuple[dict[str, object] | None, list[str]]:
    """The Part 6 submodel for a passport's material composition (None: it has none), and what
    of it could not be written."""
    elements: list[dict[str, object]] = []
    left = [term for term in ("criticalRawMaterials",) if term in compact]
    chemistry = compact.get("chemistry")
    if isinstance(chemistry, str) and chemistry in _CHEMISTRIES:
        short = _property("ShortName", "shortName", "xs:string", chemistry)
        elements.append(_collection("BatteryChemistry", "batteryChemistry", [short]))
    elif chemistry is not None:
        left.append("chemistry")
    found = compact.get("hazardousSubstances")
    listed = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    substances = [_substance_out(substance, left) for substance in listed if isinstance(substance, dict)]
    if substances:
        elements.append({
            "modelType": "SubmodelElementList",
            "idShort": "HazardousSubstances",
            "semanticId": _reference(_M + "hazardousSubstances"),
            "orderRelevant": False,
            "typeValueListElement": "SubmodelElementCollection",
            "value": substances,
        })  # fmt: skip
    if not elements:
        return None, left
    submodel: dict[str, object] = {
        "modelType": "Submodel",
        "id": identifier + "#MaterialComposition",
        "idShort": "MaterialComposition",
        "kind": "Instance",
        "semanticId": _reference(SEMANTIC_ID),
        "submodelElements": elements,
    }
    return submodel, sorted(set(left))


def _substance_out(substance: Mapping[str, object], left: list[str]) -> dict[str, object]:
    parts: list[dict[str, object]] = []
    if isinstance(substance.get("name"), str):
        parts.append(_property("HazardousSubstanceName", "hazardousSubstanceName", "xs:string",
                               str(substance["name"])))  # fmt: skip
    concentration = substance.get("concentration")
    if isinstance(concentration, int | float) and not isinstance(concentration, bool):
        text = str(int(concentration)) if float(concentration).is_integer() else str(concentration)
        parts.append(_property("HazardousSubstanceConcentration", "hazardousSubstanceConcentration",
                               "xs:double", text))  # fmt: skip
    location = substance.get("location")
    if isinstance(location, str) and location in _LOCATIONS:
        name = _property("ComponentName", "componentName", "xs:string", location)
        parts.append(_collection("HazardousSubstanceLocation", "hazardousSubstanceLocation", [name]))
    if isinstance(substance.get("casNumber"), str):
        parts.append(_property("HazardousSubstanceIdentifier", "hazardousSubstanceIdentifier", "xs:string",
                               str(substance["casNumber"])))  # fmt: skip
    left += [f"hazardousSubstances.{key}" for key in substance
             if key not in ("name", "concentration", "location", "casNumber", "type")]  # fmt: skip
    return {"modelType": "SubmodelElementCollection", "semanticId": _reference(_M + "HazardousSubstance"),
            "value": parts}  # fmt: skip


def _reference(semantic_id: str) -> dict[str, object]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic_id}]}


def _property(short: str, name: str, value_type: str, text: str) -> dict[str, object]:
    return {"modelType": "Property", "idShort": short, "semanticId": _reference(_M + name),
            "valueType": value_type, "value": text}  # fmt: skip


def _collection(short: str, name: str, value: list[dict[str, object]]) -> dict[str, object]:
    return {"modelType": "SubmodelElementCollection", "idShort": short, "semanticId": _reference(_M + name),
            "value": value}  # fmt: skip
