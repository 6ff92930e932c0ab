"""Content negotiation for passports: an ``Accept`` header to one of the node's representations.

JSON-LD is the default and wins ties; results are memoised per header value, since clients
send the same few ``Accept`` strings over and over.
"""

from __future__ import annotations

from typing import NamedTuple

from resolver.errors import NotAcceptable
from resolver.memo import ENTRY_OVERHEAD, memoize

__all__ = [
    "FORMAT_NAMES",
    "HTML",
    "JSON",
    "JSONLD",
    "NTRIPLES",
    "TURTLE",
    "Representation",
    "negotiate",
    "representation_for_format",
]


class Representation(NamedTuple):
    """One way out: ``fmt`` is the renderer's name, ``media_type`` what ``Accept`` matches,
    ``content_type`` the response header, ``tag`` its part of the entity tag."""

    fmt: str  # "jsonld" | "turtle" | "ntriples" | "html"
    media_type: str
    content_type: str
    tag: str


JSONLD = Representation("jsonld", "application/ld+json", "application/ld+json", "jsonld")
JSON = Representation("jsonld", "application/json", "application/json", "json")
TURTLE = Representation("turtle", "text/turtle", "text/turtle; charset=utf-8", "ttl")
NTRIPLES = Representation("ntriples", "application/n-triples", "application/n-triples", "nt")
HTML = Representation("html", "text/html", "text/html; charset=utf-8", "html")

# Server preference, best first: it breaks ties between equally weighted media ranges.
_OFFERS = (JSONLD, JSON, TURTLE, NTRIPLES, HTML)
_OFFERED = ", ".join(r.media_type for r in _OFFERS)
FORMAT_NAMES = {"jsonld": JSONLD, "json": JSON, "turtle": TURTLE, "ntriples": NTRIPLES, "html": HTML}


def representation_for_format(name: str) -> Representation:
    """The representation a ``?format=`` query names (it overrides ``Accept``)."""
    found = FORMAT_NAMES.get(name)
    if found is None:
        raise NotAcceptable(
            f"format={name!r} is not offered; use one of {', '.join(FORMAT_NAMES)}",
            offered=list(FORMAT_NAMES),
        )
    return found


def negotiate(accept: str | None) -> Representation:
    """The best representation for an ``Accept`` header; NotAcceptable when none is acceptable."""
    if not accept:
        return JSONLD
    return _chosen(accept)


def _choose(accept: str) -> Representation:
    ranges = _parse(accept)
    best: Representation | None = None
    best_key: tuple[float, int, int] | None = None
    for order, offer in enumerate(_OFFERS):
        quality, specificity = _quality(offer.media_type, ranges)
        if quality <= 0:
            continue
        # Highest q first; then the most specific matching range; then our preference.
        key = (quality, specificity, -order)
        if best_key is None or key > best_key:
            best, best_key = offer, key
    if best is None:
        raise NotAcceptable(
            f"none of the media types in Accept: {accept[:200]!r} is offered; offered: {_OFFERED}",
            offered=[r.media_type for r in _OFFERS],
        )
    return best


def _parse(accept: str) -> list[tuple[str, str, float]]:
    ranges: list[tuple[str, str, float]] = []
    for item in accept.split(",")[:64]:  # a bounded amount of work for absurd headers
        parts = item.split(";")
        media = parts[0].strip().lower()
        if not media:
            continue
        main, _, sub = media.partition("/")
        quality = 1.0
        for param in parts[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(1.0, max(0.0, float(value.strip())))
                except ValueError:
                    quality = 0.0
        ranges.append((main, sub or "*", quality))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, str, float]]) -> tuple[float, int]:
    """The q of the most specific range matching ``media_type`` (RFC 9110 section 12.5.1)."""
    main, _, sub = media_type.partition("/")
    best_specificity = -1
    quality = 0.0
    for r_main, r_sub, q in ranges:
        if r_main == main and r_sub == sub:
            specificity = 2
        elif r_main == main and r_sub == "*":
            specificity = 1
        elif r_main == "*" and r_sub == "*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, quality = specificity, q
    return quality, best_specificity


# Clients send few distinct Accept headers; parsing one costs more than looking it up.
_chosen = memoize(_choose, max_bytes=256 * 1024, size=lambda accept, _: len(accept) + ENTRY_OVERHEAD)
