# ruff: noqa: E501  (the Turtle and SPARQL templates read better unwrapped)
"""Writes the eu-battery SHACL shapes (shapes/eu-battery/*.ttl) from the term table in build.py.

Every reporting shape is named and carries bp:dataPoint (the one data point its sh:message names;
none for the terms that are no data point, such as the links of linked passports)
and an sh:message for battery makers: a count shape says what is required, a value shape what a
value that is there must be.
"""

from __future__ import annotations

import json
import re

import build

# Units accepted per quantity property (UN/CEFACT Rec 20; kgCO2e/kWh is ours: Rec 20 has none).
UNITS: dict[str, tuple[str, ...]] = {
    "weight": ("KGM",),
    "ratedCapacity": ("AMH",),
    "currentRatedCapacity": ("AMH",),
    "remainingCapacity": ("AMH", "P1"),
    "minimumVoltage": ("VLT",),
    "nominalVoltage": ("VLT",),
    "maximumVoltage": ("VLT",),
    "originalPowerCapability": ("WTT", "KWT"),
    "maximumPermittedPower": ("WTT", "KWT"),
    "powerCapability": ("WTT", "KWT"),
    "remainingPowerCapability": ("WTT", "KWT", "P1"),
    "initialInternalResistance": ("OHM", "E45"),
    "internalResistance": ("OHM", "E45"),
    "commercialWarrantyPeriod": ("ANN", "MON"),
    "capacityFade": ("P1",),
    "powerFade": ("P1",),
    "internalResistanceIncrease": ("P1",),
    "roundTripEfficiencyFade": ("P1",),
    "stateOfCertifiedEnergy": ("P1",),
    "remainingRoundTripEfficiency": ("P1",),
    "selfDischargeRate": ("P1",),
    "stateOfCharge": ("P1",),
    "minimumTemperature": ("CEL",),
    "maximumTemperature": ("CEL",),
    "rawMaterialAcquisition": ("kgCO2e/kWh",),
    "mainProduction": ("kgCO2e/kWh",),
    "distribution": ("kgCO2e/kWh",),
    "endOfLife": ("kgCO2e/kWh",),
    "total": ("kgCO2e/kWh",),
}
# Lexical forms of dates: rdflib (and so pyshacl's sh:datatype) takes "2026-03-01T08:00:00Z" as a
# well-typed xsd:date and "2026-03-01" as an xsd:dateTime; these keep the two apart.
_ZONE = "(Z|[+-][0-9]{2}:[0-9]{2})?"
DATE = "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}" + _ZONE + "$"
YEAR_MONTH = "^-?[0-9]{4,}-[0-9]{2}" + _ZONE + "$"
DATE_TIME = "^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?" + _ZONE + "$"
# Value ranges: (min, max) of the numeric value; None for open.
PERCENT = (0, 100)
RANGES: dict[str, tuple[float | None, float | None]] = {
    "capacityFade": PERCENT, "powerFade": PERCENT, "roundTripEfficiencyFade": PERCENT,
    "stateOfCertifiedEnergy": PERCENT, "remainingRoundTripEfficiency": PERCENT,
    "selfDischargeRate": PERCENT, "stateOfCharge": PERCENT,
    "internalResistanceIncrease": (0, None),
    "minimumTemperature": (-273.15, None), "maximumTemperature": (-273.15, None),
    "recycledCobaltShare": PERCENT, "recycledLithiumShare": PERCENT, "recycledNickelShare": PERCENT,
    "recycledLeadShare": PERCENT, "renewableContentShare": PERCENT, "concentration": PERCENT,
    "capacityThresholdForExhaustion": PERCENT, "initialRoundTripEfficiency": PERCENT,
    "roundTripEfficiencyAt50PercentCycleLife": PERCENT, "roundTripEfficiency": PERCENT,
    "expectedLifetimeCycles": (0, None), "expectedRemainingCycles": (0, None),
    "expectedLifetimeYears": (0, None), "cycleCount": (0, None), "cycleLifeTestCRate": (0, None),
    "timeAboveTemperatureBoundary": (0, None), "timeBelowTemperatureBoundary": (0, None),
}
MULTI = {"extinguishingAgent", "criticalRawMaterials", "hazardousSubstances", "materialComposition", "labels",
         "sparePartNumbers", "sparePartSources", "dismantlingDocuments", "safetyMeasures", "testReports",
         "predecessor", "negativeEvents"}

# Properties a mandatory data point requires (the guidance's "mandatory" per category).
REQUIRED: dict[int, tuple[str, ...]] = {
    1: ("passportIdentifier",), 2: ("operator",), 3: ("manufacturer",), 6: ("category",), 7: ("model",),
    8: ("manufacturingPlace",), 9: ("manufacturingDate",), 10: ("weight",), 11: ("ratedCapacity",),
    12: ("chemistry",), 13: ("hazardousSubstances",), 14: ("extinguishingAgent",),
    15: ("criticalRawMaterials",), 20: ("recycledContent",), 24: ("renewableContentShare",),
    26: ("minimumVoltage",), 27: ("nominalVoltage",), 28: ("maximumVoltage",),
    29: ("originalPowerCapability",), 30: ("maximumPermittedPower",), 31: ("expectedLifetimeCycles",),
    32: ("lifetimeReferenceTest",), 33: ("capacityThresholdForExhaustion",), 34: ("idleTemperatureRange",),
    36: ("initialRoundTripEfficiency",), 37: ("roundTripEfficiencyAt50PercentCycleLife",),
    38: ("initialInternalResistance",), 39: ("cycleLifeTestCRate",), 40: ("separateCollectionSymbol",),
    42: ("declarationOfConformity",), 43: ("wastePreventionInfo", "collectionInfo"),
    45: ("cathodeActiveMaterial", "anodeActiveMaterial", "electrolyteComposition"),
    46: ("sparePartNumbers",), 47: ("sparePartSources",), 48: ("dismantlingDocuments",),
    49: ("safetyMeasures",), 50: ("testReports",), 51: ("currentRatedCapacity",), 52: ("capacityFade",),
    53: ("powerCapability",), 54: ("powerFade",), 55: ("internalResistance",),
    56: ("internalResistanceIncrease",), 59: ("expectedRemainingCycles",), 60: ("expectedLifetimeYears",),
    61: ("stateOfCertifiedEnergy",), 62: ("remainingCapacity",), 63: ("remainingPowerCapability",),
    64: ("remainingRoundTripEfficiency",), 65: ("selfDischargeRate",), 66: ("internalResistance",),
    67: ("status",),
}
CATEGORY_TERMS = {"batcat:ElectricVehicleBattery": "EV", "batcat:LMTBattery": "LMT",
                  "batcat:IndustrialBattery": "industrial", "bp:StationaryStorageBattery": "stationary"}

