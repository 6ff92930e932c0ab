"""Operators' own links: what an operator adds to the linkset of a GTIN, a batch or an item.

A request body is ``{"links": [{"linkType": "gs1:userManual", "href": "https://…",
"title": "…", "type": "application/pdf", "hreflang": ["en"]}, …]}``; ``parse_links`` checks it
and gives the links by relation type IRI, or raises ``InputError`` naming the first bad field
(``links[2].href: …``). ``level_key`` gives the key links are kept under: the canonical path of
the identification level without its leading ``/`` (``01/09521234010012/21/X``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import orjson

from resolver.errors import InputError
from resolver.gs1.digital_link import parse_path
from resolver.gs1.linkset import Link, link_type_iri

__all__ = [
    "MAX_LINKS",
    "OperatorLinks",
    "as_list",
    "dump_links",
    "level_key",
    "load_links",
    "merged",
    "parse_links",
]

MAX_LINKS = 64  # links per identification level
_MAX_HREF = 2048
_MAX_TITLE = 200
_FIELDS = frozenset({"linkType", "href", "title", "type", "hreflang"})
# RFC 6838 media type names (no parameters: a linkset's ``type`` names the type only).
_MEDIA_RE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
# A BCP 47 language tag in its common shape: language, then subtags (script, region, variant).
_LANG_RE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}")

OperatorLinks = dict[str, list[Link]]  # relation type IRI -> links, in the order given


def level_key(path: str) -> str:
    """The key of the identification level ``path`` names (``/01/{gtin}[/10/{lot}|/21/{serial}]``,
    also with convenience alphas); InputError for a path that is not exactly one level."""
    link = parse_path(path)
    if link.cpv is not None or (link.lot is not None and link.serial is not None):
        raise InputError("operator links are kept per GTIN, GTIN with batch (10) or GTIN with serial (21)")
    return link.levels()[0].path[1:]


def parse_links(body: bytes) -> OperatorLinks:
    """The links of a request body (JSON), checked; InputError naming the first bad field."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise InputError(f"the body is not JSON: {err}") from err
    if (
        not isinstance(document, dict)
        or set(document) != {"links"}
        or not isinstance(document["links"], list)
    ):
        raise InputError('the body is {"links": [ … ]}: a list of links and nothing else')
    items = document["links"]
    if len(items) > MAX_LINKS:
        raise InputError(f"links: at most {MAX_LINKS} links per GTIN, batch or item, not {len(items)}")
    found: OperatorLinks = {}
    for index, item in enumerate(items):
        rel, link = _link(item, f"links[{index}]")
        found.setdefault(rel, []).append(link)
    return found


def _link(item: object, where: str) -> tuple[str, Link]:
    if not isinstance(item, dict):
        raise InputError(f"{where}: a link is an object with linkType, href, title, type and hreflang")
    unknown = sorted(str(k) for k in item if k not in _FIELDS)
    if unknown:
        raise InputError(
            f"{where}: unknown field {unknown[0][:40]!r} (allowed: {', '.join(sorted(_FIELDS))})"
        )
    missing = sorted(_FIELDS - {"hreflang"} - set(item))
    if missing:
        raise InputError(f"{where}: {missing[0]} is required")
    rel = link_type_iri(_text(item["linkType"], f"{where}.linkType", 200))
    if rel is None:
        raise InputError(
            f"{where}.linkType: {str(item['linkType'])[:60]!r} is not a GS1 link type (https://gs1.org/voc/)"
        )
    href = _text(item["href"], f"{where}.href", _MAX_HREF)
    if not href.startswith(("https://", "http://")) or not _header_safe(href) or " " in href:
        raise InputError(
            f"{where}.href: an absolute http(s) URL of printable ASCII, without spaces, quotes or <>"
        )
    title = _text(item["title"], f"{where}.title", _MAX_TITLE)
    if not title.isprintable():
        raise InputError(f"{where}.title: control characters are not allowed")
    media = _text(item["type"], f"{where}.type", 255)
    if not _MEDIA_RE.fullmatch(media):
        raise InputError(f"{where}.type: {media[:60]!r} is not a media type such as text/html (lower case)")
    return rel, {"href": href, "title": title, "type": media, "hreflang": _languages(item, where)}


def _languages(item: Mapping[str, object], where: str) -> list[str]:
    langs = item.get("hreflang", ["und"])
    if not isinstance(langs, list) or not 1 <= len(langs) <= 8:
        raise InputError(f"{where}.hreflang: a list of 1 to 8 language tags")
    for lang in langs:
        if not isinstance(lang, str) or not _LANG_RE.fullmatch(lang):
            raise InputError(
                f"{where}.hreflang: {str(lang)[:40]!r} is not a language tag such as en or de-CH"
            )
    return [str(x).lower() for x in langs]


def _text(value: object, where: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: a non-empty string")
    if len(value) > limit:
        raise InputError(f"{where}: at most {limit} characters, not {len(value)}")
    return value


def _header_safe(text: str) -> bool:
    return text.isascii() and text.isprintable() and not any(c in text for c in '"<>')


def dump_links(links: OperatorLinks) -> bytes:
    """The stored form of checked links: ``{"links": [ … ]}`` with full link type IRIs."""
    flat = [{"linkType": rel, **link} for rel, found in links.items() for link in found]
    return orjson.dumps({"links": flat})


def load_links(stored: bytes) -> OperatorLinks:
    """Links as ``dump_links`` stored them (checked again: the store is not trusted blindly)."""
    return parse_links(stored)


def as_list(links: OperatorLinks) -> list[dict[str, object]]:
    """The links as the API answers them: one object per link, ``linkType`` as ``gs1:x``."""
    return [
        {"linkType": "gs1:" + rel.rsplit("/", 1)[-1], **link}
        for rel, found in links.items()
        for link in found
    ]


def merged(levels: Sequence[OperatorLinks]) -> OperatorLinks:
    """The links of several levels, the most granular first, by relation type."""
    out: OperatorLinks = {}
    for links in levels:
        for rel, found in links.items():
            out.setdefault(rel, []).extend(found)
    return out
