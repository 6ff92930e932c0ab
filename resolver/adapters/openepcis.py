"""OpenEPCIS item passports (``ref.openepcis.io`` contexts) read into the eu-battery model.

The documents expand offline with the OpenEPCIS contexts the node holds. Most of their IRIs are
ours already (we reuse ``eubat:``/``gs1:``); this adapter only moves what OpenEPCIS places
elsewhere: the battery's type and category, its status, the technical specifications and
end-of-life nodes (whose properties we keep on the battery), net weight, and the chemistry.
Nothing is invented: what the document lacks stays missing, and validation names it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from resolver import jsonld
from resolver.errors import DocumentError
from resolver.jsontypes import JSON, JSONObject
from resolver.profile import Profile

__all__ = ["OPENEPCIS_CONTEXTS", "convert", "from_expanded", "is_openepcis"]

OPENEPCIS_CONTEXTS = frozenset(
    {
        "https://ref.openepcis.io/extensions/common/core/dpp-core-context.jsonld",
        "https://ref.openepcis.io/extensions/eu/battery/battery-context.jsonld",
    }
)

EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
GS1 = "https://ref.gs1.org/voc/"
SCHEMA = "https://schema.org/"
BP = "https://w3id.org/battery-passport/eu-battery#"
BATCAT = "https://w3id.org/eudpp/battery-categories#"
BATSTAT = "https://w3id.org/eudpp/battery-statuses#"
_XSD_ANYURI = "http://www.w3.org/2001/XMLSchema#anyURI"

_CATEGORIES = {
    EUBAT + "EVBattery": BATCAT + "ElectricVehicleBattery",
    EUBAT + "LMTBattery": BATCAT + "LMTBattery",
    EUBAT + "IndustrialBattery": BATCAT + "IndustrialBattery",
    EUBAT + "StationaryBattery": BP + "StationaryStorageBattery",
}
_STATUSES = {
    EUBAT + "Original": BATSTAT + "Original",
    EUBAT + "Repurposed": BATSTAT + "Repurposed",
    EUBAT + "ReUsed": BATSTAT + "ReUsed",
    EUBAT + "Reused": BATSTAT + "ReUsed",
    EUBAT + "Remanufactured": BATSTAT + "Remanufactured",
    EUBAT + "Waste": BATSTAT + "Waste",
}
# Nodes whose properties OpenEPCIS groups under the battery; ours sit on the battery itself.
_HOISTED = (EUBAT + "hasTechnicalSpecifications", EUBAT + "hasEndOfLifeInfo")
# Chemistry node properties that are battery properties in our model.
_CHEMISTRY_MOVES = {
    EUBAT + "cathodeActiveMaterial": EUBAT + "cathodeActiveMaterial",
    EUBAT + "anodeActiveMaterial": EUBAT + "anodeActiveMaterial",
    EUBAT + "electrolyteType": EUBAT + "electrolyteComposition",
}


def is_openepcis(doc: object) -> bool:
    """Whether a parsed JSON-LD document names an OpenEPCIS context."""
    context = doc.get("@context") if isinstance(doc, dict) else None
    names = context if isinstance(context, list) else [context]
    return any(isinstance(name, str) and name in OPENEPCIS_CONTEXTS for name in names)


def convert(doc: object, unmapped: list[str] | None = None) -> list[JSONObject]:
    """The OpenEPCIS passport as an expanded JSON-LD document in the eu-battery model
    (``unmapped``, when given, receives the fields the move leaves without a term of ours)."""
    return from_expanded(copy.deepcopy(jsonld.expand(doc)), unmapped)


def from_expanded(expanded: list[JSONObject], unmapped: list[str] | None = None) -> list[JSONObject]:
    """An expanded OpenEPCIS passport (changed in place) moved into the eu-battery model;
    the fields that have no place in it are added to ``unmapped``."""
    battery = _battery(expanded)
    types = _values(battery, "@type")
    if BP + "BatteryPassport" not in types:
        types.append(BP + "BatteryPassport")
    battery["@type"] = types
    for node_type in types:
        if isinstance(node_type, str) and node_type in _CATEGORIES and SCHEMA + "category" not in battery:
            battery[SCHEMA + "category"] = [{"@id": _CATEGORIES[node_type]}]
    _map_ids(battery, SCHEMA + "category", _CATEGORIES)
    _map_ids(battery, SCHEMA + "status", _STATUSES)
    battery["@type"] = _types_mapped(types, _values(battery, SCHEMA + "category"))
    if EUBAT + "batteryPassportIdentifier" not in battery:
        # OpenEPCIS identifies the passport by the node's IRI (data point 1).
        battery[EUBAT + "batteryPassportIdentifier"] = [{"@value": battery["@id"], "@type": _XSD_ANYURI}]
    for holder in _HOISTED:
        for node in _values(battery, holder):
            _hoist(battery, node)
        battery.pop(holder, None)
    if EUBAT + "hasBatteryMass" not in battery and GS1 + "netWeight" in battery:
        battery[EUBAT + "hasBatteryMass"] = battery.pop(GS1 + "netWeight")
    _chemistry(battery)
    left = _declaration_of_conformity(battery)
    if unmapped is not None:
        unmapped.extend(left)
    _numbers_as_declared(expanded, Profile.load().ranges)
    return expanded


def _types_mapped(types: list[JSON], categories: list[JSON]) -> list[JSON]:
    """The battery's types without the OpenEPCIS classes that are now ours: ``gs1:Product`` and
    ``eubat:Battery`` (a BatteryPassport), and a category class its ``schema:category`` says (a
    class naming another category than the one given is kept: it is not ours to choose)."""
    said = {value.get("@id") for value in categories if isinstance(value, dict)}
    return [
        kind
        for kind in types
        if kind not in _MAPPED_TYPES and not (isinstance(kind, str) and _CATEGORIES.get(kind) in said)
    ]


_MAPPED_TYPES = frozenset({GS1 + "Product", EUBAT + "Battery"})


def _values(node: JSONObject, key: str) -> list[JSON]:
    """The values of ``key`` on an expanded node (a list), or an empty list."""
    found = node.get(key)
    return found if isinstance(found, list) else []


def _battery(expanded: list[JSONObject]) -> JSONObject:
    for node in expanded:
        if EUBAT + "Battery" in _values(node, "@type"):
            return node
    raise DocumentError("no node of type eubat:Battery: not an OpenEPCIS battery passport")


def _map_ids(node: JSONObject, key: str, table: dict[str, str]) -> None:
    for value in _values(node, key):
        if isinstance(value, dict):
            iri = value.get("@id")
            if isinstance(iri, str) and iri in table:
                value["@id"] = table[iri]


def _hoist(battery: JSONObject, node: object) -> None:
    if not isinstance(node, dict):
        return
    for key, values in node.items():
        if not key.startswith("@") and key not in battery:
            battery[key] = values


_DOC = EUBAT + "hasEuDeclarationOfConformity"
_DOC_URL = EUBAT + "declarationOfConformity"


def _declaration_of_conformity(battery: JSONObject) -> list[str]:
    """OpenEPCIS gives the EU declaration of conformity (data point 42) as a cccev:Evidence node
    that carries the document's web address (``eubat:declarationOfConformity``); ours is that
    address. The node's other fields (the declaration's id, its notified body) have no term of
    ours: they are returned, to be listed as not mapped. A node without an address is kept as
    it is, and validation names it."""
    left: list[str] = []
    values: list[JSON] = []
    for value in _values(battery, _DOC):
        urls = _values(value, _DOC_URL) if isinstance(value, dict) else []
        if not urls or not isinstance(value, dict):
            values.append(value)
            continue
        for url in urls:
            text = (url.get("@value") or url.get("@id")) if isinstance(url, dict) else None
            values.append({"@id": text} if isinstance(text, str) else url)
        for key in value:
            if key not in ("@id", "@type", _DOC_URL):
                left.append(f"eubat:hasEuDeclarationOfConformity/{_short(key)}")
    if values:
        battery[_DOC] = values
    return left


def _short(iri: str) -> str:
    for prefix, base in (("eubat:", EUBAT), ("gs1:", GS1), ("schema:", SCHEMA)):
        if iri.startswith(base):
            return prefix + iri[len(base) :]
    return iri


def _chemistry(battery: JSONObject) -> None:
    values = _values(battery, EUBAT + "hasBatteryChemistry")
    node = values[0] if len(values) == 1 else None
    if not isinstance(node, dict):
        return
    for source, target in _CHEMISTRY_MOVES.items():
        if source in node and target not in battery:
            battery[target] = node[source]
    # The chemistry concept: OpenEPCIS gives its short name ("LFP"), which is a term of our
    # context for the CIRPASS-2 concept.
    for name in _values(node, SCHEMA + "alternateName"):
        concept = _context_terms().get(str(name.get("@value", "")) if isinstance(name, dict) else "")
        if concept is not None:
            battery[EUBAT + "hasBatteryChemistry"] = [{"@id": concept}]
            return


_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = frozenset({_XSD + "integer", _XSD + "decimal", _XSD + "double", _XSD + "float", _XSD + "string"})


def _numbers_as_declared(expanded: list[JSONObject], ranges: Mapping[str, str]) -> None:
    """Numbers written as integers, decimals or numeric strings become xsd:double where our
    vocabulary declares a double (OpenEPCIS writes ``"gs1:value": "125.5"`` and ``70``)."""
    stack: list[object] = list(expanded)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        for key, values in node.items():
            if key.startswith("@") or not isinstance(values, list):
                continue
            wants_double = ranges.get(key) == _XSD + "double"
            for value in values:
                if isinstance(value, dict) and "@value" in value:
                    if wants_double and value.get("@type", _XSD + "string") in _NUMERIC:
                        number = _as_float(value["@value"])
                        if number is not None:
                            value["@value"] = number
                            value["@type"] = _XSD + "double"
                else:
                    stack.append(value)


def _as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _context_terms() -> dict[str, str]:
    terms = jsonld.context_terms()
    return dict(terms.terms) if terms is not None else {}