# Nested data points checked through sequence paths from the battery: precise messages.
# (parent term, child term, data point, required?)
NESTED: list[tuple[str, str, int, bool]] = [
    ("operator", "operatorIdentifier", 2, True),
    ("operator", "operatorRole", 2, True),
    ("operator", "organizationName", 2, False),
    ("manufacturer", "organizationName", 3, True),
    ("manufacturer", "address", 4, True),
    ("manufacturer", "contactPoint", 5, False),
    ("manufacturingPlace", "facilityIdentifier", 8, False),
    ("manufacturingPlace", "address", 8, True),
    ("recycledContent", "recycledCobaltShare", 20, True),
    ("recycledContent", "recycledLithiumShare", 21, True),
    ("recycledContent", "recycledNickelShare", 22, True),
    ("recycledContent", "recycledLeadShare", 23, True),
    ("idleTemperatureRange", "minimumTemperature", 34, True),
    ("idleTemperatureRange", "maximumTemperature", 34, True),
    ("carbonFootprint", "studyUrl", 17, False),
    ("carbonFootprint", "performanceClass", 18, False),
]

PREFIXES = build.PREFIXES
PROPS = {row[0]: row for row in build.PROPS}
HEADER = "\n".join(f"@prefix {p}: <{iri}> ." for p, iri in PREFIXES.items()) + """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix shapes: <https://w3id.org/battery-passport/eu-battery/shapes#> .

# Generated by vocab/eu-battery/build.py (shapes_build.py): edit the generator, not this file.
"""


