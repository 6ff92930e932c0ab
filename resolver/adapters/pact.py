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

from resolver.errors import DocumentError

__all__ = ["FootprintPerKwh", "footprint_per_kwh"]

_KWH = {"kilowatt hour", "kWh"}
_MJ = {"megajoule", "MJ"}
_KG = {"kilogram", "kg"}


@dataclass(frozen=True, slots=True)
class FootprintPerKwh:
    value: float  # kg CO2e per kWh
    source: str  # the ProductFootprint's id
    spec_version: str
    how: str  # the conversion applied, in words

    def as_passport_value(self) -> dict[str, object]:
        """As the passport writes a carbon-footprint figure."""
        return {"value": self.value, "unit": "kgCO2e/kWh"}


def footprint_per_kwh(payload: object, *, kwh_per_kg: float | None = None) -> FootprintPerKwh:
    """The footprint of a PACT ProductFootprint in kg CO2e per kWh; DocumentError names the
    field when it is missing, impossible, or in a unit that cannot be converted."""
    if not isinstance(payload, dict) or not isinstance(payload.get("pcf"), dict):
        raise DocumentError("not a PACT ProductFootprint: no pcf object")
    version = str(payload.get("specVersion", ""))
    if not version.startswith(("2.", "3.")):
        raise DocumentError(f"specVersion: {version!r}; PACT ProductFootprint 2.x or 3.x")
    pcf = payload["pcf"]
    v3 = version.startswith("3.")
    unit = _text(pcf, "declaredUnitOfMeasurement" if v3 else "declaredUnit")
    amount = _number(pcf, "declaredUnitAmount" if v3 else "unitaryProductAmount", positive=True)
    footprint = _number(pcf, "pcfExcludingBiogenicUptake" if v3 else "pCfExcludingBiogenic")
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
