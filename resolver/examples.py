"""Seeded generator of varied, complete and valid eu-battery passports, for benchmarks and bulk imports.

``python -m resolver.examples N --seed S --out DIR`` writes N passports as DIR/<suffix>.jsonld.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator, Sequence
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


def _passport(rng: random.Random, *, prefix: str, suffix: str) -> dict[str, Any]:
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
    doc: dict[str, Any] = {
        "@context": CONTEXT_URL,
        "id": iri,
        "type": "BatteryPassport",
        "passportIdentifier": iri,
        "operator": {
            "operatorIdentifier": f"{country}{rng.randint(10**11, 10**12 - 1)}",
            "operatorRole": "Manufacturer",
            "organizationName": maker,
            "address": {"streetAddress": street, "postalCode": postcode, "addressLocality": city,
                        "addressCountry": country},
        },
        "manufacturer": {
            "organizationName": maker,
            "address": {"streetAddress": street, "postalCode": postcode, "addressLocality": city,
                        "addressCountry": country},
            "contactPoint": {"email": f"passport@{domain}", "url": f"{web}/batteries"},
        },
        "category": category,
        "productName": f"{maker.split()[0]} {model}",
        "model": model,
        "serialNumber": suffix,
        "manufacturingPlace": {"facilityIdentifier": str(rng.randint(4000000000000, 4099999999999)),
                               "address": {"addressLocality": city, "addressCountry": country}},
        "manufacturingDate": made.isoformat(),
        "weight": _q(weight, "KGM"),
        "ratedCapacity": _q(capacity, "AMH"),
        "chemistry": chemistry,
        "hazardousSubstances": [
            {"name": "Sulfuric acid", "casNumber": "7664-93-9", "concentration": 12.0,
             "location": "electrolyte"}
            if has_pb else
            {"name": "Lithium hexafluorophosphate" if has_li else "Sodium hexafluorophosphate",
             "casNumber": "21324-40-3" if has_li else "21324-39-0",
             "concentration": _round(rng.uniform(0.8, 2.0)), "location": "electrolyte"},
        ],
        "extinguishingAgent": ["Water in large quantities"] if not has_pb else ["CO2", "Dry powder"],
        "criticalRawMaterials": [m for m, present in (("Lithium", has_li), ("Cobalt", has_co),
                                                       ("Nickel", has_ni), ("Natural graphite", has_li),
                                                       ("Antimony", has_pb)) if present] or ["Manganese"],
        "carbonFootprint": {
            "rawMaterialAcquisition": _q(stages[0], "kgCO2e/kWh"),
            "mainProduction": _q(stages[1], "kgCO2e/kWh"),
            "distribution": _q(stages[2], "kgCO2e/kWh"),
            "endOfLife": _q(stages[3], "kgCO2e/kWh"),
            "total": _q(total, "kgCO2e/kWh"),
            "performanceClass": rng.choice(("classA", "classB", "classC")),
            "studyUrl": f"{web}/carbon-footprint/{model}",
        },
        "recycledContent": {
            "recycledCobaltShare": _round(rng.uniform(5, 20), 1) if has_co else 0.0,
            "recycledLithiumShare": _round(rng.uniform(2, 8), 1) if has_li else 0.0,
            "recycledNickelShare": _round(rng.uniform(2, 8), 1) if has_ni else 0.0,
            "recycledLeadShare": _round(rng.uniform(60, 85), 1) if has_pb else 0.0,
        },
        "renewableContentShare": _round(rng.uniform(0, 10), 1),
        "minimumVoltage": _q(_round(series * v_min, 1), "VLT"),
        "nominalVoltage": _q(_round(series * v_nom, 1), "VLT"),
        "maximumVoltage": _q(_round(series * v_max, 1), "VLT"),
        "originalPowerCapability": _q(power_kw, "KWT"),
        "maximumPermittedPower": _q(_round(power_kw * 1.1, 1), "KWT"),
        "expectedLifetimeCycles": cycles_expected,
        "lifetimeReferenceTest": "IEC 62660-1:2018" if category == "EV" else "IEC 61960-3:2017",
        "idleTemperatureRange": {"minimumTemperature": _q(-float(rng.choice((20, 30, 40))), "CEL"),
                                 "maximumTemperature": _q(float(rng.choice((45, 55, 60))), "CEL")},
        "commercialWarrantyPeriod": _q(float(rng.choice((2, 5, 8, 10))), "ANN"),
        "initialRoundTripEfficiency": _round(rng.uniform(85, 97), 1),
        "roundTripEfficiencyAt50PercentCycleLife": _round(rng.uniform(82, 94), 1),
        "initialInternalResistance": _q(_round(rng.uniform(0.02, 0.2), 3), "OHM"),
        "cycleLifeTestCRate": rng.choice((0.33, 0.5, 1.0)),
        "separateCollectionSymbol": f"{web}/labels/separate-collection.svg",
        "cadmiumSymbol": False,
        "leadSymbol": has_pb,
        "declarationOfConformity": f"{web}/doc/{model}.pdf",
        "wastePreventionInfo": f"{web}/end-of-life/prevention",
        "collectionInfo": f"{web}/end-of-life/take-back",
        "separateCollectionInfo": f"{web}/end-of-life/separate-collection",
        "cathodeActiveMaterial": cathode,
        "anodeActiveMaterial": anode,
        "electrolyteComposition": electrolyte,
        "sparePartNumbers": [f"{model}-BMS-01", f"{model}-MOD-{rng.randint(1, 9):02d}"],
        "sparePartSources": [{"organizationName": f"{maker} Service",
                              "contactPoint": {"email": f"spares@{domain}"}}],
        "dismantlingDocuments": [
            {"documentType": "dismantlingManual", "documentUrl": f"{web}/rr/{model}/dismantling.pdf"},
            {"documentType": "explodedDrawing", "documentUrl": f"{web}/rr/{model}/exploded.pdf"},
        ],
        "safetyMeasures": ["Disconnect the main contactor before opening", "Wear insulating gloves"],
        "testReports": [f"{web}/authority/{model}/test-report.pdf"],
        "currentRatedCapacity": _q(_round(capacity * soh / 100, 1), "AMH"),
        "capacityFade": _q(fade, "P1"),
        "powerCapability": _q(_round(power_kw * (1 - fade / 200), 1), "KWT"),
        "powerFade": _q(_round(fade / 2, 1), "P1"),
        "internalResistance": _q(_round(0.1 * (1 + fade / 50), 3), "OHM"),
        "internalResistanceIncrease": _q(_round(fade * 2, 1), "P1"),
        "roundTripEfficiency": _round(rng.uniform(82, 95), 1),
        "roundTripEfficiencyFade": _q(_round(fade / 3, 1), "P1"),
        "expectedRemainingCycles": cycles_expected - cycles_done,
        "expectedLifetimeYears": rng.choice((8, 10, 12, 15, 20)),
        "status": status,
        "cycleCount": cycles_done,
        "stateOfCharge": _q(float(rng.randint(10, 95)), "P1"),
    }
    threshold = float(rng.choice((60, 70, 80)))
    if category == "EV":  # the guidance: data points 33 and 61 for EV only, 62 to 65 not for EV
        doc["capacityThresholdForExhaustion"] = threshold
        doc["stateOfCertifiedEnergy"] = _q(soh, "P1")
    else:
        doc["remainingCapacity"] = _q(_round(capacity * soh / 100, 1), "AMH")
        doc["remainingPowerCapability"] = _q(_round(power_kw * (1 - fade / 200), 1), "KWT")
        doc["remainingRoundTripEfficiency"] = _q(_round(100 - fade / 3, 1), "P1")
        doc["selfDischargeRate"] = _q(_round(rng.uniform(1, 4), 1), "P1")
    if status in ("re-used", "repurposed", "remanufactured"):  # Art. 77(6): linked to the original
        count = rng.randint(1, 3) if status == "remanufactured" else 1
        doc["predecessor"] = [f"https://hdl.handle.net/{prefix}/{suffix}-P{k}" for k in range(count)]
    if rng.random() < 0.2:
        # Events happen after manufacturing and before the generator's latest date (never in the future).
        when = dt.datetime.combine(made, dt.time(12, 0), dt.UTC) + dt.timedelta(days=rng.randint(1, 200))
        when = min(when, dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC))
        doc["negativeEvents"] = [{"eventType": rng.choice(_EVENT_TYPES), "eventDate": when.isoformat(),
                                  "severity": rng.choice(("minor", "moderate")),
                                  "description": "Recorded by the battery management system"}]
        doc["timeAboveTemperatureBoundary"] = rng.randint(0, 600)
        doc["timeBelowTemperatureBoundary"] = rng.randint(0, 600)
    return doc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resolver.examples", description=__doc__)
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
