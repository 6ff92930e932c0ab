"""The node's linked passports: the write path's validator for items with links (they are judged
with their model and batch), the combined view with provenance, and the items a model breaks.

Linked passports are read through the node's lookup chain (``Fetch``), so a model or batch on
another node is resolved through the federation like any read. An item is judged in the profile
of its prefix, with a model and batch of that profile (docs/linked.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Protocol, cast

import orjson

from resolver import jsonld
from resolver.errors import ResolverError
from resolver.jsontypes import JSON, JSONObject
from resolver.linked import combine
from resolver.linked.combine import Linked, Links
from resolver.tiers import Tier
from resolver.validation.report import PreparedPassport, ValidationReport

__all__ = ["MARKERS", "BrokenItem", "Checker", "Fetch", "LinkedPassports", "Validates", "names_links"]

_JSONLD = "application/ld+json"
_EU = "eu-battery"
# A body that names no link and no granularity is prepared as before, without being parsed here.
MARKERS = (b"modelPassport", b"batchPassport", b"granularityLevel", b'"granularity"')

Fetch = Callable[[str, Tier], Awaitable[bytes]]  # a passport's view by IRI; ResolverError when unreadable


def names_links(body: bytes) -> bool:
    """Whether ``body`` may name a model or batch passport or a granularity (a byte search: a
    body without any of the names is judged alone, unparsed here)."""
    return any(marker in body for marker in MARKERS)


class Validates(Protocol):
    """A validator's one method this needs to judge a body (``/validate``'s checker pool too)."""

    async def validate(
        self, body: bytes, *, media_type: str = ..., profile: str = ...
    ) -> ValidationReport: ...


class Checker(Protocol):
    """What this needs of the validator (resolver.validation.Validator)."""

    async def prepare(
        self,
        body: bytes,
        *,
        expected_iri: str | None = None,
        media_type: str = ...,
        verdict: ValidationReport | None = None,
        profile: str = ...,
    ) -> PreparedPassport: ...

    async def validate(
        self, body: bytes, *, media_type: str = ..., profile: str = ...
    ) -> ValidationReport: ...


@dataclasses.dataclass(frozen=True, slots=True)
class BrokenItem:
    """An item that no longer conforms when judged with its linked passports as they are now."""

    item: str
    violations: tuple[str, ...]


class LinkedPassports:
    """Judges, combines and tracks linked passports for one node process.

    ``dependants``: linked passport IRI -> the items this process accepted naming it. A write to
    a model or batch marks its dependants stale; they are re-validated when asked for
    (:meth:`broken_items`), not at the write.
    """

    def __init__(self, validator: Checker, fetch: Fetch) -> None:
        self._validator = validator
        self._fetch = fetch
        self._dependants: dict[str, set[str]] = {}
        self._broken: dict[str, tuple[BrokenItem, ...]] = {}  # linked IRI -> last answer

    async def prepare(
        self,
        body: bytes,
        *,
        expected_iri: str | None = None,
        media_type: str = _JSONLD,
        profile: str = _EU,
    ) -> PreparedPassport:
        """The write path's Preparer: as the validator's, but an item with links is judged with
        its model and batch, and a model or batch without the data its items give, all in
        ``profile`` (the one of the passport's prefix)."""
        plain = media_type != _JSONLD or not names_links(body)
        if plain:
            return await self._validator.prepare(
                body, expected_iri=expected_iri, media_type=media_type, profile=profile
            )
        doc = _parse(body)
        verdict: ValidationReport | None = None
        links = combine.links_of(doc)
        if combine.granularity_of(doc) in ("model", "batch"):
            verdict = combine.shared_verdict(await self._validator.validate(body, profile=profile))
        elif links:
            verdict = await self.judge(doc, links, profile)
        prepared = await self._validator.prepare(
            body, expected_iri=expected_iri, media_type=media_type, verdict=verdict, profile=profile
        )
        if prepared.report.conforms:
            self._accepted(prepared.iri, links)
        return prepared

    def _accepted(self, iri: str, links: Links) -> None:
        for _role, linked in links.named():
            self._dependants.setdefault(linked, set()).add(iri)
        # Whatever was said of this passport's items (if it is a model or batch) may be wrong now;
        # so may what was said of the items of the passports it links to.
        self._broken.pop(iri, None)
        for _role, linked in links.named():
            self._broken.pop(linked, None)

    async def linked(self, links: Links, tier: Tier = Tier.AUTHORITY) -> list[Linked]:
        """The linked passports' views at ``tier``, batch first; an unreadable one with its reason."""
        found: list[Linked] = []
        for role, iri in links.named():
            try:
                doc = combine.as_object(_parse(await self._fetch(iri, tier)))
            except ResolverError as err:
                found.append(Linked(role, iri, None, err.detail))
                continue
            found.append(Linked(role, iri, doc, "" if doc is not None else "not a JSON-LD object"))
        return found

    async def judge(
        self,
        doc: JSON,
        links: Links,
        profile: str = _EU,
        *,
        tier: Tier = Tier.AUTHORITY,
        validator: Validates | None = None,
    ) -> ValidationReport:
        """The report of ``doc`` judged in ``profile`` with its linked passports read at ``tier``
        (one of another profile is a violation naming it), by ``validator`` (the node's)."""
        linked = combine.in_profile(await self.linked(links, tier), profile)
        body = combine.validation_body(doc, linked, profile)
        together = orjson.dumps(doc if body is None else body)
        report = await (validator or self._validator).validate(together, profile=profile)
        return combine.with_results(report, combine.unreadable(linked))

    async def check(
        self, body: bytes, *, profile: str, tier: Tier, validator: Validates
    ) -> ValidationReport | None:
        """``POST /validate``'s judgement of a JSON-LD ``body`` as a PUT of it would be judged: an
        item with its model and batch (read at the caller's ``tier``: what is above it counts as
        absent), a model or batch without what its items give. None: the body names no link and
        no granularity, and is judged alone."""
        if not names_links(body):
            return None
        doc = _parse(body)
        if combine.granularity_of(doc) in ("model", "batch"):
            return combine.shared_verdict(await validator.validate(body, profile=profile))
        links = combine.links_of(doc)
        if not links:
            return None
        return await self.judge(doc, links, profile, tier=tier, validator=validator)

    async def view(
        self, item: JSONObject, tier: Tier, profile: str | None = None
    ) -> tuple[JSONObject, dict[str, str], list[Linked]]:
        """The item's view with its linked passports' values (read at ``tier``), the provenance of
        each term, and the links read; ``profile``: the item's (by default the one its context
        names). A linked passport of another profile gives nothing and is listed as unreadable."""
        profile = profile or combine.profile_of(item) or _EU
        linked = combine.in_profile(await self.linked(combine.links_of(item), tier), profile)
        merged, provenance = combine.merged_view(item, linked, profile)
        return merged, provenance, linked

    def forget(self, iri: str) -> None:
        """Drop what was said of ``iri``'s items: it changed (learned from a peer's feed, say)."""
        self._broken.pop(iri, None)

    def dependants(self, iri: str) -> list[str]:
        """The items this process accepted that name ``iri`` as their model or batch."""
        return sorted(self._dependants.get(iri, ()))

    async def broken_items(self, iri: str) -> tuple[BrokenItem, ...]:
        """The items of the model or batch ``iri`` that do not conform with it as it is now,
        re-validated on the first ask after a write to it (or to one of them)."""
        known = self._broken.get(iri)
        if known is not None:
            return known
        broken: list[BrokenItem] = []
        for item in self.dependants(iri):
            try:
                doc = _parse(await self._fetch(item, max(Tier)))
            except ResolverError as err:
                broken.append(BrokenItem(item, (f"the item could not be read: {err.detail}",)))
                continue
            report = await self.judge(doc, combine.links_of(doc), combine.profile_of(doc) or _EU)
            if not report.conforms:
                messages = tuple(r.message for r in report.results if r.severity == "Violation")
                broken.append(BrokenItem(item, messages))
        self._broken[iri] = answer = tuple(broken)
        return answer


def _parse(body: bytes) -> JSON:
    return cast(JSON, jsonld.parse_json(body))
