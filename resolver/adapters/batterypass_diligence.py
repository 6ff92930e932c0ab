"""The Battery Pass SupplyChainDueDiligence aspect (``urn:samm:io.BatteryPass.
SupplyChainDueDiligence:1.2.0#SupplyChainDueDiligence``) in and out of our ``dueDiligence``.

``supplyChainDueDiligenceReport`` (the report's web address) <-> ``dueDiligence.reportUrl``.
The model's optional ``thirdPartyAussurances`` (spelt so in the model: a web address) and
``supplyChainIndicies`` (a score) have no term of ours and are listed as not mapped; out, any
other part of our ``dueDiligence`` is named as not written.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.adapters.batterypass_fields import Aspect, Reading

__all__ = ["ASPECT"]

KEY = "supplyChainDueDiligence"
ALIASES = ("dueDiligence",)
MARKERS = ("supplyChainDueDiligenceReport",)


def read(aspect: dict[str, object], reading: Reading) -> dict[str, object]:
    report = reading.text(aspect, "supplyChainDueDiligenceReport")
    return {"dueDiligence": {"reportUrl": report}} if report is not None else {}


def write(passport: Mapping[str, object], left: list[str]) -> tuple[dict[str, object], set[str]]:
    diligence = passport.get("dueDiligence")
    if not isinstance(diligence, dict) or not isinstance(diligence.get("reportUrl"), str):
        return {}, set()
    left += [f"dueDiligence.{key}" for key in diligence if key != "reportUrl"]
    return {"supplyChainDueDiligenceReport": diligence["reportUrl"]}, {"dueDiligence"}


ASPECT = Aspect(KEY, ALIASES, MARKERS, read, write)
