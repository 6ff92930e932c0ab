"""Pure functions on linked passports: the links a passport names, and the item combined with
its model and batch, for validation (one JSON-LD document) and for display (with provenance).

The item's own values win; a data point the item lacks is taken from its batch, else from its
model (the batch is the more specific). Identity terms (``id``, the passport identifier, the
links themselves) are never taken from a linked passport. Both profiles (eu-battery, cn-battery)
name the links with the same terms and IRIs; an item is combined in its own profile, with a
model and batch of that profile only (``in_profile``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from resolver import jsonld
from resolver.context_terms import Terms
from resolver.jsontypes import JSON, JSONObject
from resolver.profile import named_by
from resolver.validation.report import ValidationReport, ValidationResult

__all__ = [
    "BATCH",
    "GRANULARITY",
    "MODEL",
    "Linked",
    "Links",
    "as_object",
    "granularity_of",
    "in_profile",
    "links_of",
    "merged_view",
    "profile_of",
    "shared_verdict",
    "unreadable",
    "validation_body",
    "with_results",
]

BP = "https://w3id.org/battery-passport/eu-battery#"
MODEL = BP + "modelPassport"
BATCH = BP + "batchPassport"
GRANULARITY = "https://ref.openepcis.io/extensions/common/core/granularityLevel"
_PASSPORT_ID = "https://ref.openepcis.io/extensions/eu/battery/batteryPassportIdentifier"
# Never taken from a linked passport: they say which passport this is.
_IDENTITY = frozenset({"@id", "@type", "@context", "proof", MODEL, BATCH, GRANULARITY, _PASSPORT_ID})


@dataclasses.dataclass(frozen=True, slots=True)
class Links:
    """The model and batch passports a passport names (IRIs), if any."""

    model: str | None = None
    batch: str | None = None

    def __bool__(self) -> bool:
        return self.model is not None or self.batch is not None

    def named(self) -> list[tuple[str, str]]:
        """(role, IRI) for each link, the batch first (its values win over the model's)."""
        pairs = [("batch", self.batch), ("model", self.model)]
        return [(role, iri) for role, iri in pairs if iri is not None]


@dataclasses.dataclass(frozen=True, slots=True)
class Linked:
    """A linked passport as read: its role ("model" or "batch"), IRI and view (None: unreadable,
    with the reason)."""

    role: str
    iri: str
    doc: JSONObject | None
    reason: str = ""


_EU = "eu-battery"


def _terms(profile: str = _EU) -> Terms:
    terms = jsonld.context_terms(jsonld.PROFILE_CONTEXTS[profile])
    if terms is None:  # a broken installation: the profile's context is beyond the framer
        raise RuntimeError("the profile's context cannot be read as a term table")
    return terms


def _key_iri(key: str, terms: Terms) -> str:
    if key.startswith("@"):
        return key
    found = terms.key_iri(key)
    return found if found is not None else terms.expand_compact(key)


def _root(doc: JSON) -> JSONObject | None:
    """The passport node of a compacted view or an expanded document (the node with links, or
    the first node)."""
    if isinstance(doc, dict):
        graph = doc.get("@graph")
        if not isinstance(graph, list):
            return doc
        doc = graph
    if isinstance(doc, list):
        nodes = [node for node in doc if isinstance(node, dict)]
        for node in nodes:
            if any(_key_iri(k, _terms()) in (MODEL, BATCH, GRANULARITY) for k in node):
                return node
        return nodes[0] if nodes else None
    return None


def _first_iri(node: JSONObject, iri: str, terms: Terms) -> str | None:
    for key, value in node.items():
        if _key_iri(key, terms) != iri:
            continue
        first = value[0] if isinstance(value, list) and value else value
        if isinstance(first, dict):
            first = first.get("@id", first.get("id", first.get("@value")))
        return first if isinstance(first, str) and first else None
    return None


def links_of(doc: JSON) -> Links:
    """The links a passport names (compacted in our context, or expanded)."""
    node = _root(doc)
    if node is None:
        return Links()
    terms = _terms()
    return Links(model=_first_iri(node, MODEL, terms), batch=_first_iri(node, BATCH, terms))


def granularity_of(doc: JSON) -> str | None:
    """``item``, ``batch`` or ``model`` as the passport declares it (None: not declared)."""
    node = _root(doc)
    found = _first_iri(node, GRANULARITY, _terms()) if node is not None else None
    return found.strip().lower() if found is not None else None


def _relabel(value: JSON, role: str) -> JSON:
    """A copy of ``value`` whose blank node labels are the linked passport's own (``_:model-b0``):
    labels are document-scoped, and the item's ``_:b0`` is another node."""
    if isinstance(value, list):
        return [_relabel(v, role) for v in value]
    if isinstance(value, dict):
        out: JSONObject = {}
        for key, inner in value.items():
            if key in ("@id", "id") and isinstance(inner, str) and inner.startswith("_:"):
                out[key] = f"_:{role}-{inner[2:]}"
            else:
                out[key] = _relabel(inner, role)
        return out
    return value


def _taken(item: JSONObject, linked: Sequence[Linked], terms: Terms) -> list[tuple[Linked, str, JSON]]:
    """(source, key, value) for each top-level value the item lacks and a linked passport has."""
    have = {_key_iri(key, terms) for key in item}
    taken: list[tuple[Linked, str, JSON]] = []
    for source in linked:
        if source.doc is None:
            continue
        for key, value in source.doc.items():
            iri = _key_iri(key, terms)
            if iri in _IDENTITY or iri in have or key in ("id", "type"):
                continue
            have.add(iri)
            taken.append((source, key, _relabel(value, source.role)))
    return taken


def profile_of(doc: JSON) -> str | None:
    """The profile whose context a compacted passport names (resolver.profile.named_by)."""
    return named_by(doc)


def in_profile(linked: Sequence[Linked], profile: str) -> list[Linked]:
    """``linked`` with each passport of another profile than the item's made unreadable, with the
    reason: an item takes values only from a model and batch written in its own profile."""
    out = []
    for source in linked:
        theirs = profile_of(source.doc) if source.doc is not None else None
        if theirs is not None and theirs != profile:
            reason = f"it is a {theirs} passport; a {profile} item takes values from {profile} passports only"
            out.append(Linked(source.role, source.iri, None, reason))
        else:
            out.append(source)
    return out


def validation_body(item: JSON, linked: Sequence[Linked], profile: str = _EU) -> JSONObject | None:
    """One JSON-LD document holding the item and, on the item's own IRI, what it takes from its
    linked passports (None: the item is neither a compacted view in ``profile``'s context nor
    expanded)."""
    node = _root(item)
    if node is None:
        return None
    iri = node.get("id", node.get("@id"))
    context = node.get("@context") if isinstance(item, dict) else None
    # A signed view adds the data-integrity context for its proof, which is left out here.
    listed = context if isinstance(context, list) else [context]
    url = jsonld.PROFILE_CONTEXTS[profile]
    if not isinstance(iri, str) or not (context is None or url in listed):
        return None
    terms = _terms(profile)
    extra: JSONObject = {"@id": iri}
    for _source, key, value in _taken(node, linked, terms):
        extra[key] = value
    nodes: list[JSON] = [{k: v for k, v in node.items() if k not in ("@context", "proof")}, extra]
    if isinstance(item, list):
        nodes += [n for n in item if n is not node]
    return {"@context": url, "@graph": nodes}


def merged_view(
    item: JSONObject, linked: Sequence[Linked], profile: str = _EU
) -> tuple[JSONObject, dict[str, str]]:
    """The item's view with what it takes from its linked passports (in ``profile``), and for
    each top-level term of it the IRI of the passport its value comes from."""
    terms = _terms(profile)
    own = str(item.get("id", item.get("@id", "")))
    merged = dict(item)
    provenance = {key: own for key in item if key not in ("@context", "id", "@id")}
    for source, key, value in _taken(item, linked, terms):
        merged[key] = value
        provenance[key] = source.iri
    return merged, provenance


def _is_absence(result: ValidationResult) -> bool:
    # eu-battery's count shapes say "required, ..."; the per-category rules "required for ...";
    # data point 7 asks to "give serialNumber or batchNumber". cn-battery's count shapes say
    # "cn-mass (mass) is required, exactly once".
    message = result.message
    return any(said in message for said in (": required", " is required", "give serialNumber or batchNumber"))


def shared_verdict(report: ValidationReport) -> ValidationReport:
    """A model or batch passport's report without what it lacks: it holds shared data only, and
    its items give the rest. What it does give must still be right."""
    kept = tuple(r for r in report.results if not (r.severity == "Violation" and _is_absence(r)))
    conforms = not any(r.severity == "Violation" for r in kept)
    return ValidationReport(conforms=conforms, results=kept)


def unreadable(linked: Sequence[Linked]) -> tuple[ValidationResult, ...]:
    """A violation for each linked passport that could not be read: the item is judged with it."""
    return tuple(
        ValidationResult(
            focus_node="",
            path=MODEL if source.role == "model" else BATCH,
            data_points=(),
            severity="Violation",
            message=f"{source.role.capitalize()} passport {source.iri}: {source.reason}",
            value=source.iri,
        )
        for source in linked
        if source.doc is None
    )


def with_results(report: ValidationReport, extra: Sequence[ValidationResult]) -> ValidationReport:
    """``report`` with ``extra`` violations added."""
    if not extra:
        return report
    return ValidationReport(conforms=False, results=(*extra, *report.results))


def as_object(doc: JSON) -> JSONObject | None:
    """``doc`` when it is a JSON object."""
    return doc if isinstance(doc, Mapping) and isinstance(doc, dict) else None
