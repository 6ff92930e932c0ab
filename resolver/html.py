"""The HTML page of one passport view (what a person sees behind the QR code).

Kept as the entry point the commands use; the page itself is ``resolver.page`` (languages,
charts, hidden data points named as hidden).
"""

from __future__ import annotations

from urllib.parse import quote

from resolver.page.health import PageHealth
from resolver.page.render import PageContext, render_page
from resolver.tiers import Tier

__all__ = ["render_html"]


def render_html(
    view: bytes,
    *,
    handle: str,
    tier_label: str,
    version: int,
    lang: str = "en",
    modified: str = "",
    health: PageHealth | None = None,
) -> bytes:
    """The page for ``view`` (compact JSON-LD bytes of the tier ``tier_label``) of ``handle``."""
    page = PageContext(
        handle=handle,
        path="/" + quote(handle, safe="/:@!$&'()*+,;="),
        version=version,
        modified=modified,
        tier=Tier.from_label(tier_label),
        lang=lang,
        health=health,
    )
    return render_page(view, page)
