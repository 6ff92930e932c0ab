"""Linksets from passport values that could break a header: left out or encoded, never passed on."""

from __future__ import annotations

from resolver.gs1.linkset import GS1_VOC, Link, build_linkset, choose_link, link_header, preferred_languages
from tests.support.gs1 import check_linkset

ANCHOR = "https://id.example.org/01/09521234010012/21/X"


def test_hostile_values_do_not_reach_the_link_header() -> None:
    view = {
        "declarationOfConformity": "https://evil.example/doc\r\nSet-Cookie: x=1",
        "collectionInfo": 'https://evil.example/a"b',
        "dismantlingDocuments": [
            {"documentType": 'manual"\r\nX-Injected: 1', "documentUrl": "https://maker.example/d.pdf"}
        ],
    }
    linkset = build_linkset(ANCHOR, ANCHOR, view, description="test")
    check_linkset(linkset)
    entry = linkset["linkset"][0]
    assert GS1_VOC + "certificationInfo" not in entry
    recycling = entry[GS1_VOC + "recyclingInfo"]
    assert isinstance(recycling, list)
    assert [link["href"] for link in recycling] == ["https://maker.example/d.pdf"]
    header = link_header(ANCHOR + "?linkType=all", linkset)
    assert "\r" not in header and "\n" not in header and "X-Injected: 1" not in header
    assert "title*=UTF-8''Dismantling%20information%20%28manual%22%0D%0AX-Injected%3A%201%29" in header


def test_choice_by_type_then_language() -> None:
    entries: list[Link] = [
        {"href": "a", "title": "a", "type": "text/html", "hreflang": ["en"]},
        {"href": "b", "title": "b", "type": "text/html", "hreflang": ["de"]},
        {"href": "c", "title": "c", "type": "application/pdf", "hreflang": ["de"]},
    ]
    languages = preferred_languages("de-AT,de;q=0.9,en;q=0.8")
    assert languages[:2] == ["de", "en"]
    assert choose_link(entries, media_types=["text/html"], languages=languages)["href"] == "b"
    assert choose_link(entries, media_types=["application/pdf"], languages=["en"])["href"] == "c"
    assert choose_link(entries, media_types=[], languages=["en"])["href"] == "a"
