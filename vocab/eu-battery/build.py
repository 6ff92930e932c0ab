"""Writes context.jsonld and vocab.ttl of the eu-battery profile from the term table below.

Run `python vocab/eu-battery/generate.py [ROOT]` after editing the table (ROOT defaults to the repository);
the context, the vocabulary and the shapes it writes are committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import profile_build  # vocab/profile_build.py, on the path generate.py sets
from profile_build import lit

HERE = Path(__file__).resolve().parent
GUIDANCE = HERE.parents[2] / "shared" / "reference" / "eu-guidance" / "ec-guidance-datapoints.json"

PREFIXES = {
    "bp": "https://w3id.org/battery-passport/eu-battery#",
    "eubat": "https://ref.openepcis.io/extensions/eu/battery/",
    "oec": "https://ref.openepcis.io/extensions/common/core/",
    "gs1": "https://ref.gs1.org/voc/",
    "schema": "https://schema.org/",
    "dpp": "https://w3id.org/eudpp#",
    "batcat": "https://w3id.org/eudpp/battery-categories#",
    "batchem": "https://w3id.org/eudpp/battery-chemistries#",
    "batstat": "https://w3id.org/eudpp/battery-statuses#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

TOP = "bp:BatteryPassport"
QV = "gs1:QuantitativeValue"
ORG = "gs1:Organization"
ADDR = "gs1:PostalAddress"
CONTACT = "gs1:ContactPoint"

# Classes: term -> (IRI, minted?, label, comment)
CLASSES: dict[str, tuple[str, bool, str, str]] = {
    "BatteryPassport": (TOP, True, "Battery passport",
                        "The battery an EU battery passport describes; the top node of a passport document. "
                        "Its IRI is built from the battery's identifier."),
    "Quantity": (QV, False, "Quantity", "A measured or declared value with its UN/CEFACT Rec 20 unit code."),
    "Organization": (ORG, False, "Organisation", "A company or other organisation."),
    "PostalAddress": (ADDR, False, "Postal address", "A postal address."),
    "ContactPoint": (CONTACT, False, "Contact point", "Electronic contact details."),
    "Operator": ("oec:OperatorInformation", False, "Economic operator",
                 "The economic operator responsible for the passport."),
    "Facility": ("oec:FacilityInformation", False, "Facility", "A manufacturing plant."),
    "CarbonFootprintDeclaration": ("eubat:CarbonFootprintDeclaration", False, "Carbon footprint declaration",
                                   "Carbon footprint per life-cycle stage."),
    "RecycledContent": ("eubat:RecycledContent", False, "Recycled content",
                        "Recycled shares of cobalt, lithium, nickel and lead."),
    "HazardousSubstance": ("eubat:HazardousSubstance", False, "Hazardous substance",
                           "A hazardous substance present in the battery."),
    "Material": ("eubat:BatteryMaterial", False, "Material", "A material of the battery's composition."),
    "TemperatureRange": ("eubat:TemperatureRange", False, "Temperature range",
                         "A lower and an upper temperature."),
    "Label": ("eubat:Label", False, "Label", "A marking on the battery."),
    "DismantlingDocument": ("eubat:DismantlingDocument", False, "Dismantling document",
                            "A document on dismantling, removal or safety."),
    "NegativeEvent": ("eubat:NegativeEvent", False, "Negative event", "An accident or other harmful event."),
    "DueDiligence": ("eubat:SupplyChainDueDiligence", False, "Supply-chain due diligence",
                     "The battery due-diligence report."),
}

# Controlled values (JSON strings mapped to concept IRIs through "@type": "@vocab").
# term -> (IRI, minted?, scheme, label, broader)
CONCEPTS: dict[str, tuple[str, bool, str, str, str | None]] = {
    "EV": ("batcat:ElectricVehicleBattery", False, "category", "Electric vehicle battery", None),
    "LMT": ("batcat:LMTBattery", False, "category", "Light means of transport battery", None),
    "industrial": ("batcat:IndustrialBattery", False, "category", "Industrial battery", None),
    "stationary": ("bp:StationaryStorageBattery", True, "category",
                   "Stationary battery energy storage system", "batcat:IndustrialBattery"),
    "original": ("batstat:Original", False, "status", "Original", None),
    "repurposed": ("batstat:Repurposed", False, "status", "Repurposed", None),
    "re-used": ("batstat:ReUsed", False, "status", "Re-used", None),
    "remanufactured": ("batstat:Remanufactured", False, "status", "Remanufactured", None),
    "waste": ("batstat:Waste", False, "status", "Waste", None),
    "Pb": ("batchem:Pb", False, "chemistry", "Lead acid", None),
    "NiCd": ("batchem:NiCd", False, "chemistry", "Nickel cadmium", None),
    "NiMH": ("batchem:NiMH", False, "chemistry", "Nickel metal hydride", None),
    "NMC": ("batchem:LiIonNMC", False, "chemistry", "Lithium ion NMC", None),
    "NMC111": ("bp:NMC111", True, "chemistry", "Lithium ion NMC 1:1:1", "batchem:LiIonNMC"),
    "NMC532": ("bp:NMC532", True, "chemistry", "Lithium ion NMC 5:3:2", "batchem:LiIonNMC"),
    "NMC622": ("bp:NMC622", True, "chemistry", "Lithium ion NMC 6:2:2", "batchem:LiIonNMC"),
    "NMC811": ("bp:NMC811", True, "chemistry", "Lithium ion NMC 8:1:1", "batchem:LiIonNMC"),
    "LFP": ("batchem:LiIonLFP", False, "chemistry", "Lithium ion LFP", None),
    "LMO": ("batchem:LiIonLMO", False, "chemistry", "Lithium ion LMO", None),
    "LCO": ("batchem:LiIonLCO", False, "chemistry", "Lithium ion LCO", None),
    "NCA": ("batchem:LiIonNCA", False, "chemistry", "Lithium ion NCA", None),
    "LiMetal": ("batchem:LiMetal", False, "chemistry", "Lithium metal", None),
    "NaIon": ("batchem:NaIon", False, "chemistry", "Sodium-ion", None),
    "Manufacturer": ("oec:Manufacturer", False, "operatorRole", "Manufacturer", None),
    "Importer": ("oec:Importer", False, "operatorRole", "Importer", None),
    "Distributor": ("oec:Distributor", False, "operatorRole", "Distributor", None),
    "AuthorisedRepresentative": ("oec:AuthorisedRepresentative", False, "operatorRole",
                                 "Authorised representative", None),
    "FulfilmentServiceProvider": ("oec:FulfilmentServiceProvider", False, "operatorRole",
                                  "Fulfilment service provider", None),
    "accident": ("eubat:Accident", False, "eventType", "Accident", None),
    "deepDischarge": ("eubat:DeepDischarge", False, "eventType", "Deep discharge", None),
    "electricalFault": ("eubat:ElectricalFault", False, "eventType", "Electrical fault", None),
    "overcharge": ("eubat:Overcharge", False, "eventType", "Overcharge", None),
    "physicalDamage": ("eubat:PhysicalDamage", False, "eventType", "Physical damage", None),
    "shortCircuit": ("eubat:ShortCircuit", False, "eventType", "Short circuit", None),
    "thermalEvent": ("eubat:ThermalEvent", False, "eventType", "Thermal event", None),
    "waterIngress": ("eubat:WaterIngress", False, "eventType", "Water ingress", None),
    "minor": ("eubat:Minor", False, "severity", "Minor", None),
    "moderate": ("eubat:Moderate", False, "severity", "Moderate", None),
    "major": ("eubat:Major", False, "severity", "Major", None),
    "critical": ("eubat:Critical", False, "severity", "Critical", None),
    "dismantlingManual": ("eubat:DismantlingManual", False, "documentType", "Dismantling manual", None),
    "removalManual": ("eubat:RemovalManual", False, "documentType", "Removal manual", None),
    "explodedDrawing": ("eubat:Drawing", False, "documentType", "Drawing", None),
    "model3D": ("eubat:Model3D", False, "documentType", "3D model", None),
    "billOfMaterial": ("eubat:BillOfMaterial", False, "documentType", "Bill of material", None),
    "safetyDataSheet": ("eubat:SafetyDataSheet", False, "documentType", "Safety data sheet", None),
    "otherManual": ("eubat:OtherManual", False, "documentType", "Other manual", None),
    "cathode": ("eubat:Cathode", False, "componentLocation", "Cathode", None),
    "anode": ("eubat:Anode", False, "componentLocation", "Anode", None),
    "electrolyte": ("eubat:Electrolyte", False, "componentLocation", "Electrolyte", None),
    "separator": ("eubat:Separator", False, "componentLocation", "Separator", None),
    "casing": ("eubat:Casing", False, "componentLocation", "Casing", None),
    "classA": ("eubat:CFClassA", False, "carbonClass", "Carbon footprint class A", None),
    "classB": ("eubat:CFClassB", False, "carbonClass", "Carbon footprint class B", None),
    "classC": ("eubat:CFClassC", False, "carbonClass", "Carbon footprint class C", None),
    "classD": ("eubat:CFClassD", False, "carbonClass", "Carbon footprint class D", None),
    "classE": ("eubat:CFClassE", False, "carbonClass", "Carbon footprint class E", None),
}

# Properties. kind: "lit" (literal of datatype rng), "node" (nested node of class rng),
# "vocab" (concept of scheme rng), "id" (IRI of a resource of class rng).
# (term, IRI, kind, range, tier P/L/A, lifecycle S/D, data points, used on, minted?, label, comment)
P = "P"
L = "L"
A = "A"
S = "S"
D = "D"
PROPS: list[tuple[str, str, str, str, str, str, tuple[int, ...], str, bool, str, str]] = [
    # --- public, static (Annex XIII 1, Article 77(3), Annex VI A)
    ("passportIdentifier", "eubat:batteryPassportIdentifier", "lit", "xsd:anyURI", P, S, (1,), TOP, False,
     "passport identifier", "The battery's unique identifier as an IRI; equal to the passport's @id."),
    ("operator", "eubat:hasOperatorInformation", "node", "Operator", P, S, (2,), TOP, False,
     "responsible operator", "Who registers and is responsible for the passport."),
    ("operatorIdentifier", "eubat:operatorIdentifier", "lit", "xsd:string", P, S, (2,), "Operator", False,
     "operator identifier", "A unique operator identifier, for example an EORI number or a GLN."),
    ("operatorRole", "eubat:hasOperatorRole", "vocab", "operatorRole", P, S, (2,), "Operator", False,
     "operator role", "The role of the responsible operator: Manufacturer, Importer, Distributor, "
     "AuthorisedRepresentative or FulfilmentServiceProvider."),
    ("manufacturer", "gs1:manufacturer", "node", "Organization", P, S, (3, 4, 5), TOP, False,
     "manufacturer", "The manufacturer of the battery."),
    ("organizationName", "gs1:organizationName", "lit", "xsd:string", P, S, (2, 3, 47), "Organization", False,
     "organisation name", "Name, registered trade name or registered trade mark of an organisation."),
    ("address", "gs1:address", "node", "PostalAddress", P, S, (2, 4, 8, 47), "Organization", False,
     "postal address", "Postal address; for the manufacturer, its single contact point."),
    ("streetAddress", "gs1:streetAddress", "lit", "xsd:string", P, S, (4,), "PostalAddress", False,
     "street address", "Street and number."),
    ("postalCode", "gs1:postalCode", "lit", "xsd:string", P, S, (4,), "PostalAddress", False,
     "postal code", "Postal code."),
    ("addressLocality", "gs1:addressLocality", "lit", "xsd:string", P, S, (4, 8), "PostalAddress", False,
     "locality", "Town or city."),
    ("addressCountry", "schema:addressCountry", "lit", "xsd:string", P, S, (4, 8), "PostalAddress", False,
     "country", "Country as an ISO 3166-1 alpha-2 code."),
    ("contactPoint", "gs1:contactPoint", "node", "ContactPoint", P, S, (5, 47), "Organization", False,
     "contact point", "Web and e-mail contact details."),
    ("email", "gs1:email", "lit", "xsd:string", P, S, (5, 47), "ContactPoint", False,
     "e-mail address", "E-mail address."),
    ("telephone", "gs1:telephone", "lit", "xsd:string", P, S, (5, 47), "ContactPoint", False,
     "telephone", "Telephone number in international format."),
    ("url", "schema:url", "id", "schema:URL", P, S, (5, 47), "ContactPoint", False,
     "web address", "Web address."),
    ("category", "schema:category", "vocab", "category", P, S, (6,), TOP, False,
     "battery category", "EV, LMT, industrial, or stationary (a stationary battery energy storage system, "
     "an industrial battery)."),
    ("productName", "gs1:productName", "lit", "xsd:string", P, S, (7,), TOP, False,
     "product name", "Commercial name of the battery model."),
    ("model", "eubat:batteryModelIdentifier", "lit", "xsd:string", P, S, (7,), TOP, False,
     "model identification", "The battery model."),
    ("serialNumber", "gs1:hasSerialNumber", "lit", "xsd:string", P, S, (7,), TOP, False,
     "serial number", "The serial number of this battery."),
    ("batchNumber", "gs1:hasBatchLotNumber", "lit", "xsd:string", P, S, (7,), TOP, False,
     "batch number", "The production batch or lot of this battery."),
    ("manufacturingPlace", "eubat:hasManufacturingPlace", "node", "Facility", P, S, (8,), TOP, False,
     "place of manufacturing", "The battery manufacturing plant."),
    ("facilityIdentifier", "eubat:facilityIdentifier", "lit", "xsd:string", P, S, (8,), "Facility", False,
     "facility identifier", "Identifier of the plant, for example a GLN."),
    ("manufacturingDate", "gs1:productionDate", "lit", "xsd:date", P, S, (9,), TOP, False,
     "date of manufacturing", "Date of manufacturing: a date, or the month and year the guidance asks for "
     "as an xsd:gYearMonth ({\"@value\": \"2026-03\", \"@type\": \"xsd:gYearMonth\"})."),
    ("weight", "eubat:hasBatteryMass", "node", QV, P, S, (10,), TOP, False,
     "weight", "Mass of the battery, in kg (KGM)."),
    ("ratedCapacity", "eubat:hasRatedCapacity", "node", QV, P, S, (11, 25), TOP, False,
     "rated capacity", "Rated capacity as placed on the market, in Ah (AMH)."),
    ("chemistry", "eubat:hasBatteryChemistry", "vocab", "chemistry", P, S, (12, 16), TOP, False,
     "chemistry", "Battery chemistry, a concept of the CIRPASS-2 chemistry scheme (or one of our narrower "
     "NMC variants)."),
    ("hazardousSubstances", "eubat:hasHazardousSubstances", "node", "HazardousSubstance", P, S, (13, 16),
     TOP, False, "hazardous substances",
     "Hazardous substances present, other than mercury, cadmium or lead."),
    ("name", "schema:name", "lit", "xsd:string", P, S, (13, 16), "HazardousSubstance", False,
     "name", "Name of a substance, material or document."),
    ("casNumber", "eubat:substanceCasNumber", "lit", "xsd:string", P, S, (13,), "HazardousSubstance", False,
     "CAS number", "CAS registry number."),
    ("concentration", "eubat:concentration", "lit", "xsd:double", P, S, (13,), "HazardousSubstance", False,
     "concentration", "Concentration in the battery, percent by weight."),
    ("location", "eubat:hasSubstanceLocation", "vocab", "componentLocation", P, S, (13,),
     "HazardousSubstance", False, "location",
     "Where in the battery: cathode, anode, electrolyte, separator or casing."),
    ("extinguishingAgent", "eubat:extinguishingAgent", "lit", "xsd:string", P, S, (14,), TOP, False,
     "usable extinguishing agent", "An extinguishing agent usable on this battery."),
    ("criticalRawMaterials", "eubat:criticalRawMaterialsStatement", "lit", "xsd:string", P, S, (15, 16), TOP,
     False, "critical raw materials", "A critical raw material present above 0.1 % w/w (one value each)."),
    ("materialComposition", "eubat:hasMaterialComposition", "node", "Material", P, S, (16,), TOP, False,
     "material composition", "Aggregate material composition (not to be filled as of the guidance v1.0)."),
    ("carbonFootprint", "eubat:hasCarbonFootprintDeclaration", "node", "CarbonFootprintDeclaration", P, S,
     (17,), TOP, False, "carbon footprint declaration", "Carbon footprint per life-cycle stage."),
    ("rawMaterialAcquisition", "eubat:hasCarbonFootprintRawMaterialExtraction", "node", QV, P, S, (17,),
     "CarbonFootprintDeclaration", False, "raw material acquisition and pre-processing",
     "Carbon footprint of raw material acquisition and pre-processing, kg CO2e per kWh."),
    ("mainProduction", "eubat:hasCarbonFootprintProduction", "node", QV, P, S, (17,),
     "CarbonFootprintDeclaration", False, "main product production",
     "Carbon footprint of main product production, kg CO2e per kWh."),
    ("distribution", "eubat:hasCarbonFootprintDistribution", "node", QV, P, S, (17,),
     "CarbonFootprintDeclaration", False, "distribution",
     "Carbon footprint of distribution, kg CO2e per kWh."),
    ("endOfLife", "eubat:hasCarbonFootprintRecycling", "node", QV, P, S, (17,),
     "CarbonFootprintDeclaration", False, "end of life and recycling",
     "Carbon footprint of end of life and recycling, kg CO2e per kWh."),
    ("total", "eubat:hasCarbonFootprintTotal", "node", QV, P, S, (17,), "CarbonFootprintDeclaration", False,
     "total carbon footprint", "Total carbon footprint, kg CO2e per kWh: the sum of the stages."),
    ("studyUrl", "eubat:carbonFootprintStudyUrl", "lit", "xsd:anyURI", P, S, (17,),
     "CarbonFootprintDeclaration", False, "carbon footprint study", "Web link to the public study."),
    ("performanceClass", "eubat:hasCarbonFootprintPerformanceClass", "vocab", "carbonClass", P, S, (18,),
     "CarbonFootprintDeclaration", False, "carbon footprint class", "Performance class classA..classE."),
    ("dueDiligence", "eubat:hasSupplyChainDueDiligence", "node", "DueDiligence", P, S, (19,), TOP, False,
     "responsible sourcing", "Information from the battery due-diligence report."),
    ("reportUrl", "eubat:dueDiligenceReportUrl", "lit", "xsd:anyURI", P, S, (19,), "DueDiligence", False,
     "due-diligence report", "Web link to the due-diligence report."),
    ("recycledContent", "eubat:hasRecycledContent", "node", "RecycledContent", P, S, (20, 21, 22, 23), TOP,
     False, "recycled content", "Recycled shares per material."),
    ("recycledCobaltShare", "eubat:cobaltRecycledShare", "lit", "xsd:double", P, S, (20,), "RecycledContent",
     False, "recycled cobalt share", "Percent of the cobalt in active materials recovered from waste."),
    ("recycledLithiumShare", "eubat:lithiumRecycledShare", "lit", "xsd:double", P, S, (21,),
     "RecycledContent", False, "recycled lithium share",
     "Percent of the lithium in active materials recovered from waste."),
    ("recycledNickelShare", "eubat:nickelRecycledShare", "lit", "xsd:double", P, S, (22,), "RecycledContent",
     False, "recycled nickel share", "Percent of the nickel in active materials recovered from waste."),
    ("recycledLeadShare", "eubat:leadRecycledShare", "lit", "xsd:double", P, S, (23,), "RecycledContent",
     False, "recycled lead share", "Percent of the lead in the battery recovered from waste."),
    ("renewableContentShare", "eubat:renewableContentShare", "lit", "xsd:double", P, S, (24,), TOP, False,
     "renewable content share", "Percent of renewable content."),
    ("minimumVoltage", "eubat:hasMinimumVoltage", "node", QV, P, S, (26,), TOP, False,
     "minimal voltage", "Minimal voltage, in V (VLT)."),
    ("nominalVoltage", "eubat:hasNominalVoltage", "node", QV, P, S, (27,), TOP, False,
     "nominal voltage", "Nominal voltage, in V (VLT)."),
    ("maximumVoltage", "eubat:hasMaximumVoltage", "node", QV, P, S, (28,), TOP, False,
     "maximum voltage", "Maximum voltage, in V (VLT)."),
    ("originalPowerCapability", "eubat:hasOriginalPowerCapability", "node", QV, P, S, (29,), TOP, False,
     "original power capability", "Original power capability, in W (WTT) or kW (KWT)."),
    ("maximumPermittedPower", "eubat:hasMaximumPermittedBatteryPower", "node", QV, P, S, (30,), TOP, False,
     "power limit", "Maximum permitted battery power, in W (WTT) or kW (KWT)."),
    ("expectedLifetimeCycles", "eubat:expectedNumberOfCycles", "lit", "xsd:integer", P, S, (31,), TOP, False,
     "expected lifetime in cycles", "Expected battery lifetime, in full charge-discharge cycles."),
    ("lifetimeReferenceTest", "eubat:lifetimeReferenceTest", "lit", "xsd:string", P, S, (32,), TOP, False,
     "lifetime reference test", "The reference test behind the expected lifetime in cycles."),
    ("capacityThresholdForExhaustion", "eubat:capacityThresholdForExhaustion", "lit", "xsd:double", P, S,
     (33,), TOP, False, "capacity threshold for exhaustion", "Percent of rated capacity at which the battery "
     "counts as exhausted."),
    ("idleTemperatureRange", "eubat:hasTemperatureRangeIdleState", "node", "TemperatureRange", P, S, (34,),
     TOP, False, "idle temperature range", "Temperatures the battery withstands when not in use."),
    ("minimumTemperature", "eubat:hasMinimumTemperature", "node", QV, P, S, (34,), "TemperatureRange", False,
     "lower temperature", "Lower end of a temperature range, in degrees Celsius (CEL)."),
    ("maximumTemperature", "eubat:hasMaximumTemperature", "node", QV, P, S, (34,), "TemperatureRange", False,
     "upper temperature", "Upper end of a temperature range, in degrees Celsius (CEL)."),
    ("commercialWarrantyPeriod", "bp:commercialWarrantyPeriod", "node", QV, P, S, (35,), TOP, True,
     "commercial warranty period", "Period of the commercial warranty for the calendar life, in years (ANN) "
     "or months (MON). Minted: gs1:warranty and eubat:warrantyConditions point to a promise or a document, "
     "not to a period."),
    ("initialRoundTripEfficiency", "eubat:roundTripEnergyEfficiency", "lit", "xsd:double", P, S, (36,), TOP,
     False, "initial round trip energy efficiency", "Initial round trip energy efficiency, percent."),
    ("roundTripEfficiencyAt50PercentCycleLife", "eubat:roundTripEfficiencyAt50PercentCycleLife", "lit",
     "xsd:double", P, S, (37,), TOP, False, "round trip efficiency at 50 % of cycle life",
     "Round trip energy efficiency at 50 % of cycle life, percent."),
    ("initialInternalResistance", "eubat:hasInitialInternalResistance", "node", QV, P, S, (38,), TOP, False,
     "internal resistance (initial)", "Initial internal resistance of the pack, in ohm (OHM) or "
     "milliohm (E45)."),
    ("cycleLifeTestCRate", "eubat:cRateLifeCycleTest", "lit", "xsd:double", P, S, (39,), TOP, False,
     "C-rate of the cycle-life test", "C-rate of the relevant cycle-life test."),
    ("separateCollectionSymbol", "eubat:separateCollectionSymbolUrl", "lit", "xsd:anyURI", P, S, (40,), TOP,
     False, "separate collection symbol", "Web link to the crossed-out wheeled bin symbol as marked."),
    ("labels", "eubat:hasLabels", "node", "Label", P, S, (40,), TOP, False,
     "labels", "Further markings on the battery and their meaning."),
    ("labelSymbol", "eubat:labelSymbol", "lit", "xsd:anyURI", P, S, (40,), "Label", False,
     "symbol", "Web link to the symbol's image."),
    ("labelMeaning", "eubat:labelMeaning", "lit", "xsd:string", P, S, (40,), "Label", False,
     "meaning", "What the marking means."),
    ("cadmiumSymbol", "eubat:cadmiumSymbolRequired", "lit", "xsd:boolean", P, S, (41,), TOP, False,
     "cadmium symbol", "Whether the battery carries the Cd symbol (more than 0.002 % cadmium)."),
    ("leadSymbol", "eubat:leadSymbolRequired", "lit", "xsd:boolean", P, S, (41,), TOP, False,
     "lead symbol", "Whether the battery carries the Pb symbol (more than 0.004 % lead)."),
    ("declarationOfConformity", "eubat:hasEuDeclarationOfConformity", "id", "schema:URL", P, S, (42,), TOP,
     False, "EU declaration of conformity", "Web link to the EU declaration of conformity."),
    ("wastePreventionInfo", "eubat:wastePrevention", "lit", "xsd:anyURI", P, S, (43,), TOP, False,
     "waste prevention information", "Web link to the information on the prevention of waste batteries."),
    ("collectionInfo", "eubat:informationOnCollection", "lit", "xsd:anyURI", P, S, (43,), TOP, False,
     "collection information", "Web link to the information on take-back, collection and treatment."),
    ("separateCollectionInfo", "eubat:separateCollection", "lit", "xsd:anyURI", P, S, (43,), TOP, False,
     "separate collection information", "Web link to the information on separate collection."),
    ("instructionsForUse", "gs1:instructionsForUse", "id", "schema:URL", P, S, (44,), TOP, False,
     "instructions for use", "Web link to printable instructions for use."),
    # --- legitimate interest, static (Annex XIII 2)
    ("cathodeActiveMaterial", "eubat:cathodeActiveMaterial", "lit", "xsd:string", L, S, (45,), TOP, False,
     "cathode material", "Materials of the cathode."),
    ("anodeActiveMaterial", "eubat:anodeActiveMaterial", "lit", "xsd:string", L, S, (45,), TOP, False,
     "anode material", "Materials of the anode."),
    ("electrolyteComposition", "eubat:electrolyteComposition", "lit", "xsd:string", L, S, (45,), TOP, False,
     "electrolyte", "Composition of the electrolyte."),
    ("sparePartNumbers", "eubat:spareParts", "lit", "xsd:string", L, S, (46,), TOP, False,
     "part numbers", "Part numbers of components (one value each)."),
    ("sparePartSources", "eubat:hasSparePartSources", "node", "Organization", L, S, (47,), TOP, False,
     "sources of spare parts", "Where replacement spares can be obtained."),
    ("dismantlingDocuments", "eubat:hasDismantlingDocuments", "node", "DismantlingDocument", L, S, (48,), TOP,
     False, "dismantling information", "Dismantling documents: exploded diagrams, disassembly sequences, "
     "tools, warnings, cell layout."),
    ("documentType", "eubat:hasDocumentType", "vocab", "documentType", L, S, (48,), "DismantlingDocument",
     False, "document type", "Kind of dismantling document."),
    ("documentUrl", "eubat:documentUrl", "lit", "xsd:anyURI", L, S, (48,), "DismantlingDocument", False,
     "document", "Web link to the document."),
    ("safetyMeasures", "eubat:safetyMeasures", "lit", "xsd:string", L, S, (49,), TOP, False,
     "safety measures", "Safety measures and instructions (one value each)."),
    # --- authorities, static (Annex XIII 3)
    ("testReports", "eubat:resultOfTestReport", "lit", "xsd:anyURI", A, S, (50,), TOP, False,
     "test reports", "Web links to results of test reports proving compliance."),
    # --- legitimate interest, dynamic (Annex XIII 4)
    ("currentRatedCapacity", "bp:currentRatedCapacity", "node", QV, L, D, (51,), TOP, True,
     "rated capacity (current)", "Rated capacity as last determined during use, in Ah (AMH). Minted: "
     "eubat:hasRatedCapacity is the public, static data point 11."),
    ("capacityFade", "eubat:hasCapacityFade", "node", QV, L, D, (52,), TOP, False,
     "capacity fade", "Capacity fade, percent (P1)."),
    ("powerCapability", "eubat:hasPowerCapability", "node", QV, L, D, (53,), TOP, False,
     "power", "Current power capability, in W (WTT) or kW (KWT)."),
    ("powerFade", "eubat:hasPowerFade", "node", QV, L, D, (54,), TOP, False,
     "power fade", "Power fade, percent (P1)."),
    ("internalResistance", "eubat:hasInternalResistance", "node", QV, L, D, (55, 66), TOP, False,
     "internal resistance",
     "Current internal (ohmic) resistance of the pack, in ohm (OHM) or milliohm (E45)."),
    ("internalResistanceIncrease", "eubat:hasInternalResistanceIncrease", "node", QV, L, D, (56,), TOP, False,
     "internal resistance increase", "Internal resistance increase, percent (P1); may exceed 100."),
    ("roundTripEfficiency", "eubat:roundTripEfficiency", "lit", "xsd:double", L, D, (57,), TOP, False,
     "round trip efficiency (current)", "Current energy round trip efficiency, percent."),
    ("roundTripEfficiencyFade", "eubat:hasRoundTripEfficiencyFade", "node", QV, L, D, (58,), TOP, False,
     "round trip efficiency fade", "Energy round trip efficiency fade, percent (P1)."),
    ("expectedRemainingCycles", "eubat:expectedRemainingCycles", "lit", "xsd:integer", L, D, (59,), TOP,
     False, "expected lifetime in cycles (remaining)", "Expected remaining lifetime, in cycles."),
    ("expectedLifetimeYears", "eubat:expectedLifetimeYears", "lit", "xsd:integer", L, D, (60,), TOP, False,
     "expected lifetime in years", "Expected lifetime under reference conditions, in calendar years."),
    ("stateOfCertifiedEnergy", "eubat:hasStateOfCertifiedEnergy", "node", QV, L, D, (61,), TOP, False,
     "state of certified energy", "State of health as state of certified energy (SOCE), percent (P1)."),
    ("remainingCapacity", "eubat:hasRemainingCapacity", "node", QV, L, D, (62,), TOP, False,
     "remaining capacity", "State of health as remaining capacity, in Ah (AMH) or percent (P1)."),
    ("remainingPowerCapability", "eubat:hasRemainingPowerCapability", "node", QV, L, D, (63,), TOP, False,
     "remaining power capability", "Remaining power capability, in W (WTT), kW (KWT) or percent (P1)."),
    ("remainingRoundTripEfficiency", "eubat:hasRemainingRoundTripEfficiency", "node", QV, L, D, (64,), TOP,
     False, "remaining round trip efficiency", "Remaining round trip efficiency, percent (P1)."),
    ("selfDischargeRate", "eubat:hasCurrentSelfDischargingRate", "node", QV, L, D, (65,), TOP, False,
     "self-discharging rate", "Current self-discharging rate, percent of charge per month (P1)."),
    ("status", "schema:status", "vocab", "status", L, D, (67,), TOP, False,
     "battery status", "original, repurposed, re-used, remanufactured or waste."),
    ("predecessor", "dpp:linkToPreviousDPP", "id", TOP, L, D, (67,), TOP, False,
     "predecessor passport", "IRI of the passport of a battery this one was repurposed, re-used or "
     "remanufactured from."),
    # --- linked passports (resolver/linked/): static data shared by many items
    ("modelPassport", "bp:modelPassport", "id", TOP, P, S, (), TOP, True,
     "model passport", "IRI of the passport of this battery's model (per GTIN), which holds the static "
     "data shared by every item of the model; mandatory data points may be given there."),
    ("batchPassport", "bp:batchPassport", "id", TOP, P, S, (), TOP, True,
     "batch passport", "IRI of the passport of this battery's production batch, which holds the data "
     "shared by the batch (date and place of manufacture, carbon footprint, recycled content)."),
    ("granularity", "oec:granularityLevel", "lit", "xsd:string", P, S, (), TOP, False,
     "granularity", "What the passport describes: item, batch or model (OpenEPCIS). A model or batch "
     "passport holds shared data only: data points it lacks are not reported missing."),
    ("cycleCount", "eubat:numberOfFullCycles", "lit", "xsd:integer", L, D, (68,), TOP, False,
     "number of cycles", "Number of full charge-discharge cycles so far."),
    ("negativeEvents", "eubat:hasNegativeEvents", "node", "NegativeEvent", L, D, (69,), TOP, False,
     "negative events", "Accidents and other negative events."),
    ("eventType", "eubat:hasEventType", "vocab", "eventType", L, D, (69,), "NegativeEvent", False,
     "event type", "Kind of event."),
    ("eventDate", "eubat:eventDate", "lit", "xsd:dateTime", L, D, (69,), "NegativeEvent", False,
     "event date", "When the event happened."),
    ("severity", "eubat:hasIncidentSeverity", "vocab", "severity", L, D, (69,), "NegativeEvent", False,
     "severity", "minor, moderate, major or critical."),
    ("description", "schema:description", "lit", "xsd:string", L, D, (69,), "NegativeEvent", False,
     "description", "What happened."),
    ("timeAboveTemperatureBoundary", "eubat:timeSpentInExtremeTemperaturesAboveBoundary", "lit",
     "xsd:integer", L, D, (70,), TOP, False, "time above temperature boundary",
     "Cumulative minutes spent above the upper temperature boundary."),
    ("timeBelowTemperatureBoundary", "eubat:timeSpentInExtremeTemperaturesBelowBoundary", "lit",
     "xsd:integer", L, D, (70,), TOP, False, "time below temperature boundary",
     "Cumulative minutes spent below the lower temperature boundary."),
    ("stateOfCharge", "eubat:hasStateOfCharge", "node", QV, L, D, (71,), TOP, False,
     "state of charge", "Last recorded state of charge, percent (P1)."),
    # --- structural helpers: inherit their parent node's tier in views
    ("value", "gs1:value", "lit", "xsd:double", P, S, (), QV, False,
     "value", "Numeric value of a quantity."),
    ("unit", "gs1:unitCode", "lit", "xsd:string", P, S, (), QV, False,
     "unit", "UN/CEFACT Recommendation 20 unit code (our own code kgCO2e/kWh for carbon footprints)."),
]

LIFECYCLE = {S: "bp:Static", D: "bp:Dynamic"}
TIER = {P: "bp:PublicTier", L: "bp:LegitimateInterestTier", A: "bp:AuthorityTier"}
GUIDE_TIER = {"public": P, "legitimateInterest": L, "notifiedBodiesAndAuthorities": A}
STATUS = {"mandatory": "bp:Mandatory", "optional": "bp:Optional", "conditional": "bp:Conditional",
          "notToBeFilled": "bp:NotToBeFilled", "pending": "bp:Pending"}
SCHEMES = {"category": "bp:CategoryValues", "status": "bp:StatusValues", "chemistry": "bp:ChemistryValues",
           "operatorRole": "bp:OperatorRoleValues", "eventType": "bp:EventTypeValues",
           "severity": "bp:SeverityValues", "documentType": "bp:DocumentTypeValues",
           "componentLocation": "bp:ComponentLocationValues", "carbonClass": "bp:CarbonClassValues"}
CATEGORY_KEYS = [("ev", "batcat:ElectricVehicleBattery"), ("lmt", "batcat:LMTBattery"),
                 ("industrial", "batcat:IndustrialBattery"), ("industrial", "bp:StationaryStorageBattery")]
STRUCTURAL = {"modelPassport", "batchPassport", "granularity", "value", "unit", "name", "organizationName",
              "address", "streetAddress", "postalCode",
              "addressLocality", "addressCountry", "contactPoint", "email", "telephone", "url"}


def build_context() -> dict[str, object]:
    return profile_build.build_context(PREFIXES, CLASSES, CONCEPTS, PROPS)


def build_vocab() -> str:
    guidance = json.loads(GUIDANCE.read_text(encoding="utf-8"))["dataPoints"]
    rdf = "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> ."
    out: list[str] = profile_build.turtle_prefixes(PREFIXES, rdf)
    out += [
        "",
        "# Generated by vocab/eu-battery/build.py from its term table: edit the table, not this file.",
        "# Statements about reused IRIs (rdfs:range, bp:accessTier, ...) describe how this profile uses",
        "# them; they do not redefine the originals.",
        "",
        "<https://w3id.org/battery-passport/eu-battery> a owl:Ontology ;",
        '    rdfs:label "EU battery passport profile vocabulary"@en ;',
        '    rdfs:comment "Terms, access tiers, lifecycle and EC data-point numbers of the eu-battery '
        'passport profile (Regulation (EU) 2023/1542, Annex XIII)."@en ;',
        "    dcterms:source <http://data.europa.eu/eli/reg/2023/1542/oj> .",
        "",
        "# --- the profile's own vocabulary for describing terms",
        "bp:accessTier a owl:ObjectProperty ; rdfs:label \"access tier\"@en .",
        "bp:lifecycle a owl:ObjectProperty ; rdfs:label \"lifecycle\"@en .",
        "bp:dataPoint a owl:DatatypeProperty ; rdfs:label \"EC data point\"@en ; rdfs:range xsd:integer .",
        "bp:minted a owl:AnnotationProperty ; rdfs:label \"minted by this profile\"@en ; "
        "rdfs:range xsd:boolean .",
        "bp:usedOn a owl:AnnotationProperty ; rdfs:label \"used on nodes of\"@en .",
        "bp:structural a owl:AnnotationProperty ; rdfs:label \"structural helper\"@en ; "
        "rdfs:comment \"A helper of nested nodes; in a view it takes its parent node's tier.\"@en .",
        "bp:term a owl:AnnotationProperty ; rdfs:label \"JSON-LD term\"@en .",
        "bp:valueScheme a owl:AnnotationProperty ; rdfs:label \"controlled values\"@en .",
        "bp:PublicTier a bp:AccessTier ; rdfs:label \"public\"@en .",
        "bp:LegitimateInterestTier a bp:AccessTier ; rdfs:label \"legitimate interest\"@en .",
        "bp:AuthorityTier a bp:AccessTier ; rdfs:label \"notified bodies, market surveillance authorities "
        "and the Commission\"@en .",
        "bp:Static a bp:Lifecycle ; rdfs:label \"static\"@en .",
        "bp:Dynamic a bp:Lifecycle ; rdfs:label \"dynamic (updated during use)\"@en .",
        "bp:DataPoint a owl:Class ; rdfs:label \"EC data point\"@en .",
        "bp:number a owl:DatatypeProperty ; rdfs:range xsd:integer .",
        "bp:applicability a owl:ObjectProperty ; rdfs:label \"applicability\"@en .",
        "bp:category a owl:ObjectProperty ; rdfs:label \"battery category\"@en .",
        "bp:status a owl:ObjectProperty ; rdfs:label \"applicability status\"@en .",
        "bp:note a owl:DatatypeProperty .",
        "bp:legalSource a owl:DatatypeProperty .",
    ]
    for key, iri in STATUS.items():
        out.append(f"{iri} a bp:ApplicabilityStatus ; rdfs:label {lit(key)}@en .")
    out.append("")
    out.append("# --- classes")
    for term, (iri, minted, label, comment) in CLASSES.items():
        extra = ("rdfs:subClassOf eubat:Battery, gs1:Product",) if iri == TOP else ()
        out.append(profile_build.class_statement(term, iri, minted, label, comment, *extra))
    out.append("")
    out.append("# --- controlled values")
    for scheme, iri in SCHEMES.items():
        out.append(f"{iri} a skos:ConceptScheme ; rdfs:label {lit(scheme)}@en .")
    for term, (iri, minted, scheme, label, broader) in CONCEPTS.items():
        lines = [f"{iri} bp:term {lit(term)}", f"bp:valueScheme {SCHEMES[scheme]}"]
        if minted:
            lines += ["a skos:Concept", f"skos:prefLabel {lit(label)}@en", "bp:minted true"]
        if broader:
            lines.append(f"skos:broader {broader}")
        out.append(" ;\n    ".join(lines) + " .")
    out.append("")
    out.append("# --- properties")
    for term, iri, kind, rng, tier, life, dps, on, minted, label, comment in PROPS:
        out.append(profile_build.property_statement(
            term, iri, kind, profile_build.range_of(kind, rng, CLASSES), tier=TIER[tier],
            lifecycle=LIFECYCLE[life], used_on=profile_build.range_of("node", on, CLASSES), label=label,
            comment=comment, scheme=SCHEMES[rng] if kind == "vocab" else None, data_points=dps,
            minted=minted, structural=term in STRUCTURAL))
    out.append("")
    out.append("# --- the 71 EC data points (facts from the Commission's guidance v1.0, CC BY 4.0)")
    for dp in guidance:
        n = dp["nr"]
        lines = [f"bp:dp{n} a bp:DataPoint", f"bp:number {n}", f"rdfs:label {lit(dp['name'])}@en",
                 f"bp:legalSource {lit(dp.get('source') or 'BR Annex XIII')}",
                 f"bp:accessTier {TIER[GUIDE_TIER[dp['accessTier']]]}",
                 f"bp:lifecycle {LIFECYCLE[S if dp['lifecycle'] == 'static' else D]}"]
        for key, cat in CATEGORY_KEYS:
            app = dp["applicability"][key]
            node = f"[ bp:category {cat} ; bp:status {STATUS[app['status']]}"
            if app.get("note"):
                node += f" ; bp:note {lit(app['note'])}"
            lines.append(f"bp:applicability {node} ]")
        out.append(" ;\n    ".join(lines) + " .")
    return "\n".join(out) + "\n"
