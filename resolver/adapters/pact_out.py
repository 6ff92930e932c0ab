"""``export --format pact``: a passport's carbon footprint as a PACT ``ProductFootprint`` 2.3.

The battery maker, as a supplier of batteries (to a vehicle maker, an integrator), shares its
product's cradle-to-gate footprint the way PACT exchanges them (WBCSD PACT Technical
Specifications 2.3, ``spec/v2/openapi.yaml``: ``ProductFootprint`` and ``CarbonFootprint``). The
inverse of ``import --format pact`` (resolver/adapters/pact.py), which reads a supplier's
footprint into the passport:

- the declared unit is ``kilowatt hour`` and the amount ``1``: the passport's figures are kg CO2e
  per kWh of battery energy (Annex II of Regulation (EU) 2023/1542), so ``pCfExcludingBiogenic``
  is that figure, and reading the export back gives it again;
- PACT's footprint is cradle to gate: ``pCfExcludingBiogenic`` is the sum of the passport's
  raw-material and main-production stages; distribution, end of life, the total over all four,
  the performance class and the study's address are not PACT's, and are named as not written;
- ``companyName`` is the manufacturer's name, ``productIds`` the passport's identifier,
  ``productNameCompany`` its product name (else its model), ``geographyCountry`` the country of
  the manufacturing place; ``productDescription``, ``comment`` and ``boundaryProcessesDescription``
  say in words what the figure is and where it comes from.

Nothing is invented: the fields PACT requires that a passport does not hold (company ids, CPC
class, reference period, fossil and biogenic split, characterisation factors, standards used,
exemptions, packaging) are left out and named in ``not_written``, so the receiver completes them
or asks the maker. A passport without the two cradle-to-gate stages has no footprint to write:
its document is empty (``Footprint.document`` None), and the reason is named.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["SPEC_VERSION", "Footprint", "to_footprint"]

SPEC_VERSION = "2.3.0"
_UNIT = "kgCO2e/kWh"
_CRADLE_TO_GATE = ("rawMaterialAcquisition", "mainProduction")
_NOT_PACT = ("distribution", "endOfLife", "total", "performanceClass", "studyUrl")
# Fields PACT 2.3 requires that no passport term gives (ProductFootprint, then CarbonFootprint).
MISSING_REQUIRED = (
    "companyIds",
    "productCategoryCpc",
    "pcf.referencePeriodStart",
    "pcf.referencePeriodEnd",
    "pcf.fossilGhgEmissions",
    "pcf.fossilCarbonContent",
    "pcf.biogenicCarbonContent",
    "pcf.characterizationFactors",
    "pcf.ipccCharacterizationFactorsSources",
    "pcf.crossSectoralStandardsUsed",
    "pcf.exemptedEmissionsPercent",
    "pcf.exemptedEmissionsDescription",
    "pcf.packagingEmissionsIncluded",
)
_REQUIRED_NOTE = " (PACT requires it; no passport data holds it)"


@dataclass(frozen=True, slots=True)
class Footprint:
    document: dict[str, object] | None  # None: the passport has no cradle-to-gate footprint
    not_written: tuple[str, ...]


def to_footprint(doc: object, *, created: datetime.datetime) -> Footprint:
    """The ProductFootprint of a passport (compacted JSON-LD, our context), made at ``created``
    (the export's time, in UTC), with what it could not write."""
    passport: Mapping[str, object] = doc if isinstance(doc, dict) else {}
    footprint = passport.get("carbonFootprint")
    stages = footprint if isinstance(footprint, dict) else {}
    values = [_kg_per_kwh(stages.get(stage)) for stage in _CRADLE_TO_GATE]
    if any(value is None for value in values):
        missing = [f"carbonFootprint.{s}" for s, v in zip(_CRADLE_TO_GATE, values, strict=True) if v is None]
        reason = f"{', '.join(missing)} (a PACT footprint is cradle to gate: nothing written)"
        return Footprint(None, (reason,))
    iri = str(passport.get("id", ""))
    per_kwh = sum((v for v in values if v is not None), Decimal(0))
    document: dict[str, object] = {
        "id": _footprint_id(iri, per_kwh),
        "specVersion": SPEC_VERSION,
        "version": 0,
        "created": created.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "Active",
        "comment": (
            f"Exported from the battery passport {iri}: the sum of its carbon footprint's raw material "
            "acquisition and main production stages (Regulation (EU) 2023/1542, Annex II), per kWh "
            "of battery energy."
        ),
        **_company(passport),
        "productDescription": _description(passport),
        "productIds": [iri],
        **_product_name(passport),
        "pcf": _pcf(per_kwh, passport),
    }
    not_written = [f"carbonFootprint.{key}" for key in _NOT_PACT if key in stages]
    if "companyName" not in document:
        not_written.append("companyName" + _REQUIRED_NOTE)
    if "productNameCompany" not in document:
        not_written.append("productNameCompany" + _REQUIRED_NOTE)
    not_written += [field + _REQUIRED_NOTE for field in MISSING_REQUIRED]
    return Footprint(document, tuple(not_written))


def _kg_per_kwh(stage: object) -> Decimal | None:
    if not isinstance(stage, dict) or stage.get("unit") != _UNIT:
        return None
    value = stage.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Decimal(str(value))


def _footprint_id(iri: str, per_kwh: Decimal) -> str:
    """A UUID in version 4's form, the same for the same passport and figure (a re-export is the
    same footprint; a changed figure is another one)."""
    digest = hashlib.sha256(f"{iri}\n{per_kwh}".encode()).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))


def _company(passport: Mapping[str, object]) -> dict[str, object]:
    maker = passport.get("manufacturer")
    name = maker.get("organizationName") if isinstance(maker, dict) else None
    return {"companyName": name} if isinstance(name, str) and name else {}


def _product_name(passport: Mapping[str, object]) -> dict[str, object]:
    for term in ("productName", "model"):
        name = passport.get(term)
        if isinstance(name, str) and name:
            return {"productNameCompany": name}
    return {}


def _description(passport: Mapping[str, object]) -> str:
    """The product in words, from the passport's own terms."""
    parts = [str(passport[t]) for t in ("productName", "model") if isinstance(passport.get(t), str)]
    for term, label in (("category", "category"), ("chemistry", "chemistry")):
        value = passport.get(term)
        if isinstance(value, str):
            parts.append(f"{label} {value}")
    return "Battery: " + (", ".join(parts) if parts else str(passport.get("id", "")))


def _pcf(per_kwh: Decimal, passport: Mapping[str, object]) -> dict[str, object]:
    pcf: dict[str, object] = {
        "declaredUnit": "kilowatt hour",
        "unitaryProductAmount": "1",
        "pCfExcludingBiogenic": _decimal(per_kwh),
        "boundaryProcessesDescription": (
            "Raw material acquisition and pre-processing, and main product production, as the "
            "battery passport's carbon footprint declares them (Regulation (EU) 2023/1542, Annex II)"
        ),
    }
    place = passport.get("manufacturingPlace")
    address = place.get("address") if isinstance(place, dict) else None
    country = address.get("addressCountry") if isinstance(address, dict) else None
    if isinstance(country, str) and len(country) == 2 and country.isupper():
        pcf["geographyCountry"] = country
    return pcf


def _decimal(value: Decimal) -> str:
    """A PACT Decimal: a JSON string of the number, without an exponent."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
