"""Battery Pass consortium data model payloads (``io.BatteryPass.*`` SAMM aspects, 1.2 and 1.3)
read into the eu-battery model: compact JSON-LD in our context.

The consortium publishes one aspect per payload. This module reads a payload and hands each
aspect in it to its reader: GeneralProductInformation here, the others in their own modules
(batterypass_carbon.py, batterypass_circularity.py, batterypass_materials.py,
batterypass_performance.py, batterypass_labels.py, batterypass_diligence.py; the reading they
share in batterypass_fields.py). An aspect comes alone (its fields at the top, told by them) or
under its key beside others: ``generalProductInformation``, ``carbonFootprint``,
``circularity``, ``materialComposition``, ``performance``, ``labels``,
``supplyChainDueDiligence`` (also taken: ``carbonFootprintForBatteries``,
``performanceAndDurability``, ``labeling``, ``dueDiligence``, the aspects' own names). Only
GeneralProductInformation names the battery: an aspect without it needs the passport's IRI
(``import --format batterypass --id``, resolver/commands/import_aspects.py, gives it and
merges the aspect into the stored passport). The
consortium's own tools write these payloads in UTF-16 (with or without a byte-order mark): the
bytes are decoded before (resolver/adapters/formats.py). Every field no mapping read is listed
by its path, under its aspect's key when it has one.

GeneralProductInformation, field by field:

- ``productIdentifier`` -> the passport's ``id``; ``batteryPassportIdentifier`` ->
  ``passportIdentifier``;
- ``batteryCategory`` (lmt, ev, industrial, stationary) -> ``category``;
- ``batteryStatus`` (Original, Repurposed, Reused, Remanufactured, Waste) -> ``status``;
- ``batteryMass`` (kg) -> ``weight``;
- ``manufacturingDate``: the aspect's description asks for the month and year; ``2026-03`` is
  kept as such (``xsd:gYearMonth``), a date-time keeps its date; an impossible one is refused
  with its path;
- ``manufacturerInformation`` / ``operatorInformation`` (contactName, postalAddress,
  identifier) -> ``manufacturer`` / ``operator``; ``manufacturingPlace`` (an address) ->
  ``manufacturingPlace.address``;
- ``puttingIntoService`` is checked as a date; it and ``warrentyPeriod`` have no term of ours
  and are listed as not mapped.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolver import jsonld
from resolver.adapters.batterypass_carbon import ASPECT as CARBON
from resolver.adapters.batterypass_circularity import ASPECT as CIRCULARITY
from resolver.adapters.batterypass_diligence import ASPECT as DILIGENCE
from resolver.adapters.batterypass_fields import Aspect, Reading
from resolver.adapters.batterypass_labels import ASPECT as LABELS
from resolver.adapters.batterypass_materials import ASPECT as MATERIALS
from resolver.adapters.batterypass_performance import ASPECT as PERFORMANCE
from resolver.adapters.dates import check_date, date_value
from resolver.adapters.paths import unread
from resolver.errors import DocumentError

__all__ = ["ASPECTS", "GENERAL", "Conversion", "convert_with_notes", "is_batterypass"]

GENERAL = "generalProductInformation"
ASPECTS: tuple[Aspect, ...] = (CARBON, CIRCULARITY, MATERIALS, PERFORMANCE, LABELS, DILIGENCE)
_CATEGORIES = {"lmt": "LMT", "ev": "EV", "industrial": "industrial", "stationary": "stationary"}
_STATUSES = {"original": "original", "repurposed": "repurposed", "reused": "re-used",
             "re-used": "re-used", "remanufactured": "remanufactured", "waste": "waste"}  # fmt: skip
_ADDRESS = ("streetAddress", "postalCode", "addressCountry")
_DATES = ("manufacturingDate", "puttingIntoService")
_UNNAMED = (
    "productIdentifier: missing, and no IRI was given (only GeneralProductInformation names the "
    "battery: import an aspect alone with --id and the identifier of the passport it is for)"
)


@dataclass(frozen=True, slots=True)
class Conversion:
    document: dict[str, object]
    unmapped: tuple[str, ...]


def is_batterypass(payload: object) -> bool:
    """Whether ``payload`` holds a GeneralProductInformation aspect (alone or under its key)."""
    if not isinstance(payload, dict):
        return False
    general = payload.get(GENERAL, payload)
    return (
        isinstance(general, dict) and "batteryPassportIdentifier" in general and "batteryCategory" in general
    )


def convert_with_notes(payload: object, *, iri: str | None = None) -> Conversion:
    """The passport in a Battery Pass payload, and the payload's fields no mapping read. An
    aspect other than GeneralProductInformation names no battery: alone, it needs ``iri``
    (refused without it, the message pointing to ``import --id``). ``iri``, when given, is the
    passport's ``id`` whatever ``productIdentifier`` says (resolver/commands/import_aspects.py
    checks that it names the same passport)."""
    if not isinstance(payload, dict):
        raise DocumentError("a Battery Pass payload is a JSON object")
    sections = _sections(payload)
    if not sections:
        raise DocumentError(
            "not a Battery Pass payload: no GeneralProductInformation aspect "
            f"(batteryPassportIdentifier, batteryCategory) nor another aspect, alone or under {GENERAL!r}, "
            + ", ".join(repr(aspect.key) for aspect in ASPECTS)
        )
    read: set[str] = set()
    left: list[str] = []
    document: dict[str, object] = {"@context": jsonld.CONTEXT_URL, "id": iri, "type": "BatteryPassport"}
    for aspect, section, prefix in sections:
        if aspect is None:
            _general(section, prefix, document, read)
            continue
        reading = Reading(prefix)
        document.update(aspect.read(section, reading))
        read |= reading.read
        left += reading.left
    if not document["id"]:
        raise DocumentError(_UNNAMED)
    return Conversion(document, unread(payload, read) + tuple(left))


def _sections(payload: dict[str, object]) -> list[tuple[Aspect | None, dict[str, object], str]]:
    """The aspects in ``payload`` (None: GeneralProductInformation), each with its path prefix:
    under their keys, or one alone (told by its fields)."""
    named: list[tuple[Aspect | None, tuple[str, ...]]] = [(None, (GENERAL,))]
    named += [(aspect, (aspect.key, *aspect.aliases)) for aspect in ASPECTS]
    nested: list[tuple[Aspect | None, dict[str, object], str]] = []
    for aspect, names in named:
        for name in names:
            section = payload.get(name)
            if isinstance(section, dict):
                nested.append((aspect, section, name + "."))
    if nested:
        return nested
    if "batteryPassportIdentifier" in payload:
        return [(None, payload, "")]
    alone = [aspect for aspect in ASPECTS if any(marker in payload for marker in aspect.markers)]
    return [(alone[0], payload, "")] if len(alone) == 1 else []


def _general(aspect: dict[str, object], prefix: str, document: dict[str, object], read: set[str]) -> None:
    for field in _DATES:
        if isinstance(aspect.get(field), str):
            check_date(prefix + field, str(aspect[field]))
    found: set[str] = set()
    terms = _passport(aspect, document["id"] if isinstance(document["id"], str) else None, found)
    document.update({key: value for key, value in terms.items() if key != "@context"})
    read |= {prefix + path for path in found}


def _passport(aspect: dict[str, object], iri: str | None, read: set[str]) -> dict[str, object]:
    def text(field: str) -> str | None:
        read.add(field)
        value = aspect.get(field)
        return value if isinstance(value, str) and value else None

    identifier = iri or text("productIdentifier") or text("batteryPassportIdentifier")
    if not identifier:
        raise DocumentError(_UNNAMED)
    doc: dict[str, object] = {"@context": jsonld.CONTEXT_URL, "id": identifier, "type": "BatteryPassport"}
    passport_id = text("batteryPassportIdentifier")
    if passport_id:
        doc["passportIdentifier"] = passport_id
    category = _CATEGORIES.get((text("batteryCategory") or "").lower())
    if category:
        doc["category"] = category
    status = _STATUSES.get((text("batteryStatus") or "").lower())
    if status:
        doc["status"] = status
    mass = aspect.get("batteryMass")
    if isinstance(mass, int | float) and not isinstance(mass, bool):
        read.add("batteryMass")
        doc["weight"] = {"value": mass, "unit": "KGM"}
    made = text("manufacturingDate")
    if made:
        doc["manufacturingDate"] = date_value(made.split("T", 1)[0])
    for field, term, kind in (("manufacturerInformation", "manufacturer", "Organization"),
                              ("operatorInformation", "operator", "Operator")):  # fmt: skip
        party = _party(aspect.get(field), kind, field, read)
        if party:
            doc[term] = party
    place = _address(aspect.get("manufacturingPlace"), "manufacturingPlace", read)
    if place:
        doc["manufacturingPlace"] = {"address": place}
    return doc


def _party(value: object, kind: str, field: str, read: set[str]) -> dict[str, object] | None:
    if not isinstance(value, dict):
        return None
    party: dict[str, object] = {"type": kind}
    if isinstance(value.get("contactName"), str):
        party["organizationName"] = value["contactName"]
        read.add(f"{field}.contactName")
    if kind == "Operator" and isinstance(value.get("identifier"), str):
        party["operatorIdentifier"] = value["identifier"]
        read.add(f"{field}.identifier")
    address = _address(value.get("postalAddress"), f"{field}.postalAddress", read)
    if address:
        party["address"] = address
    return party if len(party) > 1 else None


def _address(value: object, field: str, read: set[str]) -> dict[str, object] | None:
    if not isinstance(value, dict):
        return None
    address: dict[str, object] = {}
    for key in _ADDRESS:
        if isinstance(value.get(key), str) and value[key]:
            address[key] = value[key]
            read.add(f"{field}.{key}")
    return address or None
