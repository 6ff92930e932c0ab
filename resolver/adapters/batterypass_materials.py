"""The Battery Pass MaterialComposition aspect (``urn:samm:io.BatteryPass.MaterialComposition:
1.2.0#MaterialComposition``) in and out of our chemistry, hazardous substances and critical raw
materials.

- ``batteryChemistry.shortName`` <-> ``chemistry``, when it names a chemistry of our vocabulary
  (``NMC811``, ``LFP``, ...; any case); another short name, and the ``clearName`` (which the
  passport does not hold, so it is not written), are listed;
- ``hazardousSubstances[]``: ``hazardousSubstanceName``, ``hazardousSubstanceIdentifier`` (CAS),
  ``hazardousSubstanceConcentration`` (percent, as ours), ``hazardousSubstanceLocation.
  componentName`` (cathode, anode, electrolyte, separator, casing) <-> ``name``, ``casNumber``,
  ``concentration``, ``location``; the class, the impact statements, the component id and
  another component are listed;
- ``batteryMaterials[]``: the names of those with ``isCriticalRawMaterial`` true <->
  ``criticalRawMaterials``; out, each is written with its name and the flag only (the passport
  holds no location, CAS number nor mass for them). Every other material field is listed.

Refused with their path: a CAS number that does not have the model's form (``7439-93-2``), a
hazard class outside the model's three (``AcuteToxicity``, ``SkinCorrosionOrIrritation``,
``EyeDamageOrIrritation``), a concentration or mass that is no number, and an
``isCriticalRawMaterial`` that is not true or false.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from resolver.adapters.batterypass_fields import Aspect, Reading, enumerated
from resolver.errors import DocumentError

__all__ = ["ASPECT"]

KEY = "materialComposition"
ALIASES: tuple[str, ...] = ()
MARKERS = ("batteryChemistry", "batteryMaterials", "hazardousSubstances")
_CHEMISTRIES = ("LCO", "LFP", "LMO", "LiMetal", "NCA", "NMC", "NMC111", "NMC532", "NMC622", "NMC811",
                "NaIon", "NiCd", "NiMH", "Pb")  # fmt: skip
_BY_LOWER = {name.lower(): name for name in _CHEMISTRIES}
_LOCATIONS = ("cathode", "anode", "electrolyte", "separator", "casing")
_CAS = re.compile(r"^\d{2,7}-\d{2}-\d$")
_CLASSES = {name: name for name in ("AcuteToxicity", "SkinCorrosionOrIrritation", "EyeDamageOrIrritation")}
_SUBSTANCES = "hazardousSubstances"


def read(aspect: dict[str, object], reading: Reading) -> dict[str, object]:
    terms: dict[str, object] = {}
    chemistry = reading.section(aspect, "batteryChemistry")
    short = chemistry.get("shortName")
    known = _BY_LOWER.get(short.lower()) if isinstance(short, str) else None
    if known is not None:
        reading.take("batteryChemistry", "shortName")
        terms["chemistry"] = known
    else:
        reading.text(chemistry, "shortName", "batteryChemistry")  # refused if it is no text
        reading.read.discard(reading.where("batteryChemistry", "shortName"))
    substances = [
        _substance(entry, f"{_SUBSTANCES}[{index}]", reading)
        for index, entry in enumerate(reading.objects(aspect, _SUBSTANCES))
    ]
    if any(substances):
        terms[_SUBSTANCES] = [substance for substance in substances if substance]
    critical = _critical(aspect, reading)
    if critical:
        terms["criticalRawMaterials"] = critical
    return terms


def _cas(entry: dict[str, object], key: str, inside: str, reading: Reading) -> str | None:
    found = entry.get(key)
    if found is None:
        return None
    text = reading.text(entry, key, inside)
    if text is not None and not _CAS.match(text.strip()):
        raise DocumentError(f"{reading.where(inside, key)}: {text!r} is not a CAS number (such as 7439-93-2)")
    return text.strip() if text else None


def _substance(entry: dict[str, object], inside: str, reading: Reading) -> dict[str, object]:
    enumerated(reading, entry, "hazardousSubstanceClass", inside, _CLASSES)  # checked, no term of ours
    reading.read.discard(reading.where(_strip(inside), "hazardousSubstanceClass"))
    substance: dict[str, object] = {}
    name = reading.text(entry, "hazardousSubstanceName", inside)
    if name is not None:
        substance["name"] = name
    cas = _cas(entry, "hazardousSubstanceIdentifier", inside, reading)
    if cas is not None:
        substance["casNumber"] = cas
    concentration = reading.number(entry, "hazardousSubstanceConcentration", inside)
    if concentration is not None:
        substance["concentration"] = concentration
    place = entry.get("hazardousSubstanceLocation")
    component = place.get("componentName") if isinstance(place, dict) else None
    if isinstance(component, str) and component.strip().lower() in _LOCATIONS:
        reading.take(f"{inside}.hazardousSubstanceLocation", "componentName")
        substance["location"] = component.strip().lower()
    return substance


def _strip(inside: str) -> str:
    return re.sub(r"\[\d+\]", "", inside)


def _critical(aspect: dict[str, object], reading: Reading) -> list[str]:
    critical: list[str] = []
    for index, entry in enumerate(reading.objects(aspect, "batteryMaterials")):
        inside = f"batteryMaterials[{index}]"
        flag = entry.get("isCriticalRawMaterial")
        if flag is not None and not isinstance(flag, bool):
            raise DocumentError(
                f"{reading.where(inside, 'isCriticalRawMaterial')}: {flag!r} is not true or false"
            )
        probe = Reading(reading.prefix)  # checked, not counted as read: no term of ours
        probe.number(entry, "batteryMaterialMass", inside)
        _cas(entry, "batteryMaterialIdentifier", inside, probe)
        name = probe.text(entry, "batteryMaterialName", inside)
        used: tuple[str, ...] = ()
        if flag is True and name is not None:
            critical.append(name)
            used = ("batteryMaterialName", "isCriticalRawMaterial")
        reading.left += [reading.where(inside, key) for key in entry if key not in used]
    if aspect.get("batteryMaterials"):  # each field not taken is named above, with its index
        reading.take("", "batteryMaterials")
    return critical


def write(passport: Mapping[str, object], left: list[str]) -> tuple[dict[str, object], set[str]]:
    out: dict[str, object] = {}
    taken: set[str] = set()
    chemistry = passport.get("chemistry")
    if isinstance(chemistry, str) and chemistry in _CHEMISTRIES:
        out["batteryChemistry"] = {"shortName": chemistry}
        taken.add("chemistry")
    found = passport.get(_SUBSTANCES)
    listed = found if isinstance(found, list) else [found] if isinstance(found, dict) else []
    substances = [_substance_out(substance, left) for substance in listed if isinstance(substance, dict)]
    if substances:
        out[_SUBSTANCES] = substances
        taken.add(_SUBSTANCES)
    critical = passport.get("criticalRawMaterials")
    critical = [critical] if isinstance(critical, str) else critical
    if isinstance(critical, list) and critical:
        names = [name for name in critical if isinstance(name, str)]
        out["batteryMaterials"] = [
            {"batteryMaterialName": name, "isCriticalRawMaterial": True} for name in names
        ]
        taken.add("criticalRawMaterials")
    return out, taken


def _substance_out(substance: Mapping[str, object], left: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    if isinstance(substance.get("name"), str):
        out["hazardousSubstanceName"] = substance["name"]
    if isinstance(substance.get("casNumber"), str):
        out["hazardousSubstanceIdentifier"] = substance["casNumber"]
    concentration = substance.get("concentration")
    if isinstance(concentration, int | float) and not isinstance(concentration, bool):
        out["hazardousSubstanceConcentration"] = concentration
    location = substance.get("location")
    if isinstance(location, str) and location in _LOCATIONS:
        out["hazardousSubstanceLocation"] = {"componentName": location}
    held = ("name", "casNumber", "concentration", "location")
    left += [f"{_SUBSTANCES}.{key}" for key in substance if key not in held]
    return out


ASPECT = Aspect(KEY, ALIASES, MARKERS, read, write)
