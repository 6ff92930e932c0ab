"""HTTP caching headers of the passport answers, in one place, so shared caches stay correct.

- ``Cache-Control: public`` only on a public view asked for without credentials; every answer
  to a request that carries ``Authorization`` (or that a credential lifted above the public
  tier) is ``private``: a shared cache (nginx, a CDN) never keeps it, and RFC 9111 section
  3.5 would otherwise let it store an authorised answer marked ``public``.
- Strong ``ETag``s: the same tag means the same bytes (version, tier and representation of an
  immutable stored version, or a hash of a derived body).
- ``If-None-Match`` answered with ``304`` before any body is built (no render, no JSON).
"""

from __future__ import annotations

import hashlib

from aiohttp import hdrs, web

from resolver.memo import memoize, text_size
from resolver.tiers import Tier

__all__ = [
    "VARY",
    "VARY_PAGE",
    "body_etag",
    "cache_control",
    "credentialed",
    "etag_matches",
    "not_modified",
]

# Everything in a request's headers that can change a passport answer: the representation,
# the caller (hence the tier), a forwarding caller's lowered tier, and a referral asked for.
VARY = "Accept, Authorization, Passport-Tier, Prefer"
VARY_PAGE = VARY + ", Accept-Language"  # the HTML page also comes in the caller's language


def credentialed(request: web.Request) -> bool:
    """Whether the request carries credentials (a shared cache must not keep its answer)."""
    return hdrs.AUTHORIZATION in request.headers


def _control(answer: tuple[Tier, bool, int, bool]) -> str:
    tier, with_credentials, max_age, immutable = answer
    visibility = "public" if tier is Tier.PUBLIC and not with_credentials else "private"
    return f"{visibility}, max-age={max_age}" + (", immutable" if immutable else "")


# One string per distinct answer shape; memoised since it is on the hot path.
_controls = memoize(_control, max_bytes=1024 * 1024, size=text_size)


def cache_control(request: web.Request, tier: Tier, max_age: int, *, immutable: bool = False) -> str:
    """``Cache-Control`` of an answer of ``tier`` to ``request``: public only when both are."""
    return _controls((tier, credentialed(request), max_age, immutable))


def body_etag(body: bytes) -> str:
    """A strong ETag of a derived body (a Handle record, a linkset): a hash of its bytes."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(header: str, etag: str) -> bool:
    """Whether ``If-None-Match: header`` names ``etag`` (weak comparison, RFC 9110 13.1.2)."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def not_modified(request: web.Request, etag: str) -> bool:
    """Whether ``request`` is a revalidation of ``etag`` (answer ``304``)."""
    header = request.headers.get(hdrs.IF_NONE_MATCH)
    return header is not None and etag_matches(header, etag)
