"""The CN market's lines: what China's national traceability platform for traction batteries
asks for (MIIT, Interim Provisions on the Traceability Management of NEV Traction Battery
Recycling, 2018 No. 35, in force 1 August 2018; codes per GB/T 34014-2017), read from a passport
through the mapping between the cn-battery and eu-battery profiles (docs/cn-profile.md).

China's rules have no access tiers; the tier given is where our profile keeps the value.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from resolver.cn.gbt34014 import code_from_handle
from resolver.readiness.report import Facts, Line
from resolver.tiers import Tier

__all__ = ["CN", "TRACEABILITY_FROM", "cn_lines"]

EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
GS1 = "https://ref.gs1.org/voc/"
CN = "https://w3id.org/battery-passport/cn-battery#"
TRACEABILITY_FROM = datetime.date(2018, 8, 1)
_PROVISIONS = "MIIT 2018 No. 35 (traceability provisions)"


@dataclass(frozen=True, slots=True)
class _Item:
    key: str
    label: str
    source: str
    tier: str
    predicates: tuple[str, ...]  # any of them present (eu-battery or cn-battery IRIs)


ITEMS = (
    _Item("cn-code", "Battery code (GB/T 34014, 24 characters)", "GB/T 34014-2017 4; " + _PROVISIONS,
          "public", (CN + "batteryCode",)),
    _Item("cn-maker", "Maker", _PROVISIONS, "public",
          (GS1 + "manufacturer", EUBAT + "hasOperatorInformation")),
    _Item("cn-date", "Production date", _PROVISIONS, "public", (GS1 + "productionDate",)),
    _Item("cn-type", "Product type (pack, module, cell) and battery type", "GB/T 34014-2017 4.3",
          "public", (CN + "productType", EUBAT + "hasBatteryChemistry")),
    _Item("cn-capacity", "Rated capacity", _PROVISIONS, "public", (EUBAT + "hasRatedCapacity",)),
    _Item("cn-voltage", "Rated (nominal) voltage", _PROVISIONS, "public", (EUBAT + "hasNominalVoltage",)),
    _Item("cn-mass", "Mass", _PROVISIONS, "public", (EUBAT + "hasBatteryMass", GS1 + "netWeight")),
    _Item("cn-vin", "Vehicle (VIN) the battery is installed in", _PROVISIONS, "authority",
          (CN + "vehicleIdentificationNumber",)),
    _Item("cn-transfers", "Transfer events (sold, installed, repaired, retired, recycled; receiving party)",
          _PROVISIONS, "authority", (CN + "transferEvent",)),
)  # fmt: skip


def cn_lines(facts: Facts, on: datetime.date) -> list[Line]:
    # A passport named {prefix}/{code} carries its code in its identifier.
    code = code_from_handle("/" + facts.passport.rsplit("/", 1)[-1])
    lines = []
    for item in ITEMS:
        base = {"key": item.key, "label": item.label, "source": item.source, "tier": item.tier}
        present = any(facts.has(p) for p in item.predicates) or (item.key == "cn-code" and code is not None)
        failing = facts.failing(item.predicates) if present else []
        if failing:
            lines.append(Line(**base, status="failing", reason="; ".join(failing[:3])))
        elif present:
            reason = f"from the passport's identifier ({code.code})" if item.key == "cn-code" and code else ""
            lines.append(Line(**base, status="valid", reason=reason))
        elif facts.hidden(Tier.from_label(item.tier)):
            lines.append(Line(**base, status="hidden", reason=f"not in the {facts.visible.label} view read"))
        elif item.key in ("cn-vin", "cn-transfers"):
            reason = "reported to the platform when the battery is installed or changes hands"
            lines.append(Line(**base, status="conditional", reason=reason))
        elif on < TRACEABILITY_FROM:
            lines.append(Line(**base, status="later", due=TRACEABILITY_FROM.isoformat()))
        else:
            lines.append(Line(**base, status="missing", reason="the traceability platform asks for it"))
    return lines
