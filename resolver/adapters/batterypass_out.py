"""Our passports out as Battery Pass consortium payloads (data model 1.2/1.3 field names), the
inverse of resolver/adapters/batterypass.py, so that a payload read in, written out and read
again gives the same graph. Each aspect the passport has something for is written under its key
(``generalProductInformation``, ``carbonFootprint``, ``circularity``, ``materialComposition``,
``performance``, ``labels``, ``supplyChainDueDiligence``); the aspects' own modules write theirs.

GeneralProductInformation: ``id`` -> ``productIdentifier``; ``passportIdentifier`` ->
``batteryPassportIdentifier``; ``category`` -> ``batteryCategory`` (lmt, ev, industrial,
stationary); ``status`` -> ``batteryStatus`` (Original, Repurposed, Reused, Remanufactured,
Waste); ``weight`` in kg -> ``batteryMass``; ``manufacturingDate`` (a month and year, or a
date); ``manufacturer`` / ``operator`` (organisation name, street, postal code and country of
the address, the operator's identifier) -> ``manufacturerInformation`` /
``operatorInformation``; the manufacturing place's address -> ``manufacturingPlace``. Every
term no aspect holds, and every part of a written one that the aspect's fields do not hold (a
city, a contact point, a facility id), is named by its path in ``Payload.not_written``: nothing
is left out silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolver import jsonld
from resolver.adapters import batterypass
from resolver.errors import DocumentError
from resolver.jsontypes import JSONObject

__all__ = ["Payload", "to_payload"]

_CATEGORIES = {ours: theirs for theirs, ours in batterypass._CATEGORIES.items()}
_STATUSES = {"original": "Original", "repurposed": "Repurposed", "re-used": "Reused",
             "remanufactured": "Remanufactured", "waste": "Waste"}  # fmt: skip
_TABLES = (("category", "batteryCategory", _CATEGORIES), ("status", "batteryStatus", _STATUSES))
_MASS_UNITS = {"KGM": 1.0}  # the aspect's batteryMass is in kg
_PARTIES = (
    ("manufacturer", "manufacturerInformation", "Organization"),
    ("operator", "operatorInformation", "Operator"),
)


@dataclass(frozen=True, slots=True)
class Payload:
    document: dict[str, object]
    not_written: tuple[str, ...]  # paths of the passport's terms the aspect cannot hold


def to_payload(doc: object) -> Payload:
    """A Battery Pass payload for one of our passports (compact or expanded): each aspect that
    has something to hold, under its key."""
    passport = jsonld.compact_expanded(jsonld.expand(doc))
    identifier = passport.get("id")
    if not isinstance(identifier, str):
        raise DocumentError("the passport has no id")
    taken = {"@context", "id", "type"}
    left: list[str] = []
    out: dict[str, object] = {batterypass.GENERAL: _general(passport, identifier, taken, left)}
    for aspect in batterypass.ASPECTS:
        written, terms = aspect.write(passport, left)
        if written:
            out[aspect.key] = written
            taken |= terms
    left += [term for term in passport if term not in taken]
    return Payload(out, tuple(sorted(set(left))))


def _general(passport: JSONObject, identifier: str, taken: set[str], left: list[str]) -> dict[str, object]:
    """The GeneralProductInformation aspect."""
    out: dict[str, object] = {"productIdentifier": identifier}
    _plain(passport, out, taken)
    for term, field, kind in _PARTIES:
        party = _party(passport.get(term), term, kind, left)
        if party is not None:
            out[field] = party
            taken.add(term)
    place = passport.get("manufacturingPlace")
    if isinstance(place, dict):
        address = _address(place.get("address"), "manufacturingPlace.address", left)
        left += [f"manufacturingPlace.{key}" for key in place if key != "address"]
        if address is not None:
            out["manufacturingPlace"] = address
            taken.add("manufacturingPlace")
    return out


def _plain(passport: JSONObject, out: dict[str, object], taken: set[str]) -> None:
    """The aspect's single-valued fields, each taken only when the aspect can hold its value."""
    passport_id = passport.get("passportIdentifier")
    if isinstance(passport_id, str):
        out["batteryPassportIdentifier"] = passport_id
        taken.add("passportIdentifier")
    for term, field, table in (
        ("category", "batteryCategory", _CATEGORIES),
        ("status", "batteryStatus", _STATUSES),
    ):
        value = passport.get(term)
        if isinstance(value, str) and value in table:
            out[field] = table[value]
            taken.add(term)
    weight = passport.get("weight")
    if isinstance(weight, dict) and weight.get("unit") in _MASS_UNITS and _is_number(weight.get("value")):
        out["batteryMass"] = weight["value"]
        taken.add("weight")
    # A month and year (xsd:gYearMonth) compacts under the property's prefixed name: the
    # context's term types its value xsd:date.
    for key in ("manufacturingDate", "gs1:productionDate"):
        made = passport.get(key)
        made = made.get("@value") if isinstance(made, dict) else made
        if isinstance(made, str):
            out["manufacturingDate"] = made
            taken.add(key)
            return


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _party(value: object, term: str, kind: str, left: list[str]) -> dict[str, object] | None:
    """A party as the aspect's contact (contactName, postalAddress, an operator's identifier);
    the reader types it ``kind``, so another type is named as not written."""
    if not isinstance(value, dict):
        return None
    party: dict[str, object] = {}
    name = value.get("organizationName")
    if isinstance(name, str):
        party["contactName"] = name
    identifier = value.get("operatorIdentifier")
    if kind == "Operator" and isinstance(identifier, str):
        party["identifier"] = identifier
    address = _address(value.get("address"), f"{term}.address", left)
    if address is not None:
        party["postalAddress"] = address
    if not party:
        return None
    if value.get("type", kind) != kind:
        left.append(f"{term}.type")
    held = {
        "type",
        "organizationName",
        "address",
        *(("operatorIdentifier",) if "identifier" in party else ()),
    }
    left += [f"{term}.{key}" for key in value if key not in held]
    return party


def _address(value: object, path: str, left: list[str]) -> dict[str, object] | None:
    if not isinstance(value, dict):
        return None
    address = {
        key: value[key] for key in batterypass._ADDRESS if isinstance(value.get(key), str) and value[key]
    }
    left += [f"{path}.{key}" for key in value if key not in address]
    return address or None
