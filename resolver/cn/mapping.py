"""The mapping from the cn-battery profile to eu-battery (docs/cn-profile.md, "Mapping to the EU
profile"): what the EU lines of the readiness report read from a Chinese passport.

Most of it needs no translation: the shared data points (maker, production date, rated capacity,
nominal voltage, mass) use eu-battery's IRIs in both profiles. What is translated: the passport's
identifier (data point 1), the GB/T 34014 code as its serial number (7), the battery type as its
chemistry (12), and the category, a traction battery (6). Pure functions on expanded JSON-LD.
"""

from __future__ import annotations

from resolver.jsontypes import JSON, JSONObject

__all__ = ["CHEMISTRY", "EU_PREDICATE", "eu_predicate", "to_eu"]

CN = "https://w3id.org/battery-passport/cn-battery#"
_EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
_BATCHEM = "https://w3id.org/eudpp/battery-chemistries#"
_PASSPORT_ID = _EUBAT + "batteryPassportIdentifier"
_SERIAL = "https://ref.gs1.org/voc/hasSerialNumber"
_CHEMISTRY = _EUBAT + "hasBatteryChemistry"
_CATEGORY = "https://schema.org/category"
_EV = "https://w3id.org/eudpp/battery-categories#ElectricVehicleBattery"
_ANY_URI = "http://www.w3.org/2001/XMLSchema#anyURI"

# GB/T 34014 battery type (position 5) -> the eu-battery chemistry. Ternary is NCM or NCA, which
# the code does not tell apart: NMC, the common one. Supercapacitor, LTO and other have none.
CHEMISTRY = {
    CN + "NiMH": _BATCHEM + "NiMH",
    CN + "LFP": _BATCHEM + "LiIonLFP",
    CN + "LMO": _BATCHEM + "LiIonLMO",
    CN + "LCO": _BATCHEM + "LiIonLCO",
    CN + "Ternary": _BATCHEM + "LiIonNMC",
}
# A cn-battery property -> the eu-battery property its value becomes (the rest are shared).
EU_PREDICATE = {CN + "batteryCode": _SERIAL, CN + "batteryType": _CHEMISTRY}


def eu_predicate(predicate: str) -> str:
    """The eu-battery property a cn-battery property's value is read as (itself when shared)."""
    return EU_PREDICATE.get(predicate, predicate)


def to_eu(expanded: list[JSONObject], passport: str) -> list[JSONObject]:
    """The expanded cn-battery passport with the eu-battery values it maps to added to its top
    node (``passport``'s, else the first): values it already holds are kept as they are."""
    top = next((n for n in expanded if n.get("@id") == passport), expanded[0] if expanded else None)
    if top is None:
        return expanded
    node = dict(top)
    iri = str(node.get("@id") or passport)
    added: dict[str, list[JSON]] = {_CATEGORY: [{"@id": _EV}]}
    if iri:
        added[_PASSPORT_ID] = [{"@value": iri, "@type": _ANY_URI}]
    codes = [v for v in _values(node, CN + "batteryCode") if isinstance(v, str)]
    if codes:
        added[_SERIAL] = [{"@value": code} for code in codes]
    chemistries = [CHEMISTRY[v] for v in _values(node, CN + "batteryType") if v in CHEMISTRY]
    if chemistries:
        added[_CHEMISTRY] = [{"@id": chemistry} for chemistry in chemistries]
    for predicate, values in added.items():
        node.setdefault(predicate, list(values))
    return [node if n is top else n for n in expanded]


def _values(node: JSONObject, predicate: str) -> list[JSON]:
    items = node.get(predicate)
    found: list[JSON] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            found.append(item.get("@value", item.get("@id")))
    return found
