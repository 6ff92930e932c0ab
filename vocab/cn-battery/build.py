"""Writes context.jsonld and vocab.ttl of the cn-battery profile from the term table below.

The profile holds what China's national traceability platform for traction batteries asks for
(MIIT 2018 No. 35; docs/cn-profile.md): the GB/T 34014 code, maker, production date, product and
battery type, rated capacity and voltage, mass, the vehicle (VIN) the battery is installed in,
and the transfer events with their receiving party. It is built like eu-battery (term table,
context, vocabulary, shapes) and shares its tier and lifecycle IRIs (``bp:``) and its passport
class, so the canonical machinery (tier views, framing, signing) is the same for both.

Run `python vocab/cn-battery/generate.py [ROOT]` after editing the table; its output is committed.
"""

from __future__ import annotations

import profile_build  # vocab/profile_build.py, on the path generate.py sets
from profile_build import lit

PREFIXES = {
    "cn": "https://w3id.org/battery-passport/cn-battery#",
    "bp": "https://w3id.org/battery-passport/eu-battery#",
    "eubat": "https://ref.openepcis.io/extensions/eu/battery/",
    "gs1": "https://ref.gs1.org/voc/",
    "oec": "https://ref.openepcis.io/extensions/common/core/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

TOP = "bp:BatteryPassport"  # shared with eu-battery: the root every node's machinery looks for
QV = "gs1:QuantitativeValue"
ORG = "gs1:Organization"

# Classes: term -> (IRI, minted?, label, comment)
CLASSES: dict[str, tuple[str, bool, str, str]] = {
    "BatteryPassport": (TOP, False, "Battery passport",
                        "The traction battery a passport describes (the eu-battery class, shared)."),
    "Quantity": (QV, False, "Quantity", "A value with its UN/CEFACT Rec 20 unit code."),
    "Organization": (ORG, False, "Organisation", "A company or other organisation."),
    "TransferEvent": ("cn:TransferEvent", True, "Transfer event",
                      "The battery changing hands or state: sold, installed, repaired, retired or "
                      "recycled, with the party that received it."),
}

# Controlled values: term -> (IRI, scheme, label)
CONCEPTS: dict[str, tuple[str, str, str]] = {
    "pack": ("cn:Pack", "productType", "Pack (GB/T 34014 position 4: P)"),
    "module": ("cn:Module", "productType", "Module (M)"),
    "cell": ("cn:Cell", "productType", "Cell (C)"),
    "NiMH": ("cn:NiMH", "batteryType", "Nickel metal hydride (GB/T 34014 position 5: A)"),
    "LFP": ("cn:LFP", "batteryType", "Lithium iron phosphate (B)"),
    "LMO": ("cn:LMO", "batteryType", "Lithium manganese oxide (C)"),
    "LCO": ("cn:LCO", "batteryType", "Lithium cobalt oxide (D)"),
    "ternary": ("cn:Ternary", "batteryType", "Ternary lithium, NCM or NCA (E)"),
    "supercapacitor": ("cn:Supercapacitor", "batteryType", "Supercapacitor (F)"),
    "LTO": ("cn:LTO", "batteryType", "Lithium titanate (G)"),
    "otherType": ("cn:OtherBatteryType", "batteryType", "Other (Z)"),
    "sold": ("cn:Sold", "transferKind", "Sold"),
    "installed": ("cn:Installed", "transferKind", "Installed in a vehicle"),
    "repaired": ("cn:Repaired", "transferKind", "Repaired or replaced"),
    "retired": ("cn:Retired", "transferKind", "Retired from the vehicle"),
    "recycled": ("cn:Recycled", "transferKind", "Handed over for recycling or second use"),
}
SCHEMES = {"productType": "cn:ProductTypeValues", "batteryType": "cn:BatteryTypeValues",
           "transferKind": "cn:TransferKindValues"}

P, L, A = "P", "L", "A"
S, D = "S", "D"
# Properties. kind: "lit" (literal of datatype rng), "node" (nested node of class rng),
# "vocab" (concept of scheme rng). Tiers: P public, L legitimate interest, A authority.
# (term, IRI, kind, range, tier, lifecycle, used on, minted?, label, comment)
PROPS: list[tuple[str, str, str, str, str, str, str, bool, str, str]] = [
    ("batteryCode", "cn:batteryCode", "lit", "xsd:string", P, S, TOP, True,
     "GB/T 34014 battery code", "The battery's 24-character code (GB/T 34014-2017)."),
    ("manufacturer", "gs1:manufacturer", "node", "Organization", P, S, TOP, False,
     "maker", "The maker of the battery."),
    ("organizationName", "gs1:organizationName", "lit", "xsd:string", P, S, ORG, False,
     "organisation name", "Registered name of an organisation."),
    ("creditCode", "cn:unifiedSocialCreditCode", "lit", "xsd:string", P, S, ORG, True,
     "unified social credit code", "The organisation's 18-character unified social credit code."),
    ("productionDate", "gs1:productionDate", "lit", "xsd:date", P, S, TOP, False,
     "production date", "Date of production (the code's positions 15-17 hold it too)."),
    ("productType", "cn:productType", "vocab", "productType", P, S, TOP, True,
     "product type", "pack, module or cell."),
    ("batteryType", "cn:batteryType", "vocab", "batteryType", P, S, TOP, True,
     "battery type", "NiMH, LFP, LMO, LCO, ternary, supercapacitor, LTO or otherType."),
    ("ratedCapacity", "eubat:hasRatedCapacity", "node", QV, P, S, TOP, False,
     "rated capacity", "Rated capacity, in Ah (AMH)."),
    ("ratedVoltage", "eubat:hasNominalVoltage", "node", QV, P, S, TOP, False,
     "rated voltage", "Rated (nominal) voltage, in V (VLT)."),
    ("mass", "eubat:hasBatteryMass", "node", QV, P, S, TOP, False,
     "mass", "Mass of the battery, in kg (KGM)."),
    ("vehicleIdentificationNumber", "cn:vehicleIdentificationNumber", "lit", "xsd:string", A, D, TOP, True,
     "vehicle identification number",
     "The 17-character VIN (GB 16735) of the vehicle the battery is installed in."),
    ("transferEvents", "cn:transferEvent", "node", "TransferEvent", A, D, TOP, True,
     "transfer events", "The battery's transfers, reported to the traceability platform."),
    ("transferKind", "cn:transferKind", "vocab", "transferKind", A, D, "TransferEvent", True,
     "transfer kind", "sold, installed, repaired, retired or recycled."),
    ("transferDate", "cn:transferDate", "lit", "xsd:date", A, D, "TransferEvent", True,
     "transfer date", "The day of the transfer."),
    ("receivingParty", "cn:receivingParty", "node", "Organization", A, D, "TransferEvent", True,
     "receiving party", "The party that received the battery."),
    # --- linked passports (resolver/linked/, docs/linked.md): eu-battery's terms and IRIs, so an
    # item, its model and its batch are combined the same way in both profiles
    ("modelPassport", "bp:modelPassport", "id", TOP, P, S, TOP, True,
     "model passport", "IRI of the passport of this battery's model, which holds the static data "
     "shared by every item of the model; required data may be given there."),
    ("batchPassport", "bp:batchPassport", "id", TOP, P, S, TOP, True,
     "batch passport", "IRI of the passport of this battery's production batch, which holds the data "
     "shared by the batch."),
    ("granularity", "oec:granularityLevel", "lit", "xsd:string", P, S, TOP, False,
     "granularity", "What the passport describes: item, batch or model (OpenEPCIS). A model or batch "
     "passport holds shared data only: what it lacks is not reported missing."),
    ("value", "gs1:value", "lit", "xsd:double", P, S, QV, False, "value", "Numeric value of a quantity."),
    ("unit", "gs1:unitCode", "lit", "xsd:string", P, S, QV, False,
     "unit", "UN/CEFACT Recommendation 20 unit code."),
]

TIER = {P: "bp:PublicTier", L: "bp:LegitimateInterestTier", A: "bp:AuthorityTier"}
LIFECYCLE = {S: "bp:Static", D: "bp:Dynamic"}
# Helpers of nested nodes: in a view they take their parent node's tier.
STRUCTURAL = {"organizationName", "creditCode", "value", "unit",
              "modelPassport", "batchPassport", "granularity"}


def build_context() -> dict[str, object]:
    return profile_build.build_context(PREFIXES, CLASSES, CONCEPTS, PROPS)


HEAD = [
    "",
    "# Generated by vocab/cn-battery/build.py from its term table: edit the table, not this file.",
    "# Tier, lifecycle and passport-class IRIs are eu-battery's (bp:): both profiles share them.",
    "",
    "<https://w3id.org/battery-passport/cn-battery> a owl:Ontology ;",
    '    rdfs:label "CN traction battery passport profile vocabulary"@en ;',
    '    rdfs:comment "Terms and access tiers of the data China\'s national traceability platform for '
    'traction batteries asks for (MIIT 2018 No. 35; GB/T 34014-2017 codes)."@en .',
    "",
]


def build_vocab() -> str:
    out: list[str] = profile_build.turtle_prefixes(PREFIXES) + HEAD
    out.append("# --- classes")
    for term, (iri, minted, label, comment) in CLASSES.items():
        out.append(profile_build.class_statement(term, iri, minted, label, comment))
    out.append("\n# --- controlled values")
    for scheme, iri in SCHEMES.items():
        out.append(f"{iri} a skos:ConceptScheme ; rdfs:label {lit(scheme)}@en .")
    for term, (iri, scheme, label) in CONCEPTS.items():
        lines = [f"{iri} a skos:Concept", f"skos:prefLabel {lit(label)}@en", f"bp:term {lit(term)}",
                 f"bp:valueScheme {SCHEMES[scheme]}", "bp:minted true"]
        out.append(" ;\n    ".join(lines) + " .")
    out.append("\n# --- properties")
    for term, iri, kind, rng, tier, life, on, minted, label, comment in PROPS:
        out.append(profile_build.property_statement(
            term, iri, kind, profile_build.range_of(kind, rng, CLASSES), tier=TIER[tier],
            lifecycle=LIFECYCLE[life], used_on=profile_build.range_of("node", on, CLASSES), label=label,
            comment=comment, scheme=SCHEMES[rng] if kind == "vocab" else None, minted=minted,
            structural=term in STRUCTURAL))
    return "\n".join(out) + "\n"
