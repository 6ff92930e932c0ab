"""The preset zlib dictionary the stores compress passport views with (format 1).

Frozen: stored versions name the dictionary they were compressed with, so this text never
changes; a better one would be added as format 2. Made once from the term names of
vocab/eu-battery/context.jsonld as they appear in compact JSON-LD (``"term":``).
"""

ZDICT_1 = (
    '"id":"type":"bp":"eubat":"oec":"gs1":"schema":"dpp":"batcat":"batchem":"batstat":"xsd":"BatteryP'
    'assport":"Quantity":"Organization":"PostalAddress":"ContactPoint":"Operator":"Facility":"CarbonF'
    'ootprintDeclaration":"RecycledContent":"HazardousSubstance":"Material":"TemperatureRange":"Label'
    '":"DismantlingDocument":"NegativeEvent":"DueDiligence":"EV":"LMT":"industrial":"stationary":"ori'
    'ginal":"repurposed":"re-used":"remanufactured":"waste":"Pb":"NiCd":"NiMH":"NMC":"NMC111":"NMC532'
    '":"NMC622":"NMC811":"LFP":"LMO":"LCO":"NCA":"LiMetal":"NaIon":"Manufacturer":"Importer":"Distrib'
    'utor":"AuthorisedRepresentative":"FulfilmentServiceProvider":"accident":"deepDischarge":"electri'
    'calFault":"overcharge":"physicalDamage":"shortCircuit":"thermalEvent":"waterIngress":"minor":"mo'
    'derate":"major":"critical":"dismantlingManual":"removalManual":"explodedDrawing":"model3D":"bill'
    'OfMaterial":"safetyDataSheet":"otherManual":"cathode":"anode":"electrolyte":"separator":"casing"'
    ':"classA":"classB":"classC":"classD":"classE":"passportIdentifier":"operator":"operatorIdentifie'
    'r":"operatorRole":"manufacturer":"organizationName":"address":"streetAddress":"postalCode":"addr'
    'essLocality":"addressCountry":"contactPoint":"email":"telephone":"url":"category":"productName":'
    '"model":"serialNumber":"batchNumber":"manufacturingPlace":"facilityIdentifier":"manufacturingDat'
    'e":"weight":"ratedCapacity":"chemistry":"hazardousSubstances":"name":"casNumber":"concentration"'
    ':"location":"extinguishingAgent":"criticalRawMaterials":"materialComposition":"carbonFootprint":'
    '"rawMaterialAcquisition":"mainProduction":"distribution":"endOfLife":"total":"studyUrl":"perform'
    'anceClass":"dueDiligence":"reportUrl":"recycledContent":"recycledCobaltShare":"recycledLithiumSh'
    'are":"recycledNickelShare":"recycledLeadShare":"renewableContentShare":"minimumVoltage":"nominal'
    'Voltage":"maximumVoltage":"originalPowerCapability":"maximumPermittedPower":"expectedLifetimeCyc'
    'les":"lifetimeReferenceTest":"capacityThresholdForExhaustion":"idleTemperatureRange":"minimumTem'
    'perature":"maximumTemperature":"commercialWarrantyPeriod":"initialRoundTripEfficiency":"roundTri'
    'pEfficiencyAt50PercentCycleLife":"initialInternalResistance":"cycleLifeTestCRate":"separateColle'
    'ctionSymbol":"labels":"labelSymbol":"labelMeaning":"cadmiumSymbol":"leadSymbol":"declarationOfCo'
    'nformity":"wastePreventionInfo":"collectionInfo":"separateCollectionInfo":"instructionsForUse":"'
    'cathodeActiveMaterial":"anodeActiveMaterial":"electrolyteComposition":"sparePartNumbers":"spareP'
    'artSources":"dismantlingDocuments":"documentType":"documentUrl":"safetyMeasures":"testReports":"'
    'currentRatedCapacity":"capacityFade":"powerCapability":"powerFade":"internalResistance":"interna'
    'lResistanceIncrease":"roundTripEfficiency":"roundTripEfficiencyFade":"expectedRemainingCycles":"'
    'expectedLifetimeYears":"stateOfCertifiedEnergy":"remainingCapacity":"remainingPowerCapability":"'
    'remainingRoundTripEfficiency":"selfDischargeRate":"status":"predecessor":"cycleCount":"negativeE'
    'vents":"eventType":"eventDate":"severity":"description":"timeAboveTemperatureBoundary":"timeBelo'
    'wTemperatureBoundary":"stateOfCharge":"value":"unit":{"@context":"https://w3id.org/battery-passp'
    'ort/eu-battery/v1","id":"https://hdl.handle.net/","type":"'
).encode("ascii")
