"""The Battery Pass Circularity aspect (``urn:samm:io.BatteryPass.Circularity:1.2.0#Circularity``)
in and out of our circularity terms.

- ``dismantlingAndRemovalInformation`` (``documentType``, ``documentURL``) <->
  ``dismantlingDocuments`` (``documentType``, ``documentUrl``): the model's types
  ``BillOfMaterial``, ``Model3D``, ``DismantlingManual``, ``RemovalManual``, ``OtherManual``,
  ``Drawing`` are ours (``Drawing`` is our ``explodedDrawing``); another type is refused with its
  path. ``mimeType`` has no term of ours (listed); out, a safety data sheet (no type of the
  model's) is named as not written;
- ``sparePartSources`` (a list of suppliers) <-> ``sparePartSources`` (organisations):
  ``nameOfSupplier`` -> ``organizationName``, ``addressOfSupplier`` (``streetAddress``,
  ``postalCode``, ``addressCountry``) -> ``address``, ``emailAddressOfSupplier`` ->
  ``contactPoint.email``, ``supplierWebAddress`` -> ``contactPoint.url``; the suppliers'
  ``components[].partNumber`` <-> ``sparePartNumbers`` (out, all under the first supplier; a
  component's ``partName`` has no term of ours, and a telephone or a town no field);
- ``recycledContent`` (per ``recycledMaterial``: Cobalt, Nickel, Lithium, Lead, with
  ``preConsumerShare`` and ``postConsumerShare`` in percent) -> ``recycledContent``
  (``recycledCobaltShare``, ...): ours is the share recovered from waste, the sum of the two,
  so an entry is read when it gives both (one alone is listed, never taken as the whole); out,
  not written, as the passport does not hold the split. A material given twice is refused;
- ``safetyMeasures.extinguishingAgent`` <-> ``extinguishingAgent``; ``safetyInstructions`` (a
  manual's web address; ours, ``safetyMeasures``, are instruction texts) is listed, and ours is
  named as not written;
- ``endOfLifeInformation`` (``wastePrevention``, ``separateCollection``,
  ``informationOnCollection``) <-> ``wastePreventionInfo``, ``separateCollectionInfo``,
  ``collectionInfo``;
- ``renewableContent`` (percent) <-> ``renewableContentShare``.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.adapters.batterypass_fields import Aspect, Reading, enumerated
from resolver.errors import DocumentError

__all__ = ["ASPECT"]

KEY = "circularity"
ALIASES: tuple[str, ...] = ()
MARKERS = ("dismantlingAndRemovalInformation", "sparePartSources", "endOfLifeInformation", "renewableContent")
_DOCUMENTS = {
    "BillOfMaterial": "billOfMaterial",
    "Model3D": "model3D",
    "DismantlingManual": "dismantlingManual",
    "RemovalManual": "removalManual",
    "OtherManual": "otherManual",
    "Drawing": "explodedDrawing",
}
_DOCUMENTS_OUT = {ours: theirs for theirs, ours in _DOCUMENTS.items()}
_MATERIALS = {name: f"recycled{name}Share" for name in ("Cobalt", "Nickel", "Lithium", "Lead")}
_END_OF_LIFE = (("wastePrevention", "wastePreventionInfo"), ("separateCollection", "separateCollectionInfo"),
                ("informationOnCollection", "collectionInfo"))  # fmt: skip
_ADDRESS = ("streetAddress", "postalCode", "addressCountry")
_SUPPLIER = (("emailAddressOfSupplier", "email"), ("supplierWebAddress", "url"))


def read(aspect: dict[str, object], reading: Reading) -> dict[str, object]:
    terms: dict[str, object] = {}
    documents = []
    for index, entry in enumerate(reading.objects(aspect, "dismantlingAndRemovalInformation")):
        inside = f"dismantlingAndRemovalInformation[{index}]"
        kind = enumerated(reading, entry, "documentType", inside, _DOCUMENTS)
        url = reading.text(entry, "documentURL", inside)
        documents.append(
            {key: value for key, value in (("documentType", kind), ("documentUrl", url)) if value}
        )
    if documents:
        terms["dismantlingDocuments"] = documents
    _spare_parts(aspect, reading, terms)
    shares = _recycled(aspect, reading)
    if shares:
        terms["recycledContent"] = shares
    agents = reading.texts(reading.section(aspect, "safetyMeasures"), "extinguishingAgent", "safetyMeasures")
    if agents:
        terms["extinguishingAgent"] = agents
    end_of_life = reading.section(aspect, "endOfLifeInformation")
    for field, term in _END_OF_LIFE:
        url = reading.text(end_of_life, field, "endOfLifeInformation")
        if url is not None:
            terms[term] = url
    renewable = reading.number(aspect, "renewableContent")
    if renewable is not None:
        terms["renewableContentShare"] = renewable
    return terms


def _spare_parts(aspect: dict[str, object], reading: Reading, terms: dict[str, object]) -> None:
    sources, numbers = [], []
    for index, supplier in enumerate(reading.objects(aspect, "sparePartSources")):
        inside = f"sparePartSources[{index}]"
        source: dict[str, object] = {}
        name = reading.text(supplier, "nameOfSupplier", inside)
        if name is not None:
            source["organizationName"] = name
        postal = reading.section(supplier, "addressOfSupplier", inside)
        address = {key: reading.text(postal, key, f"{inside}.addressOfSupplier") for key in _ADDRESS}
        if any(address.values()):
            source["address"] = {key: value for key, value in address.items() if value}
        contact = {ours: reading.text(supplier, theirs, inside) for theirs, ours in _SUPPLIER}
        if any(contact.values()):
            source["contactPoint"] = {key: value for key, value in contact.items() if value}
        if source:
            sources.append(source)
        for number, part in enumerate(reading.objects(supplier, "components", inside)):
            found = reading.text(part, "partNumber", f"{inside}.components[{number}]")
            if found is not None:
                numbers.append(found)
    if sources:
        terms["sparePartSources"] = sources
    if numbers:
        terms["sparePartNumbers"] = numbers


def _recycled(aspect: dict[str, object], reading: Reading) -> dict[str, object]:
    shares: dict[str, object] = {}
    for index, entry in enumerate(reading.objects(aspect, "recycledContent")):
        inside = f"recycledContent[{index}]"
        term = enumerated(reading, entry, "recycledMaterial", inside, _MATERIALS)
        pre = reading.number(entry, "preConsumerShare", inside)
        post = reading.number(entry, "postConsumerShare", inside)
        if term is None or pre is None or post is None:
            reading.left += [reading.where(inside, key) for key in entry]
            continue
        if term in shares:
            raise DocumentError(
                f"{reading.where(inside, 'recycledMaterial')}: {entry['recycledMaterial']!r} is given twice"
            )
        shares[term] = round(pre + post, 9)
    return shares


def write(passport: Mapping[str, object], left: list[str]) -> tuple[dict[str, object], set[str]]:
    out: dict[str, object] = {}
    taken: set[str] = set()
    documents = _written_documents(passport.get("dismantlingDocuments"), left)
    if documents:
        out["dismantlingAndRemovalInformation"] = documents
        taken.add("dismantlingDocuments")
    suppliers = _written_suppliers(passport, left)
    if suppliers:
        out["sparePartSources"] = suppliers
        taken.add("sparePartSources")
        taken.update({"sparePartNumbers"} & passport.keys())
    agents = passport.get("extinguishingAgent")
    agents = [agents] if isinstance(agents, str) else agents
    if isinstance(agents, list) and agents:
        out["safetyMeasures"] = {"extinguishingAgent": agents}
        taken.add("extinguishingAgent")
    end_of_life = {
        theirs: passport[ours] for theirs, ours in _END_OF_LIFE if isinstance(passport.get(ours), str)
    }
    if end_of_life:
        out["endOfLifeInformation"] = end_of_life
        taken.update(ours for _, ours in _END_OF_LIFE if ours in passport)
    renewable = passport.get("renewableContentShare")
    if isinstance(renewable, int | float) and not isinstance(renewable, bool):
        out["renewableContent"] = renewable
        taken.add("renewableContentShare")
    return out, taken


def _written_documents(value: object, left: list[str]) -> list[dict[str, object]]:
    documents = []
    for document in [value] if isinstance(value, dict) else value if isinstance(value, list) else []:
        kind = _DOCUMENTS_OUT.get(str(document.get("documentType"))) if isinstance(document, dict) else None
        if kind is None or not isinstance(document.get("documentUrl"), str):
            left.append("dismantlingDocuments")
            continue
        documents.append({"documentType": kind, "documentURL": document["documentUrl"]})
        left += [
            f"dismantlingDocuments.{key}" for key in document if key not in ("documentType", "documentUrl")
        ]
    return documents


def _written_suppliers(passport: Mapping[str, object], left: list[str]) -> list[dict[str, object]]:
    value = passport.get("sparePartSources")
    suppliers: list[dict[str, object]] = []
    for source in [value] if isinstance(value, dict) else value if isinstance(value, list) else []:
        if not isinstance(source, dict):
            continue
        supplier: dict[str, object] = {}
        if isinstance(source.get("organizationName"), str):
            supplier["nameOfSupplier"] = source["organizationName"]
        address = _object(source.get("address"))
        postal = {key: address[key] for key in _ADDRESS if isinstance(address.get(key), str)}
        if postal:
            supplier["addressOfSupplier"] = postal
        left += [f"sparePartSources.address.{key}" for key in address if key not in postal]
        contact = _object(source.get("contactPoint"))
        for theirs, ours in _SUPPLIER:
            if isinstance(contact.get(ours), str):
                supplier[theirs] = contact[ours]
        left += [f"sparePartSources.contactPoint.{key}" for key in contact if key not in ("email", "url")]
        left += [
            f"sparePartSources.{key}"
            for key in source
            if key not in ("organizationName", "address", "contactPoint")
        ]
        suppliers.append(supplier)
    numbers = passport.get("sparePartNumbers")
    numbers = [numbers] if isinstance(numbers, str) else numbers
    if suppliers and isinstance(numbers, list) and numbers:
        suppliers[0]["components"] = [{"partNumber": number} for number in numbers if isinstance(number, str)]
    return suppliers


def _object(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


ASPECT = Aspect(KEY, ALIASES, MARKERS, read, write)
