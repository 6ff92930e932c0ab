"""Linksets (RFC 9264, GS1 profile) of a passport, the ``Link`` header, and choosing one link.

A linkset is built from the tier view the caller may see, so a link to a document the tier
hides (the dismantling manuals) is absent from a public linkset. Relation types are the GS1
link types as full IRIs (``https://gs1.org/voc/pip``), as the GS1 linkset schema requires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypedDict
from urllib.parse import quote

import orjson

__all__ = [
    "GS1_VOC",
    "LANGUAGES",
    "LINK_TYPES",
    "Link",
    "Linkset",
    "LinksetEntry",
    "build_linkset",
    "choose_link",
    "link_header",
    "link_type_iri",
    "preferred_languages",
]

GS1_VOC = "https://gs1.org/voc/"
LANGUAGES = ("en", "de", "zh")  # the page's languages; the first is the default
_DATA = Path(__file__).resolve().parent.parent.parent / "vocab" / "gs1"
LINK_TYPES: Mapping[str, str] = {
    name: str(entry["title"]) for name, entry in orjson.loads((_DATA / "linktypes.json").read_bytes()).items()
}

# The passport's own formats (``?format=`` names of the native API).
_FORMATS = (
    ("jsonld", "application/ld+json", "JSON-LD"),
    ("turtle", "text/turtle", "Turtle"),
    ("ntriples", "application/n-triples", "N-Triples"),
    ("html", "text/html", "HTML"),
)
_PAGE_TITLES = {"en": "Battery passport", "de": "Batteriepass", "zh": "电池护照"}


def link_type_iri(text: str) -> str | None:
    """The IRI of a GS1 link type written ``gs1:pip``, ``pip`` or in full; None if not one."""
    if text.startswith(GS1_VOC):
        name = text[len(GS1_VOC) :]
    elif text.startswith("gs1:"):
        name = text[4:]
    else:
        name = text
    return GS1_VOC + name if name in LINK_TYPES else None


class Link(TypedDict):
    """One link of a linkset (RFC 9264)."""

    href: str
    title: str
    type: str
    hreflang: list[str]


# One linkset entry: "anchor" and "itemDescription" (text), then a list of links per relation type.
LinksetEntry = dict[str, str | list[Link]]
Linkset = dict[str, list[LinksetEntry]]  # {"linkset": [entry]}


def build_linkset(
    anchor: str,
    target: str,
    view: Mapping[str, object],
    *,
    description: str,
    events: bool = False,
    extra: Mapping[str, Sequence[Link]] | None = None,
) -> Linkset:
    """The linkset of ``anchor`` (the Digital Link on this resolver) whose passport is at
    ``target`` (an absolute URL of the native API) with the tier view ``view``. ``events``: the
    node keeps lifecycle events (``{target}/events``, the ``gs1:epcis`` link). ``extra``: the
    operator's own links by relation type IRI; they come first among links of their type (the
    first of equally fitting links is chosen), and an operator's ``gs1:defaultLink`` replaces
    the page as the default."""
    links: dict[str, list[Link]] = {rel: list(found) for rel, found in (extra or {}).items() if found}
    own_default = GS1_VOC + "defaultLink" in links

    def add(name: str, href: str, title: str, media_type: str, lang: str = "en") -> None:
        links.setdefault(GS1_VOC + name, []).append(
            {"href": href, "title": title, "type": media_type, "hreflang": [lang]}
        )

    for lang in LANGUAGES:
        add("pip", _page(target, lang), _PAGE_TITLES[lang], "text/html", lang)
    for fmt, media_type, label in _FORMATS:
        add("productPassport", f"{target}?format={fmt}", f"Battery passport ({label})", media_type)
    footprint = view.get("carbonFootprint")
    add("sustainabilityInfo", _page(target, "en") + "#carbon-footprint", "Carbon footprint", "text/html")
    if isinstance(footprint, Mapping) and _is_url(footprint.get("studyUrl")):
        study = str(footprint["studyUrl"])
        add("sustainabilityInfo", study, "Carbon footprint study", _guess_type(study))
    declaration = view.get("declarationOfConformity")
    if _is_url(declaration):
        add(
            "certificationInfo",
            str(declaration),
            "EU declaration of conformity",
            _guess_type(str(declaration)),
        )
    for href, title in _recycling(view):
        add("recyclingInfo", href, title, _guess_type(href))
    if events:
        add("epcis", target + "/events", "Lifecycle events (EPCIS 2.0)", "application/ld+json")
    for lang in LANGUAGES if not own_default else ():
        add("defaultLink", _page(target, lang), _PAGE_TITLES[lang], "text/html", lang)
    entry: LinksetEntry = {"anchor": anchor, "itemDescription": description}
    entry.update(links)
    return {"linkset": [entry]}


def _page(target: str, lang: str) -> str:
    return f"{target}?format=html&lang={lang}"


def _recycling(view: Mapping[str, object]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    documents = view.get("dismantlingDocuments")
    for document in documents if isinstance(documents, list) else []:
        if isinstance(document, Mapping) and _is_url(document.get("documentUrl")):
            kind = str(document.get("documentType", "document"))
            found.append((str(document["documentUrl"]), f"Dismantling information ({kind})"))
    for name, title in (
        ("collectionInfo", "Collection and take-back"),
        ("separateCollectionInfo", "Separate collection"),
        ("wastePreventionInfo", "Waste prevention"),
    ):
        if _is_url(view.get(name)):
            found.append((str(view[name]), title))
    return found


def _is_url(value: object) -> bool:
    """An http(s) URL that is safe inside a ``Link`` header: printable ASCII, no space, quote or
    angle bracket (anything else from a passport is left out of the linkset)."""
    return (
        isinstance(value, str)
        and value.startswith(("https://", "http://"))
        and value.isascii()
        and value.isprintable()
        and not any(c in value for c in ' "<>')
    )


def _guess_type(href: str) -> str:
    path = href.split("?", 1)[0].split("#", 1)[0].lower()
    if path.endswith(".pdf"):
        return "application/pdf"
    if path.endswith(".svg"):
        return "image/svg+xml"
    return "text/html"


def choose_link(entries: Sequence[Link], *, media_types: Sequence[str], languages: Sequence[str]) -> Link:
    """The entry of one link type that best fits the caller: a matching ``type`` first (in the
    order of ``media_types``), then a matching language (in the order of ``languages``)."""

    def rank(entry: Link) -> tuple[int, int]:
        media = str(entry.get("type", ""))
        type_rank = media_types.index(media) if media in media_types else len(media_types)
        langs = [str(x).lower() for x in entry.get("hreflang", [])]
        lang_rank = min((languages.index(x) for x in langs if x in languages), default=len(languages))
        return type_rank, lang_rank

    return min(entries, key=rank)


def preferred_languages(accept_language: str | None, offered: Iterable[str] = LANGUAGES) -> list[str]:
    """The offered languages in the caller's order of preference (``Accept-Language``, RFC 9110);
    those with q=0 left out, unnamed ones after the named ones in the offered order."""
    offered = list(offered)
    if not accept_language:
        return offered
    weights: dict[str, float] = {}
    star: float | None = None
    for item in accept_language.split(",")[:32]:
        tag, _, params = item.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if tag == "*":
            star = quality
            continue
        primary = tag.split("-", 1)[0]
        if primary in offered and quality > weights.get(primary, -1.0):
            weights[primary] = quality
    rest = [lang for lang in offered if lang not in weights and (star is None or star > 0)]
    named = sorted((lang for lang in weights if weights[lang] > 0), key=lambda x: -weights[x])
    return named + rest


def _title(link: Link) -> str:
    title = str(link["title"])
    if title.isascii() and title.isprintable():
        return 'title="' + title.replace("\\", "").replace('"', "'") + '"'
    # RFC 8187: a header carries printable ASCII only; anything else is percent-encoded.
    return "title*=UTF-8''" + quote(title, safe="")


def link_header(linkset_url: str, linkset: Linkset, *, same_as: str = "") -> str:
    """One ``Link`` header value: the linkset first, the canonical GS1 URI (``owl:sameAs``), then
    every link of the set (RFC 8288)."""
    parts = [f'<{linkset_url}>; rel="linkset"; type="application/linkset+json"']
    if same_as:
        parts.append(f'<{same_as}>; rel="owl:sameAs"')
    for entry in linkset["linkset"]:
        for rel, targets in entry.items():
            if not rel.startswith(GS1_VOC) or isinstance(targets, str):
                continue
            for link in targets:
                hreflang = "".join(f'; hreflang="{lang}"' for lang in link.get("hreflang", []))
                parts.append(
                    f'<{link["href"]}>; rel="{rel}"; type="{link["type"]}"{hreflang}; {_title(link)}'
                )
    return ", ".join(parts)
