"""Content negotiation: the representation an Accept header asks for."""

from __future__ import annotations

import pytest

from resolver.errors import NotAcceptable
from resolver.http.negotiation import negotiate


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type"),
    [
        (None, "jsonld", "application/ld+json"),
        ("*/*", "jsonld", "application/ld+json"),
        ("application/json", "jsonld", "application/json"),
        ("text/turtle;q=0.9, application/n-triples", "ntriples", "application/n-triples"),
        ("text/*", "turtle", "text/turtle"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html", "text/html"),
        ("application/ld+json;q=0, */*;q=0.1", "jsonld", "application/json"),
    ],
)
def test_negotiation_follows_quality_and_specificity(accept: str | None, fmt: str, media_type: str) -> None:
    chosen = negotiate(accept)
    assert (chosen.fmt, chosen.media_type) == (fmt, media_type)


def test_negotiation_refuses_what_is_not_offered() -> None:
    with pytest.raises(NotAcceptable, match="offered"):
        negotiate("image/png, application/pdf;q=0.5")
    with pytest.raises(NotAcceptable):
        negotiate("text/turtle;q=0")
