"""Our passports out as OpenEPCIS battery passports (JSON-LD in the OpenEPCIS contexts): the
inverse of resolver/adapters/openepcis.py, so that a passport written out and read back in with
``--format openepcis`` gives the same graph.

Most of our IRIs are OpenEPCIS's already (``eubat:``, ``oec:``, ``gs1:``, ``schema:``); this
moves back what the reader moves: the battery's types (``gs1:Product``, ``eubat:Battery`` and the
category's class), the category and status values (CIRPASS-2 concepts -> ``eubat:`` ones), the
chemistry (our CIRPASS-2 concept -> a ``eubat:hasBatteryChemistry`` node named by its short name,
with the active materials and electrolyte in it), and the EU declaration of conformity (our web
address -> a ``cccev:Evidence`` node carrying it). The rest is compacted in the OpenEPCIS contexts.

A term of ours with no OpenEPCIS IRI (``commercialWarrantyPeriod``, ``currentRatedCapacity``, the
model and batch links, ...) is not dropped: it is written under its own IRI, which an OpenEPCIS
reader does not know, and named in ``Written.not_mapped``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from resolver import jsonld
from resolver.adapters import openepcis
from resolver.adapters.openepcis import BP, EUBAT, GS1, SCHEMA
from resolver.errors import DocumentError
from resolver.jsontypes import JSON, JSONObject

__all__ = ["CONTEXTS", "Written", "to_passport"]

# The order the published OpenEPCIS passports name them in.
CONTEXTS = (
    "https://ref.openepcis.io/extensions/common/core/dpp-core-context.jsonld",
    "https://ref.openepcis.io/extensions/eu/battery/battery-context.jsonld",
)
OEC = "https://ref.openepcis.io/extensions/common/core/"
CCCEV = "http://data.europa.eu/m8g/"
_OURS = "https://w3id.org/"  # our vocabulary's IRIs (bp:, eudpp:); OpenEPCIS knows none
_XSD_ANYURI = "http://www.w3.org/2001/XMLSchema#anyURI"
# Our CIRPASS-2 values -> OpenEPCIS's: the reader's tables, inverted (ReUsed, not Reused).
_CATEGORIES = {ours: theirs for theirs, ours in openepcis._CATEGORIES.items()}
_STATUSES = {ours: theirs for theirs, ours in reversed(list(openepcis._STATUSES.items()))}
_CHEMISTRY = EUBAT + "hasBatteryChemistry"
_CHEMISTRY_MOVES = {ours: theirs for theirs, ours in openepcis._CHEMISTRY_MOVES.items()}
_DOC = EUBAT + "hasEuDeclarationOfConformity"


@dataclass(frozen=True, slots=True)
class Written:
    document: JSONObject
    not_mapped: tuple[str, ...]  # terms written under our own IRI: no OpenEPCIS term holds them


def to_passport(doc: object) -> Written:
    """An OpenEPCIS battery passport (compacted in the OpenEPCIS contexts) for one of our
    passports (compact in our context, or expanded)."""
    expanded = copy.deepcopy(jsonld.expand(doc))
    battery = _passport_node(expanded)
    _types(battery)
    _values_mapped(battery, SCHEMA + "category", _CATEGORIES)
    _values_mapped(battery, SCHEMA + "status", _STATUSES)
    _chemistry(battery)
    _declaration_of_conformity(battery)
    names = _names()
    own = sorted({names.get(iri, iri) for iri in _iris(list(expanded)) if iri.startswith(_OURS)})
    return Written(jsonld.compact_expanded(expanded, CONTEXTS), tuple(own))


def _passport_node(expanded: list[JSONObject]) -> JSONObject:
    for node in expanded:
        if BP + "BatteryPassport" in _list(node, "@type"):
            return node
    raise DocumentError("the passport has no node of type BatteryPassport")


def _list(node: JSONObject, key: str) -> list[JSON]:
    found = node.get(key)
    return found if isinstance(found, list) else []


def _types(battery: JSONObject) -> None:
    """``gs1:Product``, ``eubat:Battery`` and the category's class, as OpenEPCIS types a battery
    (the reader adds our ``BatteryPassport`` back)."""
    types = [t for t in _list(battery, "@type") if t != BP + "BatteryPassport"]
    for kind in (GS1 + "Product", EUBAT + "Battery"):
        if kind not in types:
            types.append(kind)
    for value in _list(battery, SCHEMA + "category"):
        iri = value.get("@id") if isinstance(value, dict) else None
        category = _CATEGORIES.get(iri) if isinstance(iri, str) else None
        if category is not None and category not in types:
            types.append(category)
    battery["@type"] = types


def _values_mapped(node: JSONObject, key: str, table: dict[str, str]) -> None:
    for value in _list(node, key):
        if isinstance(value, dict) and isinstance(value.get("@id"), str):
            value["@id"] = table.get(str(value["@id"]), value["@id"])


def _chemistry(battery: JSONObject) -> None:
    """Our chemistry concept -> OpenEPCIS's chemistry node, named by the concept's short name (a
    term of our context: ``LFP``), holding the active materials and the electrolyte. Without a
    concept the materials stay on the battery (the reader keeps them there)."""
    values = _list(battery, _CHEMISTRY)
    concept = values[0].get("@id") if len(values) == 1 and isinstance(values[0], dict) else None
    name = _names().get(concept) if isinstance(concept, str) else None
    if name is None:
        return
    node: JSONObject = {"@type": [EUBAT + "BatteryChemistry"], SCHEMA + "alternateName": [{"@value": name}]}
    for ours, theirs in _CHEMISTRY_MOVES.items():
        if ours in battery:
            node[theirs] = battery.pop(ours)
    battery[_CHEMISTRY] = [node]


def _declaration_of_conformity(battery: JSONObject) -> None:
    """Our declaration of conformity (its web address) -> the ``cccev:Evidence`` node OpenEPCIS
    gives, carrying the address as ``eubat:declarationOfConformity``."""
    out: list[JSON] = []
    for value in _list(battery, _DOC):
        url = value.get("@id") if isinstance(value, dict) and len(value) == 1 else None
        if not isinstance(url, str) or url.startswith("_:"):
            out.append(value)
            continue
        out.append(
            {
                "@type": [CCCEV + "Evidence"],
                EUBAT + "declarationOfConformity": [{"@value": url, "@type": _XSD_ANYURI}],
            }
        )
    if out:
        battery[_DOC] = out


def _names() -> dict[str, str]:
    """IRI -> its (first) term in our context: a concept's short name (``LFP``), a term's name."""
    terms = jsonld.context_terms()
    names: dict[str, str] = {}
    for name, iri in terms.terms.items() if terms is not None else ():
        names.setdefault(iri, name)
    return names


def _iris(node: JSON) -> set[str]:
    """Every property and class IRI in an expanded document."""
    found: set[str] = set()
    stack: list[JSON] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            for key, value in item.items():
                if key == "@type" and isinstance(value, list):
                    found.update(v for v in value if isinstance(v, str))
                elif not key.startswith("@"):
                    found.add(key)
                if key != "@value":
                    stack.append(value)
    return found
