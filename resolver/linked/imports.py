"""Bulk import of linked passports (``passport-node import``), judged as a PUT judges them.

An import is taken in phases: first every passport that names no link (model and batch
passports among them, judged without what their items give), then the items that name a model
or batch passport, each judged with them as they are stored by then, whether they were in this
import (in any order) or stored before. An item whose model or batch is not stored (absent,
or refused by this import) is refused with a violation naming it, as on PUT.

A passport is told apart by a byte search first (``names_links``): an import with no linked
passport goes the bulk path as before, no document parsed here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from resolver import jsonld
from resolver.errors import NotFound, ResolverError
from resolver.identifiers import parse_identifier
from resolver.jsontypes import JSON
from resolver.linked import combine
from resolver.linked.passports import MARKERS, Checker, Fetch, LinkedPassports
from resolver.tiers import Tier

if TYPE_CHECKING:
    from resolver.stores.base import Store
    from resolver.validation.report import PreparedPassport

__all__ = ["LinkedImport", "Phases", "kind", "names_links", "phases", "store_fetch"]

_T = TypeVar("_T")

PLAIN, SHARED, LINKED = "plain", "shared", "linked"


def names_links(body: bytes) -> bool:
    """Whether ``body`` may name a link or a granularity (a byte search, no parse)."""
    return any(marker in body for marker in MARKERS)


def kind(body: bytes) -> str:
    """``shared`` (a model or batch passport), ``linked`` (an item naming a model or batch
    passport) or ``plain`` (anything else, unusable input included: it is refused later with
    the reason, as before)."""
    if not names_links(body):
        return PLAIN
    try:
        doc = cast(JSON, jsonld.parse_json(body))
    except ResolverError:
        return PLAIN
    if combine.granularity_of(doc) in ("model", "batch"):
        return SHARED
    return LINKED if combine.links_of(doc) else PLAIN


@dataclasses.dataclass(frozen=True, slots=True)
class Phases(Generic[_T]):
    """An import's passports by kind, in input order within each."""

    plain: list[_T]
    shared: list[_T]
    linked: list[_T]

    def first(self) -> list[_T]:
        """What may go before the linked items: everything else."""
        return self.plain + self.shared


def phases(items: Sequence[_T], body: Callable[[_T], bytes]) -> Phases[_T]:
    """``items`` sorted into plain, shared and linked passports."""
    out: Phases[_T] = Phases([], [], [])
    for item in items:
        {PLAIN: out.plain, SHARED: out.shared, LINKED: out.linked}[kind(body(item))].append(item)
    return out


def store_fetch(store: Store, *, case_sensitive: bool = False) -> Fetch:
    """A Fetch that reads a linked passport's current view from ``store`` (an import's
    passports are read as they were stored by its earlier phase)."""

    async def fetch(iri: str, tier: Tier) -> bytes:
        key = parse_identifier(iri, case_sensitive=case_sensitive).key
        view = await store.get_view(key, tier)
        if view is None or view.deleted:
            raise NotFound(f"no passport is stored for {key} (nor accepted from this import)", handle=key)
        return view.body

    return fetch


class LinkedImport:
    """Prepares the shared and linked passports of an import, one at a time, as the write
    path's ``LinkedPassports`` prepares a PUT's body, their links read from ``store``."""

    def __init__(self, validator: Checker, store: Store, *, case_sensitive: bool = False) -> None:
        self._linked = LinkedPassports(validator, store_fetch(store, case_sensitive=case_sensitive))

    async def prepare(self, body: bytes, *, profile: str = "eu-battery") -> PreparedPassport | ResolverError:
        """The prepared passport in ``profile`` (the one of its prefix; its report judged with
        its linked passports, or without what a model's items give), or the error that makes
        the body unusable."""
        try:
            return await self._linked.prepare(body, profile=profile)
        except ResolverError as err:
            return err
