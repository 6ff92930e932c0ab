"""The Digital Battery Passport Part 7, Circularity submodel (IDTA-02035-7 1.0.2), in and out of
our circularity terms.

Element idShorts and semanticIds are those of the published template
(admin-shell-io/submodel-templates, ``published/Digital Battery Passport/7_Circularity/1/0/2``,
CC BY 4.0; submodel ``Circularity``, semanticId
``urn:samm:io.admin-shell.idta.batterypass.circularity:1.0.0#Circularity``).

- ``RenewableContent`` (percent) <-> ``renewableContentShare``;
- ``SafetyMeasures.ExtinguishingAgents`` <-> ``extinguishingAgent``;
- ``EndOfLifeInformation.WastePrevention``, ``SeparateCollection``, ``InformationOnCollection``
  (lists of document identifiers) <-> ``wastePreventionInfo``, ``separateCollectionInfo``,
  ``collectionInfo`` (ours: the web address of that information, which identifies it): one
  each; further identifiers are listed as not mapped;
- ``SparePartSources`` (a list of suppliers) <-> ``sparePartSources``: ``NameOfSupplier`` ->
  ``organizationName``, ``AddressOfSupplier`` (``Street``, ``PostalCode``, ``NationalCode``) ->
  ``address``, ``EmailAddressOfSupplier.EmailAddress`` -> ``contactPoint.email``,
  ``SupplierWebAddress`` -> ``contactPoint.url``; in, ``Components[].PartNumber`` ->
  ``sparePartNumbers`` (out, not written: the template asks each component's ``PartName``,
  which the passport does not hold);
- ``RecycledContentInformation`` (per material, ``PreConsumerShare`` and ``PostConsumerShare``
  in percent) -> ``recycledContent``: ours is the share recovered from waste, the sum of the
  two, so an entry is read when it gives both (one alone is listed, never taken as the whole);
  out, not written (the passport does not hold the split).

``DismantlingAndRemovalInformation`` lists identifiers of documents of the Handover
Documentation, Part 2 (aas_handover.py), which holds our ``dismantlingDocuments``: out, it names
each of them by its address (Part 2's ``DocumentIdentifier``); in, it is listed as not mapped
unless every identifier names a document Part 2 read (aas.py resolves it; ``dismantling_ids``).
Not ours, listed: ``SafetyMeasures.SafetyInstructions`` (document identifiers; ours,
``safetyMeasures``, are instruction texts), a component's ``PartName``, an e-mail's public key
and types. A share or content that is no number refuses the input with its path.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolver.adapters.aas_elements import children, finite, plain, text

__all__ = ["SEMANTIC_ID", "WRITTEN", "dismantling_ids", "is_circularity", "read", "write"]

_C = "urn:samm:io.admin-shell.idta.batterypass.circularity:1.0.0#"
SEMANTIC_ID = _C + "Circularity"
_CONTACT = "urn:samm:io.admin-shell.idta.contact_information:1.0.0#"
_DOCUMENT = "urn:samm:io.admin-shell.idta.handover_documentation:2.0.0#DocumentIdentifier"
_MATERIALS = {"cobalt": "recycledCobaltShare", "nickel": "recycledNickelShare",
              "lithium": "recycledLithiumShare", "lead": "recycledLeadShare"}  # fmt: skip
_END_OF_LIFE = {"WastePrevention": "wastePreventionInfo", "SeparateCollection": "separateCollectionInfo",
                "InformationOnCollection": "collectionInfo"}  # fmt: skip
_END_OF_LIFE_ID = {"WastePrevention": "wastePrevention", "SeparateCollection": "separateCollection",
                   "InformationOnCollection": "informationOnCollection"}  # fmt: skip
_ADDRESS = {"NationalCode": "addressCountry", "PostalCode": "postalCode", "Street": "streetAddress"}
WRITTEN = ("renewableContentShare", "extinguishingAgent", "sparePartSources", *_END_OF_LIFE.values())


def is_circularity(submodel: Mapping[str, object]) -> bool:
    """Whether ``submodel`` is the Part 7 circularity (by semanticId, else idShort)."""
    semantic = str(submodel.get("semanticId", ""))
    return "batterypass.circularity" in semantic or submodel.get("idShort") == "Circularity"


def _texts(element: Mapping[str, object]) -> list[str]:
    """The texts of a list of Properties."""
    return [given for child in children(element) if (given := text(child)) is not None]


def _has_value(element: Mapping[str, object]) -> bool:
    value = element.get("value")
    return value not in (None, "", []) and (not isinstance(value, list) or any(
        isinstance(child, dict) and (text(child) is not None or _has_value(child)) for child in value
    ))  # fmt: skip


def dismantling_ids(submodel: Mapping[str, object]) -> list[str]:
    """The document identifiers ``DismantlingAndRemovalInformation`` lists (Part 2's documents)."""
    listed = [e for e in children(submodel) if e.get("idShort") == "DismantlingAndRemovalInformation"]
    return _texts(listed[0]) if listed else []


def _number(element: Mapping[str, object], path: str) -> float | int:
    return plain(finite(element.get("value"), path))


def read(submodel: Mapping[str, object], name: str) -> tuple[dict[str, object], list[str]]:
    """Our terms from the Part 7 submodel, and the idShort paths not mapped."""
    terms: dict[str, object] = {}
    left: list[str] = []
    for element in children(submodel):
        short = str(element.get("idShort", "?"))
        path = f"{name}.{short}"
        if not _has_value(element):
            continue
        if short == "RenewableContent":
            terms["renewableContentShare"] = _number(element, path)
        elif short == "RecycledContentInformation":
            shares = _recycled(element, path, left)
            if shares:
                terms["recycledContent"] = shares
        elif short == "SafetyMeasures":
            for child in children(element):
                if child.get("idShort") == "ExtinguishingAgents" and _texts(child):
                    terms["extinguishingAgent"] = _texts(child)
                elif _has_value(child):
                    left.append(f"{path}.{child.get('idShort', '?')}")
        elif short == "EndOfLifeInformation":
            _end_of_life(element, path, terms, left)
        elif short == "SparePartSources":
            _suppliers(element, path, terms, left)
        else:
            left.append(path)
    return terms, left


def _recycled(element: Mapping[str, object], path: str, left: list[str]) -> dict[str, object]:
    shares: dict[str, object] = {}
    for index, entry in enumerate(children(element)):
        where = f"{path}[{index}]"
        fields = {str(child.get("idShort")): child for child in children(entry)}
        material = text(fields["RecycledMaterial"]) if "RecycledMaterial" in fields else None
        term = _MATERIALS.get((material or "").strip().lower())
        given = [
            _number(fields[short], f"{where}.{short}")
            for short in ("PreConsumerShare", "PostConsumerShare")
            if short in fields and fields[short].get("value") not in (None, "")
        ]
        if term is None:
            left.append(f"{where} ({material!r}: the passport records cobalt, lithium, nickel and lead)")
        elif len(given) != 2:
            left.append(f"{where} (one of the pre- and post-consumer shares: the passport holds their sum)")
        else:
            total = round(float(given[0] + given[1]), 9)
            shares[term] = int(total) if total.is_integer() else total
        left += [f"{where}.{short}" for short in fields if short not in
                 ("RecycledMaterial", "PreConsumerShare", "PostConsumerShare")]  # fmt: skip
    return shares


def _end_of_life(element: Mapping[str, object], path: str, terms: dict[str, object], left: list[str]) -> None:
    for child in children(element):
        short = str(child.get("idShort", "?"))
        texts = _texts(child)
        if short in _END_OF_LIFE and texts:
            terms[_END_OF_LIFE[short]] = texts[0]
            left += [f"{path}.{short}[{i}]" for i in range(1, len(texts))]
        elif _has_value(child):
            left.append(f"{path}.{short}")


def _suppliers(element: Mapping[str, object], path: str, terms: dict[str, object], left: list[str]) -> None:
    sources: list[dict[str, object]] = []
    numbers: list[str] = []
    for index, entry in enumerate(children(element)):
        where = f"{path}[{index}]"
        source: dict[str, object] = {}
        contact: dict[str, object] = {}
        for child in children(entry):
            short = str(child.get("idShort", "?"))
            if short == "NameOfSupplier" and text(child):
                source["organizationName"] = text(child)
            elif short == "SupplierWebAddress" and text(child):
                contact["url"] = text(child)
            elif short == "AddressOfSupplier":
                address = {_ADDRESS[str(p.get("idShort"))]: text(p) for p in children(child)
                           if str(p.get("idShort")) in _ADDRESS and text(p)}  # fmt: skip
                if address:
                    source["address"] = address
                left += [f"{where}.{short}.{p.get('idShort')}" for p in children(child)
                         if str(p.get("idShort")) not in _ADDRESS and _has_value(p)]  # fmt: skip
            elif short == "EmailAddressOfSupplier":
                for part in children(child):
                    if part.get("idShort") == "EmailAddress" and text(part):
                        contact["email"] = text(part)
                    elif _has_value(part):
                        left.append(f"{where}.{short}.{part.get('idShort')}")
            elif short == "Components":
                numbers += _components(child, f"{where}.{short}", left)
            elif _has_value(child):
                left.append(f"{where}.{short}")
        if contact:
            source["contactPoint"] = contact
        if source:
            sources.append(source)
    if sources:
        terms["sparePartSources"] = sources[0] if len(sources) == 1 else sources
    if numbers:
        terms["sparePartNumbers"] = numbers


def _components(element: Mapping[str, object], path: str, left: list[str]) -> list[str]:
    numbers: list[str] = []
    for index, component in enumerate(children(element)):
        for part in children(component):
            given = text(part)
            if part.get("idShort") == "PartNumber" and given:
                numbers.append(given)
            elif given:
                left.append(f"{path}[{index}].{part.get('idShort')}")
    return numbers


def write(compact: Mapping[str, object], identifier: str) -> tuple[dict[str, object] | None, list[str]]:
    """The Part 7 submodel for a passport's circularity data (None: it has none), and what of it
    could not be written."""
    elements: list[dict[str, object]] = []
    left = [term for term in ("recycledContent", "safetyMeasures", "sparePartNumbers") if term in compact]
    documents = _document_urls(compact.get("dismantlingDocuments"))
    if documents:  # Part 2 (aas_handover.py) writes each document, identified by its address
        items = [_item(url, _DOCUMENT) for url in documents]
        short = "DismantlingAndRemovalInformation"
        elements.append(_list(short, "dismantlingAndRemovalInformation", "Property", items))
    sources = compact.get("sparePartSources")
    listed = sources if isinstance(sources, list) else [sources] if isinstance(sources, dict) else []
    suppliers = [_supplier(source, left) for source in listed if isinstance(source, dict)]
    if suppliers:
        elements.append(_list("SparePartSources", "sparePartSources", "SubmodelElementCollection", suppliers))
    agents = _strings(compact.get("extinguishingAgent"))
    if agents:
        items = [_item(agent, _C + "ExtinguishingAgent") for agent in agents]
        agents_list = _list("ExtinguishingAgents", "extinguishingAgents", "Property", items)
        elements.append(_collection("SafetyMeasures", _C + "safetyMeasures", [agents_list]))
    end = [
        _list(short, _END_OF_LIFE_ID[short], "Property", [_item(str(compact[term]), _DOCUMENT)])
        for short, term in _END_OF_LIFE.items()
        if isinstance(compact.get(term), str)
    ]
    if end:
        elements.append(_collection("EndOfLifeInformation", _C + "endOfLifeInformation", end))
    renewable = compact.get("renewableContentShare")
    if isinstance(renewable, int | float) and not isinstance(renewable, bool):
        share = str(int(renewable)) if float(renewable).is_integer() else str(renewable)
        elements.append(_property("RenewableContent", _C + "renewableContent", "xs:float", share))
    if not elements:
        return None, left
    submodel: dict[str, object] = {
        "modelType": "Submodel",
        "id": identifier + "#Circularity",
        "idShort": "Circularity",
        "kind": "Instance",
        "semanticId": _reference(SEMANTIC_ID),
        "submodelElements": elements,
    }
    return submodel, left


def _document_urls(value: object) -> list[str]:
    listed = value if isinstance(value, list) else [value] if value is not None else []
    return [
        str(d["documentUrl"]) for d in listed if isinstance(d, dict) and isinstance(d.get("documentUrl"), str)
    ]


def _strings(value: object) -> list[str]:
    listed = value if isinstance(value, list) else [value] if value is not None else []
    return [item for item in listed if isinstance(item, str)]


def _supplier(source: Mapping[str, object], left: list[str]) -> dict[str, object]:
    parts: list[dict[str, object]] = []
    if isinstance(source.get("organizationName"), str):
        parts.append(_mlp("NameOfSupplier", _CONTACT + "company", str(source["organizationName"])))
    address = source.get("address")
    if isinstance(address, dict):
        lines = [_mlp(short, _CONTACT + short[:1].lower() + short[1:], str(address[term]))
                 for short, term in _ADDRESS.items() if isinstance(address.get(term), str)]  # fmt: skip
        if lines:
            parts.append(_collection("AddressOfSupplier", _C + "addressOfSupplier", lines))
        left += [
            f"sparePartSources.address.{key}" for key in address if key not in (*_ADDRESS.values(), "type")
        ]
    contact = source.get("contactPoint")
    contact = contact if isinstance(contact, dict) else {}
    if isinstance(contact.get("email"), str):
        email = _property("EmailAddress", _CONTACT + "emailAddress", "xs:string", str(contact["email"]))
        parts.append(_collection("EmailAddressOfSupplier", _CONTACT + "email", [email]))
    if isinstance(contact.get("url"), str):
        parts.append(_property("SupplierWebAddress", _CONTACT + "addressOfAdditionalLink", "xs:string",
                               str(contact["url"])))  # fmt: skip
    left += [f"sparePartSources.contactPoint.{key}" for key in contact if key not in ("email", "url", "type")]
    left += [f"sparePartSources.{key}" for key in source
             if key not in ("organizationName", "address", "contactPoint", "type")]  # fmt: skip
    return {"modelType": "SubmodelElementCollection", "semanticId": _reference(_C + "SparePartSupplier"),
            "value": parts}  # fmt: skip


def _reference(semantic_id: str) -> dict[str, object]:
    return {"type": "ExternalReference", "keys": [{"type": "GlobalReference", "value": semantic_id}]}


def _property(short: str, semantic_id: str, value_type: str, text: str) -> dict[str, object]:
    return {"modelType": "Property", "idShort": short, "semanticId": _reference(semantic_id),
            "valueType": value_type, "value": text}  # fmt: skip


def _mlp(short: str, semantic_id: str, text: str) -> dict[str, object]:
    return {"modelType": "MultiLanguageProperty", "idShort": short, "semanticId": _reference(semantic_id),
            "value": [{"language": "en", "text": text}]}  # fmt: skip


def _item(text: str, semantic_id: str) -> dict[str, object]:
    return {
        "modelType": "Property",
        "semanticId": _reference(semantic_id),
        "valueType": "xs:string",
        "value": text,
    }


def _collection(short: str, semantic_id: str, value: list[dict[str, object]]) -> dict[str, object]:
    return {"modelType": "SubmodelElementCollection", "idShort": short, "semanticId": _reference(semantic_id),
            "value": value}  # fmt: skip


def _list(short: str, name: str, kind: str, value: list[dict[str, object]]) -> dict[str, object]:
    listed: dict[str, object] = {"modelType": "SubmodelElementList", "idShort": short,
                                 "semanticId": _reference(_C + name), "orderRelevant": False,
                                 "typeValueListElement": kind, "value": value}  # fmt: skip
    if kind == "Property":
        listed["valueTypeListElement"] = "xs:string"
    return listed
