"""Seeded generator of varied, complete and valid eu-battery passports, for benchmarks and bulk imports.

``python -m tools.examples N --seed S --out DIR`` writes N passports as DIR/<suffix>.jsonld.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

__all__ = ["CONTEXT_URL", "generate", "main"]

CONTEXT_URL = "https://w3id.org/battery-passport/eu-battery/v1"

# Per chemistry: nominal cell voltage, min and max cell voltage (V), pack specific energy (Wh/kg),
# cathode, anode, electrolyte, whether it has cobalt/nickel/lithium/lead.
_CHEMISTRY: dict[str, tuple[float, float, float, float, str, str, str]] = {
    "NMC811": (3.65, 2.8, 4.2, 175.0, "LiNi0.8Mn0.1Co0.1O2", "Graphite with 5 % SiOx",
               "LiPF6 1.1 M in EC:EMC 3:7"),
    "NMC622": (3.65, 2.8, 4.2, 165.0, "LiNi0.6Mn0.2Co0.2O2", "Graphite", "LiPF6 1.0 M in EC:DMC:EMC 1:1:1"),
    "NMC532": (3.63, 2.8, 4.2, 155.0, "LiNi0.5Mn0.3Co0.2O2", "Graphite", "LiPF6 1.0 M in EC:DEC 1:1"),
    "NMC": (3.6, 2.8, 4.2, 150.0, "LiNi0.33Mn0.33Co0.33O2", "Graphite", "LiPF6 1.0 M in EC:DMC 1:1"),
    "NCA": (3.6, 2.7, 4.2, 180.0, "LiNi0.8Co0.15Al0.05O2", "Graphite with SiOx", "LiPF6 1.2 M in EC:EMC 3:7"),
    "LFP": (3.2, 2.5, 3.65, 140.0, "LiFePO4", "Graphite", "LiPF6 1.0 M in EC:DMC 1:1"),
    "LMO": (3.7, 3.0, 4.2, 110.0, "LiMn2O4", "Graphite", "LiPF6 1.0 M in EC:DMC 1:1"),
    "NaIon": (3.1, 1.5, 4.0, 120.0, "Na layered oxide (NaNi1/3Fe1/3Mn1/3O2)", "Hard carbon",
              "NaPF6 1.0 M in EC:PC 1:1"),
    "Pb": (2.0, 1.75, 2.4, 35.0, "PbO2", "Pb (sponge lead)", "H2SO4 37 % in water"),
}
_CATEGORY_CHEMISTRIES = {
    "EV": ("NMC811", "NMC622", "NMC532", "NCA", "LFP"),
    "LMT": ("NMC", "NMC622", "LFP", "LMO"),
    "industrial": ("LFP", "Pb", "NMC", "NaIon"),
    "stationary": ("LFP", "NaIon", "NMC622"),
}
# Pack size per category: (series cells min, max), (capacity Ah min, max)
_SIZE = {
    "EV": ((84, 192), (50, 240)),
    "LMT": ((10, 14), (10, 30)),
    "industrial": ((8, 24), (100, 600)),
    "stationary": ((16, 240), (100, 320)),
}
_MAKERS = (
    ("Voltaris Cells GmbH", "Akkuweg 12", "38440", "Wolfsburg", "DE", "voltaris.example"),
    ("Nordpol Energy AB", "Batterigatan 4", "93133", "Skellefteå", "SE", "nordpol.example"),
    ("Accumulatori Adriatici S.p.A.", "Via delle Pile 7", "40127", "Bologna", "IT", "adriatici.example"),
    ("Baterías del Ebro S.L.", "Calle del Litio 21", "50197", "Zaragoza", "ES", "ebro.example"),
    ("Ogniwa Wisła sp. z o.o.", "ul. Akumulatorowa 3", "55-040", "Kobierzyce", "PL", "wisla.example"),
    ("Cellule Loire SAS", "Rue de l'Anode 9", "44600", "Saint-Nazaire", "FR", "loire.example"),
)
_STATUSES = ("original",) * 14 + ("re-used", "repurposed", "remanufactured", "waste")
_EVENT_TYPES = ("accident", "deepDischarge", "overcharge", "thermalEvent", "physicalDamage", "waterIngress")


def generate(n: int, *, seed: int, prefix: str = "88.100.1") -> Iterator[dict[str, Any]]:
    """``n`` complete, valid passports; the same seed and prefix give the same passports."""
    rng = random.Random(seed)
    for index in range(n):
        yield _passport(rng, prefix=prefix, suffix=f"GEN-{seed}-{index:07d}")


def _round(x: float, places: int = 2) -> float:
    return round(x, places)


def _q(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


@dataclass(frozen=True, slots=True)
class _Battery:
    """The drawn facts one passport is written from."""

    suffix: str
    iri: str
    category: str
    chemistry: str
    v_nom: float
    v_min: float
    v_max: float
    wh_per_kg: float
    cathode: str
    anode: str
    electrolyte: str
    series: int
    capacity: float
    energy_kwh: float
    weight: float
    c_rate: float
    power_kw: float
    maker: str
    street: str
    postcode: str
    city: str
    country: str
    domain: str
    made: dt.date
    cycles_expected: int
    cycles_done: int
    fade: float
    soh: float
    status: str
    has_pb: bool
    has_ni: bool
    has_co: bool
    has_li: bool
    model: str
    stages: list[float]
    total: float
    web: str


def _draw(rng: random.Random, *, prefix: str, suffix: str) -> _Battery:
    iri = f"https://hdl.handle.net/{prefix}/{suffix}"
    category = rng.choice(("EV", "EV", "LMT", "industrial", "stationary"))
    chemistry = rng.choice(_CATEGORY_CHEMISTRIES[category])
    v_nom, v_min, v_max, wh_per_kg, cathode, anode, electrolyte = _CHEMISTRY[chemistry]
    (s_lo, s_hi), (c_lo, c_hi) = _SIZE[category]
    series = rng.randint(s_lo, s_hi)
    capacity = float(rng.randint(c_lo, c_hi))
    energy_kwh = series * v_nom * capacity / 1000
    weight = _round(energy_kwh * 1000 / wh_per_kg * rng.uniform(0.95, 1.05), 1)
    c_rate = rng.uniform(1.5, 3.0) if category in ("EV", "LMT") else 0.5
    power_kw = _round(energy_kwh * c_rate, 1)
    maker, street, postcode, city, country, domain = rng.choice(_MAKERS)
    made = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 880))
    cycles_expected = rng.choice((1000, 1500, 2000, 3000, 4000, 6000, 8000))
    cycles_done = rng.randint(0, cycles_expected // 3)
    fade = _round(cycles_done / cycles_expected * rng.uniform(5, 15), 1)
    soh = _round(100 - fade, 1)
    status = rng.choice(_STATUSES)
    has_pb = chemistry == "Pb"
    has_ni = chemistry.startswith(("NMC", "NCA")) or chemistry == "NaIon"
    has_co = chemistry.startswith(("NMC", "NCA"))
    has_li = not has_pb and chemistry != "NaIon"
    model = f"{domain.split('.')[0][:3].upper()}-{category[:3].upper()}-{chemistry}-{rng.randint(10, 99)}"
    stages = [_round(rng.uniform(20, 60)), _round(rng.uniform(8, 25)), _round(rng.uniform(0.5, 3)),
              _round(rng.uniform(0.5, 4))]
    total = _round(sum(stages))
    web = f"https://{domain}"
    return _Battery(
        suffix=suffix,
        iri=iri,
        category=category,
        chemistry=chemistry,
        v_nom=v_nom,
        v_min=v_min,
        v_max=v_max,
        wh_per_kg=wh_per_kg,
        cathode=cathode,
        anode=anode,
        electrolyte=electrolyte,
        series=series,
        capacity=capacity,
        energy_kwh=energy_kwh,
        weight=weight,
        c_rate=c_rate,
        power_kw=power_kw,
        maker=maker,
        street=street,
        postcode=postcode,
        city=city,
        country=country,
        domain=domain,
        made=made,
        cycles_expected=cycles_expected,
        cycles_done=cycles_done,
        fade=fade,
        soh=soh,
        status=status,
        has_pb=has_pb,
        has_ni=has_ni,
        has_co=has_co,
        has_li=has_li,
        model=model,
        stages=stages,
        total=total,
        web=web,
    )


def _passport(rng: random.Random, *, prefix: str, suffix: str) -> dict[str, Any]:
    b = _draw(rng, prefix=prefix, suffix=suffix)
    # Sections in document order: each draws from ``rng`` in turn, as one literal did.
    doc: dict[str, Any] = {
        **_identity(rng, b),
        **_substances_and_footprint(rng, b),
        **_performance(rng, b),
        **_documents(rng, b),
        **_state(rng, b),
    }
    _by_category_and_history(rng, b, doc, prefix=prefix, suffix=suffix)
    return doc


def _identity(rng: random.Random, b: _Battery) -> dict[str, Any]:
    """Who made the battery, where and when, and what it is."""
    return {
        "@context": CONTEXT_URL,
        "id": b.iri,
        "type": "BatteryPassport",
        "passportIdentifier": b.iri,
        "operator": {
            "operatorIdentifier": f"{b.country}{rng.randint(10**11, 10**12 - 1)}",
            "operatorRole": "Manufacturer",
            "organizationName": b.maker,
            "address": {"streetAddress": b.street, "postalCode": b.postcode, "addressLocality": b.city,
                        "addressCountry": b.country},
        },
        "manufacturer": {
            "organizationName": b.maker,
            "address": {"streetAddress": b.street, "postalCode": b.postcode, "addressLocality": b.city,
                        "addressCountry": b.country},
            "contactPoint": {"email": f"passport@{b.domain}", "url": f"{b.web}/batteries"},
        },
        "category": b.category,
        "productName": f"{b.maker.split()[0]} {b.model}",
        "model": b.model,
        "serialNumber": b.suffix,
        "manufacturingPlace": {"facilityIdentifier": str(rng.randint(4000000000000, 4099999999999)),
                               "address": {"addressLocality": b.city, "addressCountry": b.country}},
        "manufacturingDate": b.made.isoformat(),
        "weight": _q(b.weight, "KGM"),
        "ratedCapacity": _q(b.capacity, "AMH"),
        "chemistry": b.chemistry,
    }


def _substances_and_footprint(rng: random.Random, b: _Battery) -> dict[str, Any]:
    """Substances, raw materials, carbon footprint, recycled and renewable content."""
    return {
        "hazardousSubstances": [
            {"name": "Sulfuric acid", "casNumber": "7664-93-9", "concentration": 12.0,
             "location": "electrolyte"}
            if b.has_pb else
            {"name": "Lithium hexafluorophosphate" if b.has_li else "Sodium hexafluorophosphate",
             "casNumber": "21324-40-3" if b.has_li else "21324-39-0",
             "concentration": _round(rng.uniform(0.8, 2.0)), "location": "electrolyte"},
        ],
        "extinguishingAgent": ["Water in large quantities"] if not b.has_pb else ["CO2", "Dry powder"],
        "criticalRawMaterials": [m for m, present in (("Lithium", b.has_li), ("Cobalt", b.has_co),
                                                       ("Nickel", b.has_ni), ("Natural graphite", b.has_li),
                                                       ("Antimony", b.has_pb)) if present] or ["Manganese"],
        "carbonFootprint": {
            "rawMaterialAcquisition": _q(b.stages[0], "kgCO2e/kWh"),
            "mainProduction": _q(b.stages[1], "kgCO2e/kWh"),
            "distribution": _q(b.stages[2], "kgCO2e/kWh"),
            "endOfLife": _q(b.stages[3], "kgCO2e/kWh"),
            "total": _q(b.total, "kgCO2e/kWh"),
            "performanceClass": rng.choice(("classA", "classB", "classC")),
            "studyUrl": f"{b.web}/carbon-footprint/{b.model}",
        },
        "recycledContent": {
            "recycledCobaltShare": _round(rng.uniform(5, 20), 1) if b.has_co else 0.0,
            "recycledLithiumShare": _round(rng.uniform(2, 8), 1) if b.has_li else 0.0,
            "recycledNickelShare": _round(rng.uniform(2, 8), 1) if b.has_ni else 0.0,
            "recycledLeadShare": _round(rng.uniform(60, 85), 1) if b.has_pb else 0.0,
        },
        "renewableContentShare": _round(rng.uniform(0, 10), 1),
    }


def _performance(rng: random.Random, b: _Battery) -> dict[str, Any]:
    """Rated performance and durability."""
    return {
        "minimumVoltage": _q(_round(b.series * b.v_min, 1), "VLT"),
        "nominalVoltage": _q(_round(b.series * b.v_nom, 1), "VLT"),
        "maximumVoltage": _q(_round(b.series * b.v_max, 1), "VLT"),
        "originalPowerCapability": _q(b.power_kw, "KWT"),
        "maximumPermittedPower": _q(_round(b.power_kw * 1.1, 1), "KWT"),
        "expectedLifetimeCycles": b.cycles_expected,
        "lifetimeReferenceTest": "IEC 62660-1:2018" if b.category == "EV" else "IEC 61960-3:2017",
        "idleTemperatureRange": {"minimumTemperature": _q(-float(rng.choice((20, 30, 40))), "CEL"),
                                 "maximumTemperature": _q(float(rng.choice((45, 55, 60))), "CEL")},
        "commercialWarrantyPeriod": _q(float(rng.choice((2, 5, 8, 10))), "ANN"),
        "initialRoundTripEfficiency": _round(rng.uniform(85, 97), 1),
        "roundTripEfficiencyAt50PercentCycleLife": _round(rng.uniform(82, 94), 1),
        "initialInternalResistance": _q(_round(rng.uniform(0.02, 0.2), 3), "OHM"),
        "cycleLifeTestCRate": rng.choice((0.33, 0.5, 1.0)),
    }


def _documents(rng: random.Random, b: _Battery) -> dict[str, Any]:
    """Labels, documents, spare parts and safety."""
    return {
        "separateCollectionSymbol": f"{b.web}/labels/separate-collection.svg",
        "cadmiumSymbol": False,
        "leadSymbol": b.has_pb,
        "declarationOfConformity": f"{b.web}/doc/{b.model}.pdf",
        "wastePreventionInfo": f"{b.web}/end-of-life/prevention",
        "collectionInfo": f"{b.web}/end-of-life/take-back",
        "separateCollectionInfo": f"{b.web}/end-of-life/separate-collection",
        "cathodeActiveMaterial": b.cathode,
        "anodeActiveMaterial": b.anode,
        "electrolyteComposition": b.electrolyte,
        "sparePartNumbers": [f"{b.model}-BMS-01", f"{b.model}-MOD-{rng.randint(1, 9):02d}"],
        "sparePartSources": [{"organizationName": f"{b.maker} Service",
                              "contactPoint": {"email": f"spares@{b.domain}"}}],
        "dismantlingDocuments": [
            {"documentType": "dismantlingManual", "documentUrl": f"{b.web}/rr/{b.model}/dismantling.pdf"},
            {"documentType": "explodedDrawing", "documentUrl": f"{b.web}/rr/{b.model}/exploded.pdf"},
        ],
        "safetyMeasures": ["Disconnect the main contactor before opening", "Wear insulating gloves"],
        "testReports": [f"{b.web}/authority/{b.model}/test-report.pdf"],
    }


def _state(rng: random.Random, b: _Battery) -> dict[str, Any]:
    """The state of the battery now."""
    return {
        "currentRatedCapacity": _q(_round(b.capacity * b.soh / 100, 1), "AMH"),
        "capacityFade": _q(b.fade, "P1"),
        "powerCapability": _q(_round(b.power_kw * (1 - b.fade / 200), 1), "KWT"),
        "powerFade": _q(_round(b.fade / 2, 1), "P1"),
        "internalResistance": _q(_round(0.1 * (1 + b.fade / 50), 3), "OHM"),
        "internalResistanceIncrease": _q(_round(b.fade * 2, 1), "P1"),
        "roundTripEfficiency": _round(rng.uniform(82, 95), 1),
        "roundTripEfficiencyFade": _q(_round(b.fade / 3, 1), "P1"),
        "expectedRemainingCycles": b.cycles_expected - b.cycles_done,
        "expectedLifetimeYears": rng.choice((8, 10, 12, 15, 20)),
        "status": b.status,
        "cycleCount": b.cycles_done,
        "stateOfCharge": _q(float(rng.randint(10, 95)), "P1"),
    }


def _by_category_and_history(
    rng: random.Random, b: _Battery, doc: dict[str, Any], *, prefix: str, suffix: str
) -> None:
    """What depends on the category and status, and the battery's negative events (one in five)."""
    threshold = float(rng.choice((60, 70, 80)))
    if b.category == "EV":  # the guidance: data points 33 and 61 for EV only, 62 to 65 not for EV
        doc["capacityThresholdForExhaustion"] = threshold
        doc["stateOfCertifiedEnergy"] = _q(b.soh, "P1")
    else:
        doc["remainingCapacity"] = _q(_round(b.capacity * b.soh / 100, 1), "AMH")
        doc["remainingPowerCapability"] = _q(_round(b.power_kw * (1 - b.fade / 200), 1), "KWT")
        doc["remainingRoundTripEfficiency"] = _q(_round(100 - b.fade / 3, 1), "P1")
        doc["selfDischargeRate"] = _q(_round(rng.uniform(1, 4), 1), "P1")
    if b.status in ("re-used", "repurposed", "remanufactured"):  # Art. 77(6): linked to the original
        count = rng.randint(1, 3) if b.status == "remanufactured" else 1
        doc["predecessor"] = [f"https://hdl.handle.net/{prefix}/{suffix}-P{k}" for k in range(count)]
    if rng.random() < 0.2:
        # Events happen after manufacturing and before the generator's latest date (never in the future).
        when = dt.datetime.combine(b.made, dt.time(12, 0), dt.UTC) + dt.timedelta(days=rng.randint(1, 200))
        when = min(when, dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC))
        doc["negativeEvents"] = [{"eventType": rng.choice(_EVENT_TYPES), "eventDate": when.isoformat(),
                                  "severity": rng.choice(("minor", "moderate")),
                                  "description": "Recorded by the battery management system"}]
        doc["timeAboveTemperatureBoundary"] = rng.randint(0, 600)
        doc["timeBelowTemperatureBoundary"] = rng.randint(0, 600)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.examples", description=__doc__)
    parser.add_argument("n", type=int, help="how many passports")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--prefix", default="88.100.1", help="handle prefix of the passports")
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("n must be 0 or more")
    args.out.mkdir(parents=True, exist_ok=True)
    for doc in generate(args.n, seed=args.seed, prefix=args.prefix):
        name = str(doc["id"]).rsplit("/", 1)[-1]
        (args.out / f"{name}.jsonld").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
