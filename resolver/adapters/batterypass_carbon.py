"""The Battery Pass CarbonFootprint aspect (``urn:samm:io.BatteryPass.CarbonFootprint:1.2.0#
CarbonFootprintForBatteries``) in and out of our ``carbonFootprint``.

Figures are kg CO2e per kWh of the energy the battery provides over its service life, in the
aspect and in our terms (``kgCO2e/kWh``):

- ``batteryCarbonFootprint`` <-> ``carbonFootprint.total``;
- ``carbonFootprintPerLifecycleStage`` (``lifecycleStage``, ``carbonFootprint``): the stages
  ``RawMaterialExtraction``, ``MainProduction``, ``Distribution``, ``Recycling`` <->
  ``rawMaterialAcquisition``, ``mainProduction``, ``distribution``, ``endOfLife``; another stage
  is refused with its path (the model enumerates these four), as is a stage given twice;
- ``carbonFootprintPerformanceClass`` (a code) <-> ``performanceClass``: ``A`` to ``E`` are our
  ``classA`` to ``classE``; another code is listed as not mapped;
- ``carbonFootprintStudy`` <-> ``studyUrl``.

``absoluteCarbonFootprint`` (kg, optional in the model) has no term of ours: listed as not
mapped. Out, a figure in another unit than kg CO2e/kWh, and any other part of our
``carbonFootprint``, is named as not written.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.adapters.batterypass_fields import Aspect, Reading, enumerated, quantity, quantity_value
from resolver.errors import DocumentError

__all__ = ["ASPECT"]

KEY = "carbonFootprint"
ALIASES = ("carbonFootprintForBatteries",)
MARKERS = ("batteryCarbonFootprint", "carbonFootprintPerLifecycleStage", "carbonFootprintPerformanceClass")
_UNIT = "kgCO2e/kWh"
_STAGES = {"RawMaterialExtraction": "rawMaterialAcquisition", "MainProduction": "mainProduction",
           "Distribution": "distribution", "Recycling": "endOfLife"}  # fmt: skip
_STAGES_OUT = {ours: theirs for theirs, ours in _STAGES.items()}
_LIST = "carbonFootprintPerLifecycleStage"


def read(aspect: dict[str, object], reading: Reading) -> dict[str, object]:
    """Our terms from the aspect: ``{"carbonFootprint": {...}}``, or nothing."""
    footprint: dict[str, object] = {}
    total = quantity(reading.number(aspect, "batteryCarbonFootprint"), _UNIT)
    if total is not None:
        footprint["total"] = total
    for index, entry in enumerate(reading.objects(aspect, _LIST)):
        inside = f"{_LIST}[{index}]"
        stage = enumerated(reading, entry, "lifecycleStage", inside, _STAGES)
        value = reading.number(entry, "carbonFootprint", inside)
        if stage is None or value is None:
            reading.left += [
                reading.where(inside, key) for key in ("lifecycleStage", "carbonFootprint") if key in entry
            ]
            continue
        if stage in footprint:
            raise DocumentError(
                f"{reading.where(inside, 'lifecycleStage')}: {entry['lifecycleStage']!r} is given twice"
            )
        footprint[stage] = quantity(value, _UNIT)
    code = reading.text(aspect, "carbonFootprintPerformanceClass")
    if code is not None:
        if code.upper() in ("A", "B", "C", "D", "E"):
            footprint["performanceClass"] = f"class{code.upper()}"
        else:
            reading.left.append(reading.where("", "carbonFootprintPerformanceClass"))
    study = reading.text(aspect, "carbonFootprintStudy")
    if study is not None:
        footprint["studyUrl"] = study
    return {"carbonFootprint": footprint} if footprint else {}


def write(passport: Mapping[str, object], left: list[str]) -> tuple[dict[str, object], set[str]]:
    """The aspect for our ``carbonFootprint``, and the terms it took (``left``: the parts it
    could not hold)."""
    footprint = passport.get("carbonFootprint")
    if not isinstance(footprint, dict):
        return {}, set()
    out: dict[str, object] = {}
    held: set[str] = set()
    total = quantity_value(footprint, "total", _UNIT)
    if total is not None:
        out["batteryCarbonFootprint"] = total
        held.add("total")
    stages = []
    for ours, theirs in _STAGES_OUT.items():
        value = quantity_value(footprint, ours, _UNIT)
        if value is not None:
            stages.append({"lifecycleStage": theirs, "carbonFootprint": value})
            held.add(ours)
    if stages:
        out[_LIST] = stages
    performance = footprint.get("performanceClass")
    if isinstance(performance, str) and performance in {f"class{c}" for c in "ABCDE"}:
        out["carbonFootprintPerformanceClass"] = performance[-1]
        held.add("performanceClass")
    if isinstance(footprint.get("studyUrl"), str):
        out["carbonFootprintStudy"] = footprint["studyUrl"]
        held.add("studyUrl")
    left += [f"carbonFootprint.{key}" for key in footprint if key not in held]
    return out, ({"carbonFootprint"} if out else set())


ASPECT = Aspect(KEY, ALIASES, MARKERS, read, write)
