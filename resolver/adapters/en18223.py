"""OpenEPCIS passports in the EN 18223 shapes, read into expanded JSON-LD in the OpenEPCIS
vocabulary (resolver/adapters/openepcis.py then moves it into the eu-battery model).

Two shapes share the EN 18223 header (``uniqueProductIdentifier``, ``digitalProductPassportId``,
``granularity``, ``dppSchemaVersion``, ``dppStatus``, ``lastUpdated``, ...):

- **elements** (``*.en18223.json``): every value is an element that names its property by IRI
  (``dictionaryReference``) and its kind (``objectType``): SingleValuedDataElement (a literal of
  ``valueDataType``, or an IRI when ``reference`` is true), MultiLanguageDataElement (texts with
  their language), DataElementCollection (a node of ``nodeTypes``), MultiValuedDataElement (a list
  of values or of element lists).
- **operational** (``*.operational.jsonld``, BatteryPass-Ready ``*.source.json``): a flat body whose
  keys are bare names. Its context (``battery-operational-context.jsonld``) layers OpenEPCIS's
  generated shortcut aliases, which the node does not hold; a bare name is read instead as the
  OpenEPCIS property of that local name (vocab/third-party/openepcis/names.json, built from the
  published ontologies), the battery module first, then with the ``has`` prefix the ontologies
  give object properties (``technicalSpecifications`` -> ``eubat:hasTechnicalSpecifications``),
  then DPP core; the GS1 and schema.org names the bodies use are a table below. A string for an
  object property is an IRI, or the local name of a vocabulary value (``IndustrialBattery``).
  ``{"value", "unitCode"}`` is a GS1 quantitative value, ``{"value", "language"}`` a text.

Each key that no rule reads is listed as not mapped; a null is no data and is skipped. Dates
(``...Date``, ``lastUpdated``) are checked, and an impossible one refuses the body with its path.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

from resolver.adapters.dates import check_date, is_month_year
from resolver.adapters.operational import dynamic_readings
from resolver.errors import DocumentError
from resolver.jsontypes import JSON, JSONObject

__all__ = ["Read", "from_elements", "from_operational", "is_en18223"]

EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
GS1 = "https://ref.gs1.org/voc/"
SCHEMA = "https://schema.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
OEC_GRANULARITY = "https://ref.openepcis.io/extensions/common/core/granularityLevel"
_NAMES = Path(__file__).resolve().parents[2] / "vocab" / "third-party" / "openepcis" / "names.json"
_HEADER = ("uniqueProductIdentifier", "digitalProductPassportId")
# GS1 Web Vocabulary and schema.org names of EN 18223 bodies (and the OpenEPCIS shortcut
# aliases batteryCategory/batteryStatus, which name schema:category and schema:status).
_GS1_SCHEMA = {
    "gtin": GS1 + "gtin", "productName": GS1 + "productName", "netWeight": GS1 + "netWeight",
    "grossWeight": GS1 + "grossWeight", "serialNumber": GS1 + "hasSerialNumber",
    "hasSerialNumber": GS1 + "hasSerialNumber", "manufacturer": GS1 + "manufacturer",
    "countryOfOrigin": GS1 + "countryOfOrigin", "countryCode": GS1 + "countryCode",
    "organizationName": GS1 + "organizationName", "address": GS1 + "address",
    "streetAddress": GS1 + "streetAddress", "postalCode": GS1 + "postalCode",
    "addressLocality": GS1 + "addressLocality", "addressCountry": SCHEMA + "addressCountry",
    "globalLocationNumber": GS1 + "globalLocationNumber", "gln": GS1 + "globalLocationNumber",
    "contactPoint": GS1 + "contactPoint", "email": GS1 + "email", "telephone": GS1 + "telephone",
    "value": GS1 + "value", "unitCode": GS1 + "unitCode", "manufacturingDate": GS1 + "productionDate",
    "additionalProductClassification": GS1 + "additionalProductClassification",
    "certification": GS1 + "certification", "url": SCHEMA + "url", "name": SCHEMA + "name",
    "alternateName": SCHEMA + "alternateName", "category": SCHEMA + "category",
    "status": SCHEMA + "status", "batteryCategory": SCHEMA + "category",
    "batteryStatus": SCHEMA + "status", "model": SCHEMA + "model",
}  # fmt: skip
_OBJECT_NAMES = frozenset({"category", "status", "batteryCategory", "batteryStatus", "manufacturer",
                           "countryOfOrigin", "address", "contactPoint", "certification",
                           "additionalProductClassification", "netWeight", "grossWeight"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Read:
    """An EN 18223 body as expanded JSON-LD, and the paths of what no rule read."""

    expanded: list[JSONObject]
    unmapped: tuple[str, ...]
    readings: tuple[JSONObject, ...] = ()  # an operational body's dynamic data (lifecycle events)


def is_en18223(doc: object) -> bool:
    """Whether ``doc`` has the EN 18223 header (either shape)."""
    return isinstance(doc, dict) and any(isinstance(doc.get(key), str) for key in _HEADER)


def _root(doc: Mapping[str, object], unmapped: list[str]) -> JSONObject:
    identifier = doc.get("uniqueProductIdentifier") or doc.get("digitalProductPassportId")
    if not isinstance(identifier, str) or not identifier:
        raise DocumentError("uniqueProductIdentifier: missing (an EN 18223 passport names its product)")
    root: JSONObject = {"@id": identifier, "@type": [EUBAT + "Battery"]}
    passport = doc.get("digitalProductPassportId")
    if isinstance(passport, str):
        root[EUBAT + "batteryPassportIdentifier"] = [{"@value": passport, "@type": XSD + "anyURI"}]
    for key in ("lastUpdated",):
        if isinstance(doc.get(key), str):
            check_date(key, str(doc[key]))
    granularity = doc.get("granularity")
    if isinstance(granularity, str) and granularity:
        # item, batch or model: a model or batch passport is judged as one (docs/linked.md).
        root[OEC_GRANULARITY] = [{"@value": granularity}]
    header = ("dppSchemaVersion", "dppStatus", "lastUpdated", "economicOperatorId",
              "contentSpecificationIds")  # fmt: skip
    unmapped.extend(key for key in header if doc.get(key) not in (None, [], ""))
    return root


# --- elements ---------------------------------------------------------------------------------


def from_elements(doc: object) -> Read:
    """The EN 18223 elements document as expanded JSON-LD; DocumentError names a bad element."""
    if not isinstance(doc, dict) or not isinstance(doc.get("elements"), list):
        raise DocumentError("elements: an EN 18223 elements document holds a list of elements")
    unmapped: list[str] = []
    root = _root(doc, unmapped)
    _elements(root, doc["elements"], "", unmapped)
    return Read([root], tuple(unmapped))


def _elements(node: JSONObject, elements: list[JSON], path: str, unmapped: list[str]) -> None:
    for element in elements:
        if not isinstance(element, dict):
            continue
        name = str(element.get("elementId", "?"))
        where = f"{path}.{name}" if path else name
        iri = element.get("dictionaryReference")
        values = _element_values(element, where, unmapped)
        if not isinstance(iri, str) or not iri.startswith(("http://", "https://")) or values is None:
            unmapped.append(where)
            continue
        existing = node.setdefault(iri, [])
        if isinstance(existing, list):
            existing.extend(values)


def _element_values(element: dict[str, JSON], where: str, unmapped: list[str]) -> list[JSON] | None:
    kind, value = element.get("objectType"), element.get("value")
    if kind == "SingleValuedDataElement":
        return None if value is None else [_single(element, value, where)]
    if kind == "MultiLanguageDataElement" and isinstance(value, list):
        return [_text(item) for item in value if isinstance(item, dict) and item.get("value") is not None]
    inner = element.get("elements")
    if kind == "DataElementCollection" and isinstance(inner, list):
        types = element.get("nodeTypes")
        child: JSONObject = (
            {"@type": [t for t in types if isinstance(t, str)]} if isinstance(types, list) else {}
        )
        _elements(child, inner, where, unmapped)
        return [child]
    if kind == "MultiValuedDataElement" and isinstance(value, list):
        out: list[JSON] = []
        for i, item in enumerate(value):
            if isinstance(item, list):
                child = {}
                _elements(child, item, f"{where}[{i}]", unmapped)
                out.append(child)
            elif item is not None:
                out.append({"@value": item})
        return out
    return None


def _single(element: dict[str, JSON], value: JSON, where: str) -> JSON:
    if element.get("reference") is True and isinstance(value, str):
        return {"@id": value}
    datatype = element.get("valueDataType")
    if isinstance(datatype, str) and datatype.startswith("xsd:"):
        datatype = XSD + datatype[4:]
    if isinstance(value, str) and datatype in (XSD + "date", XSD + "dateTime"):
        check_date(where, value)
    if isinstance(value, bool | int | float) or datatype in (None, XSD + "string"):
        return {"@value": value}
    return {"@value": value, "@type": datatype}


def _text(item: dict[str, JSON]) -> JSON:
    language = item.get("language")
    return (
        {"@value": item["value"], "@language": language}
        if isinstance(language, str)
        else {"@value": item["value"]}
    )


# --- operational ------------------------------------------------------------------------------


def from_operational(doc: object) -> Read:
    """The EN 18223 operational body as expanded JSON-LD, its bare names read as documented."""
    if not isinstance(doc, dict):
        raise DocumentError("an EN 18223 operational body is a JSON object")
    unmapped: list[str] = []
    root = _root(doc, unmapped)
    dynamic = dynamic_readings(doc)  # to the lifecycle events, not the passport
    unmapped.extend(dynamic.unmapped)
    skip = {"@context", "_comment", *_HEADER, "granularity", "dppSchemaVersion", "dppStatus",
            "lastUpdated", "economicOperatorId", "contentSpecificationIds", *dynamic.names}  # fmt: skip
    _fill(root, {k: v for k, v in doc.items() if k not in skip}, "", unmapped)
    return Read([root], tuple(unmapped), dynamic.readings)


def _fill(node: JSONObject, body: Mapping[str, JSON], path: str, unmapped: list[str]) -> None:
    for key, value in body.items():
        where = f"{path}.{key}" if path else key
        if value is None or value == []:
            continue  # no data
        if key in ("type", "@type"):
            types = [
                _value_iri(t) for t in (value if isinstance(value, list) else [value]) if isinstance(t, str)
            ]
            node["@type"] = [t for t in types if t]
            continue
        found = _property(key)
        if found is None:
            unmapped.append(where)
            continue
        if key == "addressCountry" and isinstance(value, dict) and isinstance(value.get("countryCode"), str):
            value = value["countryCode"]  # a Country node: the passport's address holds the code
        iri, is_object = found
        items = value if isinstance(value, list) else [value]
        paths = [f"{where}[{i}]" if len(items) > 1 else where for i in range(len(items))]
        converted = [
            _operational_value(item, is_object, at, unmapped) for item, at in zip(items, paths, strict=True)
        ]
        kept = _one_language([v for v in converted if v is not None], where, unmapped)
        existing = node.setdefault(iri, []) if kept else None
        if isinstance(existing, list):
            existing.extend(kept)


def _one_language(values: list[JSON], where: str, unmapped: list[str]) -> list[JSON]:
    """Texts in several languages (``[{"@language": "en", "@value": ...}, ...]``) as the one
    plain text the passport holds: the English one, else the first; the others are listed as not
    mapped (``productName[de]``). The passport's text data points are plain strings."""
    tagged = [v for v in values if isinstance(v, dict) and isinstance(v.get("@language"), str)]
    if not tagged or len(tagged) != len(values):
        return values
    chosen = next((v for v in tagged if v["@language"] == "en"), tagged[0])
    unmapped.extend(f"{where}[{v['@language']}]" for v in tagged if v is not chosen)
    return [{"@value": chosen["@value"]}]


