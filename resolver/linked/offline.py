"""Linked passports judged from files (``validate --model/--batch``, ``readiness --model/--batch``):
the model and batch passports are given by the caller instead of read through a node."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import orjson

from resolver import jsonld
from resolver.jsontypes import JSON, JSONObject
from resolver.linked import combine
from resolver.linked.combine import Linked
from resolver.validation.report import ValidationReport

__all__ = ["Judged", "judge"]


@dataclass(frozen=True, slots=True)
class Judged:
    """A passport's report with its linked passports, and the combined document it was made from
    (the passport itself when nothing was combined)."""

    report: ValidationReport
    combined: bytes


def _compacted(body: bytes, profile: str) -> JSONObject | None:
    doc = cast(JSON, jsonld.parse_json(body))
    if isinstance(doc, list):  # expanded, as the adapters give it
        nodes = [node for node in doc if isinstance(node, dict)]
        return jsonld.compact(nodes, jsonld.PROFILE_CONTEXTS[profile])
    return combine.as_object(doc)


def _given(role: str, named: str | None, body: bytes | None, profile: str) -> Linked | None:
    if body is None:
        return None if named is None else Linked(role, named, None, f"not given (--{role} FILE)")
    doc = _compacted(body, profile)
    iri = str(doc.get("id", doc.get("@id", ""))) if doc is not None else ""
    if named is not None and iri != named:
        return Linked(role, named, None, f"the {role} passport given is {iri or 'not a passport'}")
    return Linked(role, iri, doc, "" if doc is not None else "not a JSON-LD object")


def judge(body: bytes, given: Mapping[str, bytes], profile: str = "eu-battery") -> Judged | None:
    """``body`` (JSON-LD in ``profile``'s context, or expanded) judged in ``profile`` with the
    model and batch passports ``given`` (role -> JSON-LD), which must be of that profile too: a
    passport's own links must name them, and one that names none takes them as given. A model or
    batch passport is judged without what its items give.
    None: nothing to combine (no link named, none given, not a model or batch)."""
    from resolver.validation import validate_sync

    doc = cast(JSON, jsonld.parse_json(body))
    if combine.granularity_of(doc) in ("model", "batch"):
        return Judged(combine.shared_verdict(validate_sync(body, profile=profile)), body)
    links = combine.links_of(doc)
    found = [
        linked
        for role, named in (("batch", links.batch), ("model", links.model))
        if (linked := _given(role, named, given.get(role), profile)) is not None
    ]
    if not found:
        return None
    sources = combine.in_profile(found, profile)
    combined = combine.validation_body(doc, sources, profile)
    together = orjson.dumps(combined) if combined is not None else body
    report = combine.with_results(validate_sync(together, profile=profile), combine.unreadable(sources))
    return Judged(report, together)