def _lit(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _num(x: float) -> str:
    return f'"{x}"^^xsd:double'


def _iri(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return PREFIXES[prefix] + local


def _label(term: str) -> str:
    return PROPS[term][9]


def _range_text(term: str) -> str:
    lo, hi = RANGES.get(term, (None, None))
    if lo == 0 and hi == 100:
        return "a percentage between 0 and 100"
    if lo is not None and hi is None:
        return f"a number of at least {lo:g}"
    return "a number"


def _concepts(scheme: str) -> list[str]:
    return [iri for _t, (iri, _m, sch, _l, _b) in build.CONCEPTS.items() if sch == scheme]


def _concept_terms(scheme: str) -> list[str]:
    return [t for t, (_i, _m, sch, _l, _b) in build.CONCEPTS.items() if sch == scheme]


def _quantity_shape_name(term: str) -> str:
    units = "-".join(u.replace("/", "per") for u in UNITS[term])
    lo, hi = RANGES.get(term, (0, None))
    rng = f"{lo if lo is not None else 'any'}-{hi if hi is not None else 'any'}".replace(".", "_")
    return f"shapes:Quantity-{units}-{rng}"


def _quantity_shapes() -> list[str]:
    seen: dict[str, str] = {}
    for term in UNITS:
        name = _quantity_shape_name(term)
        if name in seen:
            continue
        lo, hi = RANGES.get(term, (0, None))
        bounds = ""
        if lo is not None:
            bounds += f" ; sh:minInclusive {_num(lo)}"
        if hi is not None:
            bounds += f" ; sh:maxInclusive {_num(hi)}"
        units = " ".join(_lit(u) for u in UNITS[term])
        seen[name] = (
            f"{name} a sh:NodeShape ;\n"
            f"    sh:property [ sh:path gs1:value ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:double"
            f"{bounds} ] ;\n"
            f"    sh:property [ sh:path gs1:unitCode ; sh:minCount 1 ; sh:maxCount 1 ; sh:in ( {units} ) ] .\n"
        )
    return list(seen.values())


def _quantity_text(term: str) -> str:
    units = " or ".join(UNITS[term])
    lo, hi = RANGES.get(term, (0, None))
    if (lo, hi) == PERCENT:
        what = "between 0 and 100"
    elif lo is not None and hi is None:
        what = f"of at least {lo:g}"
    else:
        what = "numeric"
    return f"a quantity with one value {what} and the unit {units}"


def _value_constraints(term: str) -> tuple[list[str], str]:
    """Constraints on the values of a property, and what they say in words."""
    _t, _iri, kind, rng, *_rest = PROPS[term]
    parts: list[str] = []
    if term == "manufacturingDate":
        # The guidance asks for month and year: "2026-03" given as an xsd:gYearMonth (the context
        # makes a plain "2026-03" an ill-typed xsd:date, which is refused).
        parts.append(f'sh:or ( [ sh:datatype xsd:date ; sh:pattern "{DATE}" ] '
                     f'[ sh:datatype xsd:gYearMonth ; sh:pattern "{YEAR_MONTH}" ] )')
        return parts, ('a date YYYY-MM-DD, or a month and year given as {"@value": "2026-03", '
                       '"@type": "xsd:gYearMonth"}')
    if kind == "lit":
        parts.append(f"sh:datatype {rng}")
        lo, hi = RANGES.get(term, (None, None))
        if lo is not None:
            parts.append(f"sh:minInclusive {_num(lo)}" if rng == "xsd:double" else f"sh:minInclusive {lo}")
        if hi is not None:
            parts.append(f"sh:maxInclusive {_num(hi)}" if rng == "xsd:double" else f"sh:maxInclusive {hi}")
        if term == "addressCountry":
            parts.append('sh:pattern "^[A-Z]{2}$"')
            return parts, "an ISO 3166-1 alpha-2 country code such as DE"
        if rng == "xsd:string":
            parts.append("sh:minLength 1")
            return parts, "a non-empty text"
        words = {"xsd:double": _range_text(term), "xsd:integer": "a whole number"
                 + (" of at least 0" if lo == 0 else ""), "xsd:anyURI": "a web address (URI)",
                 "xsd:date": "a date YYYY-MM-DD", "xsd:dateTime": "a date and time",
                 "xsd:boolean": "true or false"}
        return parts, words[rng]
    if kind == "vocab":
        parts.append("sh:in ( " + " ".join(_concepts(rng)) + " )")
        narrower = " (NMC111, NMC532, NMC622 and NMC811 are narrower NMC terms)" if term == "chemistry" else ""
        return parts, "one of " + ", ".join(_concept_terms(rng)) + narrower
    if kind == "id":
        parts.append("sh:nodeKind sh:IRI")
        if term == "predecessor":
            return parts, "the IRI of another battery passport"
        return parts, "a web address"
    if rng == build.QV:
        parts.append(f"sh:node {_quantity_shape_name(term)}")
        return parts, _quantity_text(term)
    parts.append("sh:nodeKind sh:BlankNodeOrIRI")
    node = NODE_SHAPES.get(rng)
    if node:
        parts.append(f"sh:node {node[0]}")
        return parts, node[1]
    return parts, "a nested object"


# Node shapes of nested nodes reached through sh:node: (shape name, what a valid one looks like)
NODE_SHAPES: dict[str, tuple[str, str]] = {
    "PostalAddress": ("shapes:PostalAddress", "an address with at least a country (ISO 3166-1 alpha-2)"),
    "ContactPoint": ("shapes:ContactPoint", "contact details: e-mail address, telephone, web address"),
    "HazardousSubstance": ("shapes:HazardousSubstance",
                           "a substance with a name, and if given a CAS number, a concentration in percent "
                           "between 0 and 100 and a location (cathode, anode, electrolyte, separator, casing)"),
    "Material": ("shapes:Material", "a material with a name"),
    "CarbonFootprintDeclaration": ("shapes:CarbonFootprint",
                                   "all five stages (rawMaterialAcquisition, mainProduction, distribution, "
                                   "endOfLife, total), each a quantity of at least 0 in kgCO2e/kWh"),
    "DueDiligence": ("shapes:DueDiligence", "a report web address"),
    "Label": ("shapes:Label", "a symbol web address and its meaning"),
    "DismantlingDocument": ("shapes:DismantlingDocument",
                            "a document type (" + ", ".join(_concept_terms("documentType"))
                            + ") and a document web address"),
    "NegativeEvent": ("shapes:NegativeEvent",
                      "an event type (" + ", ".join(_concept_terms("eventType"))
                      + ") and a date and time, optionally a severity and a description"),
    "Organization": ("shapes:Organization", "an organisation with a name"),
}


def _node_shapes() -> str:
    q = {t: _quantity_shape_name(t) for t in UNITS}
    return f"""
shapes:PostalAddress a sh:NodeShape ;
    sh:property [ sh:path gs1:streetAddress ; sh:maxCount 1 ; sh:datatype xsd:string ] ;
    sh:property [ sh:path gs1:postalCode ; sh:maxCount 1 ; sh:datatype xsd:string ] ;
    sh:property [ sh:path gs1:addressLocality ; sh:maxCount 1 ; sh:datatype xsd:string ] ;
    sh:property [ sh:path schema:addressCountry ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
                  sh:pattern "^[A-Z]{{2}}$" ] .

shapes:FullPostalAddress a sh:NodeShape ;
    sh:node shapes:PostalAddress ;
    sh:property [ sh:path gs1:streetAddress ; sh:minCount 1 ] ;
    sh:property [ sh:path gs1:postalCode ; sh:minCount 1 ] ;
    sh:property [ sh:path gs1:addressLocality ; sh:minCount 1 ] .

shapes:ContactPoint a sh:NodeShape ;
    sh:property [ sh:path gs1:email ; sh:datatype xsd:string ; sh:pattern "^[^@\\\\s]+@[^@\\\\s]+$" ] ;
    sh:property [ sh:path gs1:telephone ; sh:datatype xsd:string ] ;
    sh:property [ sh:path schema:url ; sh:nodeKind sh:IRI ] .

shapes:Organization a sh:NodeShape ;
    sh:property [ sh:path gs1:organizationName ; sh:minCount 1 ; sh:datatype xsd:string ; sh:minLength 1 ] ;
    sh:property [ sh:path gs1:contactPoint ; sh:node shapes:ContactPoint ] .

shapes:HazardousSubstance a sh:NodeShape ;
    sh:property [ sh:path schema:name ; sh:minCount 1 ; sh:datatype xsd:string ; sh:minLength 1 ] ;
    sh:property [ sh:path eubat:substanceCasNumber ; sh:maxCount 1 ; sh:datatype xsd:string ;
                  sh:pattern "^[0-9]{{2,7}}-[0-9]{{2}}-[0-9]$" ] ;
    sh:property [ sh:path eubat:concentration ; sh:maxCount 1 ; sh:datatype xsd:double ;
                  sh:minInclusive "0"^^xsd:double ; sh:maxInclusive "100"^^xsd:double ] ;
    sh:property [ sh:path eubat:hasSubstanceLocation ; sh:in ( {" ".join(_concepts("componentLocation"))} ) ] .

shapes:Material a sh:NodeShape ;
    sh:property [ sh:path schema:name ; sh:minCount 1 ; sh:datatype xsd:string ] .

shapes:CarbonFootprint a sh:NodeShape ;
    sh:property [ sh:path eubat:hasCarbonFootprintRawMaterialExtraction ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:node {q["rawMaterialAcquisition"]} ] ;
    sh:property [ sh:path eubat:hasCarbonFootprintProduction ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:node {q["mainProduction"]} ] ;
    sh:property [ sh:path eubat:hasCarbonFootprintDistribution ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:node {q["distribution"]} ] ;
    sh:property [ sh:path eubat:hasCarbonFootprintRecycling ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:node {q["endOfLife"]} ] ;
    sh:property [ sh:path eubat:hasCarbonFootprintTotal ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:node {q["total"]} ] .

shapes:DueDiligence a sh:NodeShape ;
    sh:property [ sh:path eubat:dueDiligenceReportUrl ; sh:minCount 1 ; sh:datatype xsd:anyURI ] .

shapes:Label a sh:NodeShape ;
    sh:property [ sh:path eubat:labelSymbol ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:anyURI ] ;
    sh:property [ sh:path eubat:labelMeaning ; sh:minCount 1 ; sh:datatype xsd:string ] .

shapes:DismantlingDocument a sh:NodeShape ;
    sh:property [ sh:path eubat:hasDocumentType ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:in ( {" ".join(_concepts("documentType"))} ) ] ;
    sh:property [ sh:path eubat:documentUrl ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:anyURI ] .

shapes:NegativeEvent a sh:NodeShape ;
    sh:property [ sh:path eubat:hasEventType ; sh:minCount 1 ; sh:maxCount 1 ;
                  sh:in ( {" ".join(_concepts("eventType"))} ) ] ;
    sh:property [ sh:path eubat:eventDate ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:dateTime ;
                  sh:pattern "{DATE_TIME}" ] ;
    sh:property [ sh:path eubat:hasIncidentSeverity ; sh:maxCount 1 ;
                  sh:in ( {" ".join(_concepts("severity"))} ) ] ;
    sh:property [ sh:path schema:description ; sh:datatype xsd:string ] .
"""


def _mandatory_categories() -> dict[int, set[str]]:
    guidance = json.loads(build.GUIDANCE.read_text(encoding="utf-8"))["dataPoints"]
    out: dict[int, set[str]] = {}
    for dp in guidance:
        cats = set()
        for key, cat in build.CATEGORY_KEYS:
            if dp["applicability"][key]["status"] == "mandatory":
                cats.add(cat)
        out[dp["nr"]] = cats
    return out


def _battery_shapes() -> str:
    mandatory = _mandatory_categories()
    all_cats = {cat for _k, cat in build.CATEGORY_KEYS}
    # term -> data points that make it required for every category (the others: rules.ttl)
    always: dict[str, list[int]] = {}
    for n, terms in sorted(REQUIRED.items()):
        if mandatory[n] == all_cats:
            for term in terms:
                always.setdefault(term, []).append(n)
    out: list[str] = [HEADER]
    top_terms = [row[0] for row in build.PROPS if row[7] == build.TOP]
    names = [f"shapes:{t}" for t in top_terms]
    names += [f"shapes:{t}-count" for t in top_terms if t in always or t not in MULTI]
    names += [f"shapes:{p}-{c}" for p, c, _n, _r in NESTED]
    names += [f"shapes:{p}-{c}-count" for p, c, _n, _r in NESTED]
    out.append("shapes:BatteryPassport a sh:NodeShape ;\n    sh:targetClass bp:BatteryPassport ;\n"
               "    sh:property " + ",\n        ".join(names) + " .\n")
    out.append(
        "shapes:PassportTyped a sh:NodeShape ;\n"
        "    sh:targetSubjectsOf eubat:batteryPassportIdentifier, schema:category ;\n"
        "    sh:class bp:BatteryPassport ;\n    bp:dataPoint 1 ;\n"
        "    sh:message " + _lit('Data point 1 (passport identifier): the battery must have the type '
                                '"BatteryPassport"') + " .\n")
    for term in top_terms:
        dps = PROPS[term][6]
        required = term in always
        # The data point a message names, and the only one its shape cites: a shared term such as
        # ratedCapacity (11, 25) is required by one point, and its problems are that point's.
        n = always[term][0] if required else (min(dps) if dps else 0)
        out.extend(_split_shapes(f"shapes:{term}", f"sh:path {PROPS[term][1]}", term, n, _label(term),
                                 required=required, multi=term in MULTI, value=_value_constraints(term)))
    for parent, child, n, req in NESTED:
        parts, words = _value_constraints(child)
        if child == "address" and parent == "manufacturer":
            parts = ["sh:nodeKind sh:BlankNodeOrIRI", "sh:node shapes:FullPostalAddress"]
            words = "a postal address with street, postal code, locality and country (ISO 3166-1 alpha-2)"
        out.extend(_split_shapes(f"shapes:{parent}-{child}", f"sh:path ( {PROPS[parent][1]} {PROPS[child][1]} )",
                                 f"{parent}.{child}", n, f"{_label(parent)}: {_label(child)}",
                                 required=req, multi=False, value=(parts, words)))
    # Rules across properties and the per-category requirements are SPARQL constraints in rules.ttl.
    out.append(_node_shapes())
    out.extend(_quantity_shapes())
    return "\n".join(out)


def _split_shapes(name: str, path: str, sh_name: str, n: int, label: str, *, required: bool, multi: bool,
                  value: tuple[list[str], str]) -> list[str]:
    """A property's count shape and value shape, each with its own message: a missing value is
    "required", a value that is there but wrong says what a valid one looks like."""
    parts, words = value
    counts = (["sh:minCount 1"] if required else []) + ([] if multi else ["sh:maxCount 1"])
    how = {(True, False): "required, as one value", (True, True): "required, one or more values",
           (False, False): "at most one value"}.get((required, multi))
    shapes = []
    each = "each " if multi else ""
    head = [path, f"sh:name {_lit(sh_name)}"] + ([f"bp:dataPoint {n}"] if n else [])
    # A term that is no data point of the guidance (dataPoint 0: the links of linked passports)
    # is named by its label alone.
    named = f"Data point {n} ({label})" if n else label[:1].upper() + label[1:]
    if counts and how:
        body = head + counts + [f"sh:message {_lit(f'{named}: {how}, {each}{words}')}"]
        shapes.append(f"{name}-count a sh:PropertyShape ;\n    " + " ;\n    ".join(body) + " .\n")
    given = "a value given" if multi else "the value given"
    body = head + parts + [f"sh:message {_lit(f'{named}: {given} is not {words}')}"]
    shapes.append(f"{name} a sh:PropertyShape ;\n    " + " ;\n    ".join(body) + " .\n")
    return shapes


TOLERANCE_ABS = 0.01
TOLERANCE_REL = 0.01


def _category_branch(some: list[tuple[int, str, set[str]]]) -> list[str]:
    groups: dict[tuple[str, ...], list[str]] = {}
    labels: dict[tuple[str, ...], str] = {}
    for n, term, cats in some:
        names_ = sorted({CATEGORY_TERMS[c] for c in cats}, key=["EV", "LMT", "industrial", "stationary"].index)
        key = tuple(sorted(cats))
        groups.setdefault(key, []).append(
            f"{{ BIND ({PROPS[term][1]} AS ?path) BIND ({n} AS ?dp) BIND ({_lit(_label(term))} AS ?label) }}")
        labels[key] = ", ".join(names_)
    branches = []
    for key, binds in groups.items():
        inner = "\n                  UNION ".join(binds)
        branches.append(
            f"{{ # data points mandatory for {labels[key]} batteries only\n"
            f"                $this schema:category ?category . FILTER (?category IN ({', '.join(key)}))\n"
            f"                {{ {inner} }}\n"
            "                FILTER NOT EXISTS { $this ?path ?any }\n"
            f'                BIND (CONCAT("Data point ", STR(?dp), " (", ?label, "): required for {labels[key]} '
            'batteries") AS ?message) }')
    return branches


def _some_categories() -> list[tuple[int, str, set[str]]]:
    mandatory = _mandatory_categories()
    all_cats = {cat for _k, cat in build.CATEGORY_KEYS}
    some: list[tuple[int, str, set[str]]] = []
    covered: dict[str, set[str]] = {}
    for n, terms in sorted(REQUIRED.items()):
        cats = mandatory[n]
        for term in terms:
            if cats and cats != all_cats and not cats <= covered.get(term, set()):
                some.append((n, term, cats))
                covered.setdefault(term, set()).update(cats)
    return some


_YEAR = 'xsd:integer(REPLACE(STR(?value), "^(-?[0-9]+)-.*$", "$1"))'


def _date_branch(where: str, path: str, n: int, label: str, later: str) -> str:
    """Years before 1900, and dates after now: ``later`` compares ?value with NOW() (a date with
    today's date in UTC; a date and time as a time, so its offset counts)."""
    return f"""{{ # data point {n}: from 1900 on, and not in the future
                {where} .
                FILTER (REGEX(STR(?value), "^-?[0-9]{{4,}}-[0-9]{{2}}"))
                BIND ({_YEAR} AS ?a)
                FILTER (?a < 1900 || ?a > YEAR(NOW()) || {later})
                BIND ({path} AS ?path)
                BIND (CONCAT("Data point {n} ({label}): ", STR(?value), IF(?a < 1900, " is before 1900", " is in the future")) AS ?message) }}"""


def _lexical_branches() -> list[str]:
    """xsd:date and xsd:dateTime kept apart by their lexical forms. Checked on the SPARQL copy of
    the graph, which keeps the forms as given: rdflib normalises "2026-03-01T08:00:00Z"^^xsd:date
    to "2026-03-01", so sh:datatype and sh:pattern in battery.ttl never see the time."""
    rows = [("gs1:productionDate", "$this gs1:productionDate ?value", "xsd:date", DATE, 9,
             "date of manufacturing", "a date YYYY-MM-DD"),
            ("eubat:eventDate", "$this eubat:hasNegativeEvents/eubat:eventDate ?value", "xsd:dateTime", DATE_TIME,
             69, "negative events: event date", "a date and time YYYY-MM-DDThh:mm:ss")]
    return [
        f"""{{ # data point {n}: an {datatype} has the lexical form of one
                {where} . FILTER (DATATYPE(?value) = {datatype} && !REGEX(STR(?value), "{pattern}"))
                BIND ({path} AS ?path)
                BIND (CONCAT("Data point {n} ({label}): ", STR(?value), " is not {words}") AS ?message) }}"""
        for path, where, datatype, pattern, n, label, words in rows
    ]


def _percent_branches() -> list[str]:
    """Quantities that may be given in percent (P1) or in an absolute unit: 0..100 when in percent."""
    out = []
    for term, units in UNITS.items():
        if "P1" in units and len(units) > 1:
            iri, n, label = PROPS[term][1], PROPS[term][6][0], _label(term)
            out.append(f"""{{ # data point {n}: in percent, between 0 and 100
                $this {iri} ?a . ?a gs1:unitCode "P1" ; gs1:value ?value . FILTER (?value < 0 || ?value > 100)
                BIND ({iri} AS ?path)
                BIND (CONCAT("Data point {n} ({label}): ", STR(?value), " % is out of range: a percentage is between 0 and 100") AS ?message) }}""")
    return out


def _not_above_rated_branches() -> list[str]:
    out = []
    for term in ("currentRatedCapacity", "remainingCapacity"):
        iri, n, label = PROPS[term][1], PROPS[term][6][0], _label(term)
        out.append(f"""{{ # data point {n}: not above the rated capacity (data point 11)
                $this eubat:hasRatedCapacity/gs1:value ?b ; {iri} ?a .
                ?a gs1:unitCode "AMH" ; gs1:value ?value . FILTER (?value > ?b)
                BIND ({iri} AS ?path)
                BIND (CONCAT("Data point {n} ({label}): ", STR(?value), " Ah is above the rated capacity of ", STR(?b), " Ah (data point 11)") AS ?message) }}""")
    return out


def _order_branches() -> list[str]:
    """minimum <= nominal <= maximum voltage; the idle temperature range's lower <= upper end."""
    return [
        """{ # data point 26: the minimal voltage is not above the nominal voltage
                $this eubat:hasMinimumVoltage/gs1:value ?value ; eubat:hasNominalVoltage/gs1:value ?b .
                FILTER (?value > ?b)
                BIND (eubat:hasMinimumVoltage AS ?path)
                BIND (CONCAT("Data point 26 (minimal voltage): ", STR(?value), " V is above the nominal voltage of ", STR(?b), " V (data point 27)") AS ?message) }""",
        """{ # data point 28: the maximum voltage is not below the nominal voltage
                $this eubat:hasMaximumVoltage/gs1:value ?value ; eubat:hasNominalVoltage/gs1:value ?b .
                FILTER (?value < ?b)
                BIND (eubat:hasMaximumVoltage AS ?path)
                BIND (CONCAT("Data point 28 (maximum voltage): ", STR(?value), " V is below the nominal voltage of ", STR(?b), " V (data point 27)") AS ?message) }""",
        """{ # data point 34: the lower temperature is not above the upper one
                $this eubat:hasTemperatureRangeIdleState ?a .
                ?a eubat:hasMinimumTemperature/gs1:value ?value ; eubat:hasMaximumTemperature/gs1:value ?b .
                FILTER (?value > ?b)
                BIND (eubat:hasTemperatureRangeIdleState AS ?path)
                BIND (CONCAT("Data point 34 (idle temperature range): the lower temperature ", STR(?value), " °C is above the upper temperature ", STR(?b), " °C") AS ?message) }""",
    ]


def _digit(var: str, i: int) -> str:
    return f"xsd:integer(SUBSTR({var}, {i}, 1))"


def _gtin_branch() -> str:
    """The GTIN of a GS1 Digital Link identifier (/01/{gtin}, no handle prefix before it) has a
    valid GS1 mod-10 check digit; the GTIN is padded to 14 digits (weights 3,1,3,... from the left)."""
    weighted = " + ".join(f"{3 if i % 2 else 1} * {_digit('?b', i)}" for i in range(1, 14))
    return f"""{{ # data point 1: the GTIN in a GS1 Digital Link identifier has a valid check digit
                BIND (REPLACE(STR($this), "^https?://[^/]+/([^/.]+/)*?01/([0-9]{{8}}|[0-9]{{12,14}})(/.*)?$", "$2") AS ?value)
                FILTER (?value != STR($this))
                BIND (CONCAT(SUBSTR("000000", 1, 14 - STRLEN(?value)), ?value) AS ?b)
                BIND ({weighted} AS ?c)
                BIND (?c - 10 * FLOOR(?c / 10) AS ?d)
                BIND (IF(?d = 0, 0, 10 - ?d) AS ?expected)
                FILTER (?expected != {_digit("?b", 14)})
                BIND (eubat:batteryPassportIdentifier AS ?path)
                BIND (CONCAT("Data point 1 (passport identifier): the GTIN ", ?value, " has a wrong check digit (expected ", STR(?expected), ")") AS ?message) }}"""


def _cas_branch() -> str:
    """A CAS registry number's check digit: the sum of the other digits, each times its position
    from the right, modulo 10 (the digits are padded to 9 on the left)."""
    weighted = " + ".join(f"{10 - i} * {_digit('?b', i)}" for i in range(1, 10))
    return f"""{{ # data point 13: a CAS number has a valid check digit
                $this eubat:hasHazardousSubstances/eubat:substanceCasNumber ?value .
                FILTER (REGEX(?value, "^[0-9]{{2,7}}-[0-9]{{2}}-[0-9]$"))
                BIND (REPLACE(SUBSTR(?value, 1, STRLEN(?value) - 2), "-", "") AS ?a)
                BIND (CONCAT(SUBSTR("000000000", 1, 9 - STRLEN(?a)), ?a) AS ?b)
                BIND ({weighted} AS ?c)
                BIND (?c - 10 * FLOOR(?c / 10) AS ?expected)
                FILTER (?expected != xsd:integer(SUBSTR(?value, STRLEN(?value), 1)))
                BIND (eubat:substanceCasNumber AS ?path)
                BIND (CONCAT("Data point 13 (hazardous substances: CAS number): ", ?value, " has a wrong check digit (expected ", STR(?expected), ")") AS ?message) }}"""


def _rules() -> str:
    header = HEADER.replace("@prefix sh:", "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix sh:", 1)
    some = _some_categories()
    identity = [
        """{ # data point 1: the identifier is the passport's own IRI
                $this eubat:batteryPassportIdentifier ?value . FILTER (STR(?value) != STR($this))
                BIND (eubat:batteryPassportIdentifier AS ?path)
                BIND (CONCAT("Data point 1 (passport identifier): ", STR(?value), " differs from the passport's own IRI (its @id)") AS ?message) }""",
        """{ # data point 7: a serial or a batch number
                $this a bp:BatteryPassport .
                FILTER NOT EXISTS { $this gs1:hasSerialNumber ?serial } FILTER NOT EXISTS { $this gs1:hasBatchLotNumber ?batch }
                BIND (gs1:hasSerialNumber AS ?path)
                BIND ("Data point 7 (serial number or batch number): give serialNumber or batchNumber" AS ?message) }""",
        _gtin_branch(),
        _cas_branch(),
        """{ # data point 41 (Art. 13(5)): a lead-acid battery carries the lead symbol
                $this eubat:hasBatteryChemistry batchem:Pb .
                FILTER NOT EXISTS { $this eubat:leadSymbolRequired true }
                BIND (eubat:leadSymbolRequired AS ?path)
                BIND ("Data point 41 (lead symbol): a lead-acid battery (chemistry Pb) must carry the Pb symbol (Art. 13(5)): give leadSymbol true" AS ?message) }""",
        """{ # data point 67 (Art. 77(6)): a re-used, repurposed or remanufactured battery links to its predecessors
                $this schema:status ?value . FILTER (?value IN (batstat:ReUsed, batstat:Repurposed, batstat:Remanufactured))
                FILTER NOT EXISTS { $this dpp:linkToPreviousDPP ?predecessor }
                BIND (dpp:linkToPreviousDPP AS ?path)
                BIND ("Data point 67 (battery status): a re-used, repurposed or remanufactured battery must link to at least one predecessor passport (predecessor)" AS ?message) }""",
        """{ # data point 67: a passport is not its own predecessor
                $this dpp:linkToPreviousDPP ?value . FILTER (?value = $this)
                BIND (dpp:linkToPreviousDPP AS ?path)
                BIND ("Data point 67 (predecessor passport): a passport cannot be its own predecessor" AS ?message) }""",
    ]
    dates = [
        _date_branch("$this gs1:productionDate ?value", "gs1:productionDate", 9, "date of manufacturing",
                     "STR(?value) > SUBSTR(STR(NOW()), 1, 10)"),
        _date_branch("$this eubat:hasNegativeEvents/eubat:eventDate ?value", "eubat:eventDate", 69,
                     "negative events: event date", "?value > NOW()"),
        *_lexical_branches(),
    ]
    quantities = [
        f"""{{ # data point 17: the stages add up to the total
                $this eubat:hasCarbonFootprintDeclaration ?cf .
                ?cf eubat:hasCarbonFootprintRawMaterialExtraction/gs1:value ?a ;
                    eubat:hasCarbonFootprintProduction/gs1:value ?b ;
                    eubat:hasCarbonFootprintDistribution/gs1:value ?c ;
                    eubat:hasCarbonFootprintRecycling/gs1:value ?d ;
                    eubat:hasCarbonFootprintTotal/gs1:value ?value .
                BIND (IF(?value * {TOLERANCE_REL} > {TOLERANCE_ABS}, ?value * {TOLERANCE_REL}, {TOLERANCE_ABS}) AS ?tolerance)
                FILTER (ABS(?a + ?b + ?c + ?d - ?value) > ?tolerance)
                BIND (eubat:hasCarbonFootprintTotal AS ?path)
                BIND (CONCAT("Data point 17 (carbon footprint): the life-cycle stages add up to ", STR(ROUND((?a + ?b + ?c + ?d) * 1000) / 1000), " kg CO2e/kWh, but the total says ", STR(?value), " (allowed difference: {TOLERANCE_ABS} or {TOLERANCE_REL * 100:g} % of the total)") AS ?message) }}""",
        *_percent_branches(),
        *_not_above_rated_branches(),
        *_order_branches(),
    ]
    rules = [("rule-identity", [1, 7, 13, 41, 67], identity), ("rule-dates", [9, 69], dates),
             ("rule-quantities", [17, 26, 28, 34, 51, 62, 63], quantities),
             ("rule-categories", sorted({n for n, _t, _c in some}), _category_branch(some))]
    declared = ",\n               ".join(f'[ sh:prefix "{p}" ; sh:namespace "{PREFIXES[p]}"^^xsd:anyURI ]'
                                        for p in ("schema", "eubat", "gs1", "bp", "batcat", "batstat", "batchem", "dpp",
                                                  "xsd"))
    return header + f"""
# Rules across properties, as SPARQL constraints in a few groups: pyoxigraph parses a query on every
# call, and its cost grows faster than the number of UNION branches, so four queries cost less than
# one with them all. Every result binds sh:resultPath to the property at fault, so the report
# takes its data points from that property; ?message names the data point.
# Tolerance of the carbon footprint sum: the four stages may differ from the total by at most
# max({TOLERANCE_ABS} kg CO2e/kWh, {TOLERANCE_REL * 100:g} % of the total).

shapes:Rules a sh:NodeShape ;
    sh:targetClass bp:BatteryPassport ;
    sh:sparql {", ".join(f"shapes:{name}" for name, _p, _b in rules)} .
{"".join(_sparql_constraint(name, points, branches) for name, points, branches in rules)}
{_not_to_be_filled()}
shapes:prefixes a owl:Ontology ;
    sh:declare {declared} .
"""


def _sparql_constraint(name: str, points: list[int], branches: list[str]) -> str:
    union = "\n            UNION ".join(branches)
    return f"""
shapes:{name} a sh:SPARQLConstraint ;
    bp:dataPoint {", ".join(map(str, points))} ;
    sh:message "{{?message}}" ;
    sh:prefixes shapes:prefixes ;
    sh:select \"\"\"
        SELECT $this ?path ?value ?message WHERE {{
            {union}
        }}\"\"\" .
"""


def _not_to_be_filled_terms() -> list[tuple[int, str, set[str]]]:
    """(data point, term, categories) where the guidance says "not to be filled" for every data
    point the term implements. A term shared with a filled point (ratedCapacity: 11 and 25,
    internalResistance: 55 and 66) fills that point, so it gets no warning."""
    guidance = json.loads(build.GUIDANCE.read_text(encoding="utf-8"))["dataPoints"]
    blank = {dp["nr"]: {cat for key, cat in build.CATEGORY_KEYS
                        if dp["applicability"][key]["status"] == "notToBeFilled"} for dp in guidance}
    found = []
    for term, _iri, _kind, _rng, _tier, _life, dps, on, *_rest in build.PROPS:
        if on != build.TOP or not dps:
            continue
        cats = set.intersection(*(blank[n] for n in dps))
        if cats:
            found.append((min(dps), term, cats))
    return found


def _not_to_be_filled() -> str:
    branches = []
    for n, term, cats in _not_to_be_filled_terms():
        names = ", ".join(sorted({CATEGORY_TERMS[c] for c in cats},
                                 key=["EV", "LMT", "industrial", "stationary"].index))
        iri = PROPS[term][1]
        branches.append(
            f"""{{ $this schema:category ?category . FILTER (?category IN ({", ".join(sorted(cats))}))
                $this {iri} ?value . BIND ({iri} AS ?path)
                BIND ("Data point {n} ({_label(term)}): the EC guidance says not to fill this data point for {names} batteries" AS ?message) }}""")
    points = sorted({n for n, _t, _c in _not_to_be_filled_terms()})
    union = "\n            UNION ".join(branches)
    return f"""
# Data points the guidance marks "not to be filled" for a category: a warning (the passport still
# conforms) that names the point.
shapes:NotToBeFilled a sh:NodeShape ;
    sh:targetClass bp:BatteryPassport ;
    sh:severity sh:Warning ;
    sh:sparql shapes:rule-notToBeFilled .

shapes:rule-notToBeFilled a sh:SPARQLConstraint ;
    bp:dataPoint {", ".join(map(str, points))} ;
    sh:message "{{?message}}" ;
    sh:prefixes shapes:prefixes ;
    sh:select \"\"\"
        SELECT $this ?path ?value ?message WHERE {{
            {union}
        }}\"\"\" .
"""


def _tier_shape(tier_name: str, tiers: set[str], label: str) -> str:
    allowed = [row[1] for row in build.PROPS if row[7] == build.TOP and row[4] in tiers]
    props = "\n".join(f"    sh:property [ sh:path {iri} ] ;" for iri in allowed)
    return HEADER + f"""
# A {label} view may hold only these properties on the battery node: sh:closed proves that nothing
# above the tier is there (nested nodes take the tier of the property they sit under).
shapes:{tier_name}View a sh:NodeShape ;
    sh:targetClass bp:BatteryPassport ;
    sh:closed true ;
    sh:ignoredProperties ( rdf:type ) ;
{props}
    sh:message "This {label} view holds a property above its tier" .
"""


_SELECT = re.compile(r'(sh:select """)(.*?)(""")', re.S)
_WHY_HASH = """# Each line of a SPARQL query below ends in '#': pyshacl looks for MINUS and SERVICE with regular
# expressions that, from every line start, scan and backtrack over the rest of the query; a comment
# mark stops the scan (the category query: about 10 ms -> 1 ms per check).
"""


def _end_lines_with_hash(turtle: str) -> str:
    def fix(match: re.Match[str]) -> str:
        lines = match.group(2).split("\n")
        body = "\n".join(line + " #" if line.strip() else line for line in lines[:-1])
        return match.group(1) + body + "\n" + lines[-1] + match.group(3)

    fixed = _SELECT.sub(fix, turtle)
    head, sep, rest = fixed.partition("\n\n")
    return head + sep + _WHY_HASH + "\n" + rest if fixed != turtle else fixed


def build_shapes() -> dict[str, str]:
    return {
        "battery.ttl": _end_lines_with_hash(_battery_shapes()),
        "rules.ttl": _end_lines_with_hash(_rules()),
        "tier-public.ttl": _tier_shape("Public", {build.P}, "public"),
        "tier-legitimate-interest.ttl": _tier_shape("LegitimateInterest", {build.P, build.L},
                                                    "legitimate-interest"),
    }