def _operational_value(value: JSON, is_object: bool, where: str, unmapped: list[str]) -> JSON:
    if isinstance(value, dict):
        if "@value" in value:
            return value
        if "value" in value and "unitCode" in value:
            return {"@type": [GS1 + "QuantitativeValue"], GS1 + "value": [{"@value": value["value"]}],
                    GS1 + "unitCode": [{"@value": value["unitCode"]}]}  # fmt: skip
        if "value" in value and "language" in value:
            return _text(value)
        child: JSONObject = {}
        _fill(child, value, where, unmapped)
        # A node none of whose fields was read (each listed as not mapped) would be an empty
        # object, which JSON-LD drops and the reader refuses: it is left out, its fields named.
        return child if any(key != "@type" for key in child) else None
    if isinstance(value, str):
        leaf = where.rsplit(".", 1)[-1].split("[", 1)[0]
        if leaf.endswith(("Date", "date")) or leaf == "lastUpdated":
            check_date(where, value)
            if is_month_year(value):
                return {"@value": value, "@type": XSD + "gYearMonth"}
            return {"@value": value, "@type": XSD + ("date" if len(value) == 10 else "dateTime")}
        if is_object:
            iri = value if value.startswith(("http://", "https://", "urn:")) else _value_iri(value)
            if iri:
                return {"@id": iri}
        elif value.startswith(("http://", "https://")) and " " not in value:
            # A web address (a document, a report, a symbol): typed so, as the elements shape
            # types it (valueDataType xsd:anyURI), and as the passport's web-address points want.
            return {"@value": value, "@type": XSD + "anyURI"}
    if isinstance(value, list):
        return None  # a list inside a list: not a shape EN 18223 writes
    return {"@value": value}


def _property(name: str) -> tuple[str, bool] | None:
    """The IRI of a bare name and whether it takes a node (object property), or None."""
    if name in _GS1_SCHEMA:
        return _GS1_SCHEMA[name], name in _OBJECT_NAMES
    properties = _names()["properties"]
    candidates = [name, "has" + name[:1].upper() + name[1:]]
    for namespace in (EUBAT, "https://ref.openepcis.io/extensions/common/core/"):
        for candidate in candidates:
            entry = properties.get(candidate, [])
            for i in range(0, len(entry), 2):
                if entry[i].startswith(namespace):
                    return entry[i], entry[i + 1] == "object"
    return None


def _value_iri(name: str) -> str | None:
    if name.startswith(("http://", "https://")):
        return name
    iris = _names()["values"].get(name, [])
    battery = [iri for iri in iris if iri.startswith(EUBAT)]
    chosen = battery or iris
    return chosen[0] if chosen else None


@functools.cache
def _names() -> dict[str, dict[str, list[str]]]:
    table: dict[str, dict[str, list[str]]] = orjson.loads(_NAMES.read_bytes())
    return table
