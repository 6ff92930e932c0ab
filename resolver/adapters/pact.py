"""PACT (WBCSD Partnership for Carbon Transparency) ``ProductFootprint`` v2 and v3: a supplier's
cradle-to-gate footprint as kilograms of CO2e per kWh, the unit of the passport's carbon footprint.

Read fields: ``specVersion``, ``id``, and in ``pcf`` the declared unit (v2 ``declaredUnit``,
v3 ``declaredUnitOfMeasurement``), the amount it is given for (v2 ``unitaryProductAmount``, v3
``declaredUnitAmount``) and the footprint excluding biogenic uptake (v2
``pCfExcludingBiogenic``, v3 ``pcfExcludingBiogenicUptake``). Numbers may be JSON numbers or
decimal strings, as PACT writes them.

The conversion, per declared unit:

- kilowatt hour (``kilowatt hour``, ``kWh``): footprint / amount;
- megajoule (``megajoule``, ``MJ``): footprint / amount x 3.6 (1 kWh = 3.6 MJ);
- kilogram (``kilogram``, ``kg``): footprint / amount / the product's specific energy in kWh per
  kg, which the caller must give (``kwh_per_kg``); refused without it;
- any other unit (litre, cubic metre, square metre, tonne-kilometre): refused, a battery's
  energy is not per that unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from resolver.adapters.dates import check_date
from resolver.adapters.paths import unread
from resolver.errors import DocumentError
from resolver.jsontypes import JSONObject

__all__ = ["FootprintPerKwh", "Supplied", "apply", "footprint_per_kwh", "footprints", "read"]

_CATENAX_7 = "urn:io.catenax.pcf:datamodel:version:7."
_KWH = {"kilowatt hour", "kWh"}
_MJ = {"megajoule", "MJ"}
_KG = {"kilogram", "kg"}


@dataclass(frozen=True, slots=True)
class FootprintPerKwh:
    value: float  # kg CO2e per kWh
    source: str  # the ProductFootprint's id
    spec_version: str
    how: str  # the conversion applied, in words

    def as_passport_value(self) -> JSONObject:
        """As the passport writes a carbon-footprint figure."""
        return {"value": self.value, "unit": "kgCO2e/kWh"}


def footprint_per_kwh(payload: object, *, kwh_per_kg: float | None = None) -> FootprintPerKwh:
    """The footprint of a PACT ProductFootprint in kg CO2e per kWh; DocumentError names the
    field when it is missing, impossible, or in a unit that cannot be converted."""
    if not isinstance(payload, dict) or not isinstance(payload.get("pcf"), dict):
        raise DocumentError("not a PACT ProductFootprint: no pcf object")
    version = _version(payload)
    pcf = payload["pcf"]
    v3 = version.startswith("3.")
    unit = _text(pcf, "declaredUnitOfMeasurement" if v3 else "declaredUnit")
    amount = _number(pcf, "declaredUnitAmount" if v3 else "unitaryProductAmount", positive=True)
    footprint = _number(pcf, _footprint_key(pcf, v3))
    per_unit = footprint / amount
    if unit in _KWH:
        value, how = per_unit, f"{footprint} kg CO2e per {amount} kWh"
    elif unit in _MJ:
        value, how = per_unit * Decimal("3.6"), f"{footprint} kg CO2e per {amount} MJ, x 3.6 MJ/kWh"
    elif unit in _KG:
        if kwh_per_kg is None or kwh_per_kg <= 0:
            raise DocumentError(
                f"pcf: declared per {unit}; converting to per kWh needs the product's specific energy "
                "(kWh per kg), which was not given"
            )
        value = per_unit / Decimal(str(kwh_per_kg))
        how = f"{footprint} kg CO2e per {amount} kg, / {kwh_per_kg} kWh/kg"
    else:
        raise DocumentError(f"pcf: declared per {unit!r}, which cannot be converted to per kWh")
    return FootprintPerKwh(float(value), str(payload.get("id", "")), version, how)


def _version(payload: dict[str, object]) -> str:
    """``specVersion``: PACT 2.x or 3.x; Catena-X PCF 7.x (``urn:io.catenax.pcf:datamodel:version:
    7.0.0``), the PACT 2 data model as Catena-X profiles it, is read as 2.x."""
    version = str(payload.get("specVersion", ""))
    if version.startswith(_CATENAX_7):
        return "2.0.0"
    if not version.startswith(("2.", "3.")):
        raise DocumentError(f"specVersion: {version!r}; PACT ProductFootprint 2.x or 3.x")
    return version


def _footprint_key(pcf: dict[str, object], v3: bool) -> str:
    if v3:
        return "pcfExcludingBiogenicUptake"
    # Catena-X PCF 7 spells PACT 2's pCfExcludingBiogenic pcfExcludingBiogenic.
    return "pcfExcludingBiogenic" if "pcfExcludingBiogenic" in pcf else "pCfExcludingBiogenic"


def _text(pcf: dict[str, object], key: str) -> str:
    value = pcf.get(key)
    if not isinstance(value, str) or not value:
        raise DocumentError(f"pcf.{key}: missing")
    return value


def _number(pcf: dict[str, object], key: str, *, positive: bool = False) -> Decimal:
    raw = pcf.get(key)
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise DocumentError(f"pcf.{key}: missing or not a number")
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise DocumentError(f"pcf.{key}: {raw!r} is not a number") from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise DocumentError(f"pcf.{key}: {raw!r} is not a possible value")
    return number


# --- whole footprints, and what they feed ------------------------------------------------------

# Date-times a ProductFootprint carries (v2 and v3): checked, an impossible one refused with its path.
_DATES = ("created", "updated", "validityPeriodStart", "validityPeriodEnd", "pcf.referencePeriodStart",
          "pcf.referencePeriodEnd")  # fmt: skip
_READ = ("id", "specVersion", "productIds", "pcf.declaredUnit", "pcf.unitaryProductAmount",
         "pcf.pCfExcludingBiogenic", "pcf.pcfExcludingBiogenic", "pcf.declaredUnitOfMeasurement",
         "pcf.declaredUnitAmount", "pcf.pcfExcludingBiogenicUptake")  # fmt: skip
STAGE = "rawMaterialAcquisition"  # the passport's stage a supplier's footprint feeds
_STAGES = ("rawMaterialAcquisition", "mainProduction", "distribution", "endOfLife")


@dataclass(frozen=True, slots=True)
class Supplied:
    """One supplier footprint, read: per kWh, the products it names, what was not mapped."""

    footprint: FootprintPerKwh
    product_ids: tuple[str, ...]
    unmapped: tuple[str, ...]


def footprints(doc: object) -> list[tuple[str, dict[str, object]]]:
    """The ProductFootprints of a document, each with its path: one, a JSON array, or a PACT API
    answer (``{"data": [...]}`` for a list, ``{"data": {...}}`` for one)."""
    data = doc.get("data") if isinstance(doc, dict) and "pcf" not in doc else doc
    if isinstance(data, list):
        return [(f"data[{i}]" if data is not doc else f"[{i}]", item) for i, item in enumerate(data)
                if isinstance(item, dict)]  # fmt: skip
    if isinstance(data, dict):
        return [("data" if data is not doc else "", data)]
    raise DocumentError("not a PACT ProductFootprint, a list of them, or a PACT API answer")


def read(payload: dict[str, object], *, kwh_per_kg: float | None = None) -> Supplied:
    """A ProductFootprint: its footprint per kWh (footprint_per_kwh), its ``productIds``, and
    every field no rule read. Impossible dates are refused with their path."""
    for path in _DATES:
        value = _at(payload, path)
        if isinstance(value, str):
            check_date(path, value)
    footprint = footprint_per_kwh(payload, kwh_per_kg=kwh_per_kg)
    ids = payload.get("productIds")
    product_ids = tuple(i for i in ids if isinstance(i, str)) if isinstance(ids, list) else ()
    return Supplied(footprint, product_ids, unread(payload, _READ))


def apply(passport: JSONObject, supplied: Supplied) -> JSONObject:
    """``passport`` (compacted JSON-LD, our context) with the supplier's footprint as its
    carbon footprint's raw-material stage, and its total the sum of the four stages again.
    DocumentError when the passport has no carbon footprint for it to feed."""
    found = passport.get("carbonFootprint")
    if not isinstance(found, dict):
        raise DocumentError(
            f"{passport.get('id')}: the passport has no carbon footprint; a supplier's footprint feeds "
            "one stage of it, the other stages are the maker's"
        )
    footprint = dict(found)
    footprint[STAGE] = supplied.footprint.as_passport_value()
    stages = [footprint.get(stage) for stage in _STAGES]
    values = [s.get("value") for s in stages if isinstance(s, dict)]
    if len(values) == len(_STAGES) and all(isinstance(v, int | float) for v in values):
        total = round(sum(float(v) for v in values if isinstance(v, int | float)), 6)
        footprint["total"] = {"value": total, "unit": "kgCO2e/kWh"}
    return {**passport, "carbonFootprint": footprint}


def _at(payload: dict[str, object], path: str) -> object:
    node: object = payload
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node
